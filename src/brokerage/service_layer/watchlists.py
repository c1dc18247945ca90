"""Watchlists: named, ordered lists of symbols per account. No money moves, so no partition."""

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from brokerage.adapters.db import tables
from brokerage.service_layer.errors import NotFound, Refused
from brokerage.service_layer.ports import Clock, IdGenerator

MAX_WATCHLISTS = 200  # per account
MAX_SYMBOLS = 1000  # per watchlist
MAX_NAME = 64


class Watchlists:
    def __init__(self, store: Any, clock: Clock, ids: IdGenerator,
                 known_symbols: Collection[str]) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids
        self._known = known_symbols

    def of_account(self, account_id: str) -> list[dict[str, Any]]:
        t = tables.watchlists
        query = select(t).where(t.c.account_id == account_id).order_by(t.c.created_at)
        with self._store.read() as conn:
            return [_view(r) for r in conn.execute(query)]

    def get(self, account_id: str, watchlist_id: str) -> dict[str, Any]:
        t = tables.watchlists
        with self._store.read() as conn:
            row = conn.execute(select(t).where(t.c.id == watchlist_id,
                                               t.c.account_id == account_id)).first()
        if row is None:
            raise NotFound("WATCHLIST_NOT_FOUND", "watchlist not found")
        return _view(row)

    def by_name(self, account_id: str, name: str) -> dict[str, Any]:
        t = tables.watchlists
        with self._store.read() as conn:
            row = conn.execute(select(t).where(t.c.name == name,
                                               t.c.account_id == account_id)).first()
        if row is None:
            raise NotFound("WATCHLIST_NOT_FOUND", "watchlist not found")
        return _view(row)

    def create(self, account_id: str, name: str, symbols: list[str]) -> dict[str, Any]:
        """Create a watchlist; names are unique per account."""
        name, symbols = self._checked(name, symbols)
        if len(self.of_account(account_id)) >= MAX_WATCHLISTS:
            raise Refused("TOO_MANY_WATCHLISTS", f"at most {MAX_WATCHLISTS} watchlists")
        now, watchlist_id = self._clock.now(), self._ids()
        try:
            with self._store.engine.begin() as conn:
                conn.execute(insert(tables.watchlists).values(
                    id=watchlist_id, account_id=account_id, name=name,
                    symbols=json.dumps(symbols), created_at=now, updated_at=now))
        except IntegrityError as exc:
            raise Refused("WATCHLIST_NAME_TAKEN", "watchlist name must be unique") from exc
        return self.get(account_id, watchlist_id)

    def replace(self, account_id: str, watchlist_id: str, name: str | None,
                symbols: list[str] | None) -> dict[str, Any]:
        """Rename it and/or replace its symbols."""
        current = self.get(account_id, watchlist_id)
        name, symbols = self._checked(name if name is not None else current["name"],
                                      symbols if symbols is not None else current["symbols"])
        return self._write(account_id, watchlist_id, name=name, symbols=json.dumps(symbols))

    def add(self, account_id: str, watchlist_id: str, symbol: str) -> dict[str, Any]:
        current = self.get(account_id, watchlist_id)
        symbols = current["symbols"]
        symbol = self._symbol(symbol)
        if symbol in symbols:
            raise Refused("SYMBOL_ALREADY_LISTED", f"{symbol} is already in this watchlist")
        return self.replace(account_id, watchlist_id, None, [*symbols, symbol])

    def remove(self, account_id: str, watchlist_id: str, symbol: str) -> dict[str, Any]:
        current = self.get(account_id, watchlist_id)
        symbol = symbol.upper()
        if symbol not in current["symbols"]:
            raise NotFound("SYMBOL_NOT_LISTED", f"{symbol} is not in this watchlist")
        return self.replace(account_id, watchlist_id, None,
                            [s for s in current["symbols"] if s != symbol])

    def delete(self, account_id: str, watchlist_id: str) -> None:
        t = tables.watchlists
        with self._store.engine.begin() as conn:
            result = conn.execute(delete(t).where(t.c.id == watchlist_id,
                                                  t.c.account_id == account_id))
        if result.rowcount != 1:
            raise NotFound("WATCHLIST_NOT_FOUND", "watchlist not found")

    def _write(self, account_id: str, watchlist_id: str, **values: Any) -> dict[str, Any]:
        t = tables.watchlists
        try:
            with self._store.engine.begin() as conn:
                conn.execute(update(t).where(t.c.id == watchlist_id, t.c.account_id == account_id)
                             .values(updated_at=self._clock.now(), **values))
        except IntegrityError as exc:
            raise Refused("WATCHLIST_NAME_TAKEN", "watchlist name must be unique") from exc
        return self.get(account_id, watchlist_id)

    def _checked(self, name: str, symbols: list[str]) -> tuple[str, list[str]]:
        name = name.strip()
        if not 1 <= len(name) <= MAX_NAME:
            raise Refused("INVALID_WATCHLIST_NAME", f"name must be 1 to {MAX_NAME} characters")
        if len(symbols) > MAX_SYMBOLS:
            raise Refused("TOO_MANY_SYMBOLS", f"at most {MAX_SYMBOLS} symbols per watchlist")
        checked: list[str] = []
        for symbol in (self._symbol(s) for s in symbols):
            if symbol not in checked:
                checked.append(symbol)
        return name, checked

    def _symbol(self, symbol: str) -> str:
        symbol = symbol.strip().upper()
        if symbol not in self._known:
            raise Refused("ASSET_NOT_FOUND", f"asset {symbol} not found")
        return symbol


def _view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "account_id": row.account_id, "name": row.name,
            "symbols": json.loads(row.symbols), "created_at": row.created_at,
            "updated_at": row.updated_at}
