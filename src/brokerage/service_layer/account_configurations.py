"""The account settings an API client may change (Alpaca's /v2/account/configurations).

No money moves, so no partition: the gateway reads the settings and passes what a command
needs on the command itself (PlaceOrder.reuse_client_order_id), and the OMS stays the one
judge of whether a client order id is free.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from brokerage.adapters.db import tables
from brokerage.service_layer.ports import Clock


@dataclass(frozen=True)
class Settings:
    reuse_client_order_ids: bool = False  # a terminal order's client_order_id may be reused


class AccountConfigurations:
    def __init__(self, store: Any, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def get(self, account_id: str) -> Settings:
        t = tables.account_configurations
        with self._store.read() as conn:
            row = conn.execute(select(t).where(t.c.account_id == account_id)).first()
        return Settings() if row is None else Settings(bool(row.reuse_client_order_ids))

    def update(self, account_id: str, *, reuse_client_order_ids: bool | None) -> Settings:
        """Change what was given (None keeps the current value); return the settings."""
        if reuse_client_order_ids is None:
            return self.get(account_id)
        t = tables.account_configurations
        values = {"reuse_client_order_ids": reuse_client_order_ids,
                  "updated_at": self._clock.now()}
        try:
            with self._store.engine.begin() as conn:
                changed = conn.execute(update(t).where(t.c.account_id == account_id)
                                       .values(values))
                if changed.rowcount == 0:
                    conn.execute(insert(t).values(account_id=account_id, **values))
        except IntegrityError:  # a concurrent first PATCH inserted the row: update it
            with self._store.engine.begin() as conn:
                conn.execute(update(t).where(t.c.account_id == account_id).values(values))
        return self.get(account_id)
