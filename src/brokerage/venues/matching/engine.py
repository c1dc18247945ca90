"""The matching engine: one order book per symbol, driven by journaled commands.

`apply(command)` is the only mutator: it numbers the command, records it in the journal (when
there is one) and executes it against the symbol's book. `snapshot()` and `restore()` save
and rebuild every book together with the number of the last command applied, so recovery is
`MatchingEngine.restore(snapshot)` followed by `replay(journal.since(snapshot["seq"]))`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from brokerage.venues.matching.auction import uncross
from brokerage.venues.matching.book import Event, OrderBook
from brokerage.venues.matching.journal import (
    AddOrder,
    CancelOrder,
    Command,
    Journal,
    JournalEntry,
    OrderKind,
    ReplaceOrder,
    RunAuction,
)


class MatchingEngine:
    """Route commands to per-symbol books and keep the journal."""

    def __init__(self, journal: Journal | None = None) -> None:
        self._books: dict[str, OrderBook] = {}
        self._journal = journal
        self._seq = 0
        self._handlers: dict[type, Callable[[Any], list[Event]]] = {
            AddOrder: self._add,
            CancelOrder: self._cancel,
            ReplaceOrder: self._replace,
            RunAuction: self._auction,
        }

    @property
    def seq(self) -> int:
        """Return the number of the last command applied."""
        return self._seq

    def book(self, symbol: str) -> OrderBook:
        """Return the book of a symbol, creating an empty one on first use."""
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = OrderBook()
        return book

    def symbols(self) -> list[str]:
        """Return the symbols that have a book, sorted."""
        return sorted(self._books)

    def apply(self, command: Command) -> list[Event]:
        """Journal a command, then execute it; return the book's events."""
        self._seq += 1
        if self._journal is not None:
            self._journal.record(JournalEntry(self._seq, command))
        return self._handlers[type(command)](command)

    def replay(self, entries: Iterable[JournalEntry]) -> None:
        """Re-execute journaled entries after the last one applied (without re-journaling)."""
        for entry in entries:
            if entry.seq <= self._seq:
                continue
            if entry.seq != self._seq + 1:
                raise ValueError(f"journal gap: at {self._seq}, next entry is {entry.seq}")
            self._handlers[type(entry.command)](entry.command)
            self._seq = entry.seq

    def snapshot(self) -> dict[str, Any]:
        """Return a JSON-able image of every book and the last command number."""
        return {
            "seq": self._seq,
            "books": {symbol: self._books[symbol].snapshot() for symbol in self.symbols()},
        }

    @classmethod
    def restore(cls, snapshot: dict[str, Any], journal: Journal | None = None) -> MatchingEngine:
        """Rebuild an engine from `snapshot()`."""
        engine = cls(journal)
        for symbol, image in snapshot["books"].items():
            engine._books[symbol] = OrderBook.restore(image)
        engine._seq = snapshot["seq"]
        return engine

    def state_hash(self) -> str:
        """Return a sha256 over every non-empty book's state hash, by symbol."""
        digest = hashlib.sha256()
        for symbol in self.symbols():
            book = self._books[symbol]
            if len(book):
                digest.update(f"{symbol}:{book.state_hash()};".encode())
        return digest.hexdigest()

    def _add(self, c: AddOrder) -> list[Event]:
        book = self.book(c.symbol)
        if c.kind is OrderKind.LIMIT:
            return book.add_limit(c.order_id, c.owner, c.side, c.price or 0, c.qty)
        if c.kind is OrderKind.IOC:
            return book.add_ioc(c.order_id, c.owner, c.side, c.price or 0, c.qty)
        if c.kind is OrderKind.FOK:
            return book.add_fok(c.order_id, c.owner, c.side, c.price, c.qty)
        return book.add_market(c.order_id, c.owner, c.side, c.qty)

    def _cancel(self, c: CancelOrder) -> list[Event]:
        return self.book(c.symbol).cancel(c.order_id, c.reason)

    def _replace(self, c: ReplaceOrder) -> list[Event]:
        return self.book(c.symbol).replace(c.order_id, c.qty, c.price)

    def _auction(self, c: RunAuction) -> list[Event]:
        _, fills = uncross(self.book(c.symbol), c.orders, c.reference)
        return list(fills)
