"""Order notifications in the system of record: idempotent inserts, the log they follow, a cursor.

Inserts are keyed by `notifications.dedup_key` (unique): a key already stored is skipped, so
writing the same notice twice (a report delivered twice, the live path and the catch-up) leaves
one row. `store` returns only the rows it inserted, so only those are pushed to streams.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from brokerage.adapters.db import tables

Row = dict[str, Any]
IN_CHUNK = 500  # ids per IN (...) list


class SqlOrderNoticesRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def store(self, rows: Sequence[Row]) -> list[Row]:
        """Insert the rows whose dedup key is new, in one transaction; return those."""
        t = tables.notifications
        fresh: dict[str, Row] = {}
        for row in rows:
            fresh.setdefault(row["dedup_key"], row)
        if not fresh:
            return []
        with self.engine.begin() as conn:
            for chunk in _chunks(list(fresh)):
                for (key,) in conn.execute(select(t.c.dedup_key).where(t.c.dedup_key.in_(chunk))):
                    fresh.pop(key, None)
            if fresh:
                conn.execute(self._insert_new(conn), list(fresh.values()))
        return list(fresh.values())

    def _insert_new(self, conn: Connection) -> Any:
        """An INSERT that skips a key another writer stored meanwhile (never raises on it)."""
        dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(conn.dialect.name)
        if dialect is None:
            return tables.notifications.insert()
        return dialect.insert(tables.notifications).on_conflict_do_nothing(
            index_elements=["dedup_key"])

    def users_of(self, account_ids: Iterable[str]) -> dict[str, str]:
        """Map account ids to their owners' user ids."""
        t = tables.accounts
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(account_ids))):
                out.update((r.id, r.user_id) for r in conn.execute(
                    select(t.c.id, t.c.user_id).where(t.c.id.in_(chunk))))
        return out

    def orders(self, order_ids: Iterable[str]) -> dict[str, Row]:
        """Return the stored orders (their JSON documents, with history) by id."""
        t = tables.orders
        out: dict[str, Row] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(order_ids))):
                out.update((r.id, json.loads(r.doc)) for r in conn.execute(
                    select(t.c.id, t.c.doc).where(t.c.id.in_(chunk))))
        return out

    # --- the log the notices follow -----------------------------------------------------------

    def last_event_seq(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(tables.order_events.c.seq))).scalar() or 0)

    def events_between(self, after: int, upto: int, kinds: Sequence[str],
                       limit: int) -> list[Row]:
        """Return committed order events of `kinds` with after < seq <= upto, in order."""
        e = tables.order_events
        query = (select(e.c.seq, e.c.order_id, e.c.kind, e.c.status, e.c.ts, e.c.payload)
                 .where(e.c.seq > after, e.c.seq <= upto, e.c.kind.in_(kinds))
                 .order_by(e.c.seq).limit(limit))
        with self.engine.connect() as conn:
            return [{**r._mapping, "payload": json.loads(r.payload)}
                    for r in conn.execute(query)]

    def cursor(self, name: str) -> int:
        t = tables.read_model_cursors
        with self.engine.connect() as conn:
            value = conn.execute(select(t.c.position).where(t.c.name == name)).scalar()
        return int(value or 0)

    def set_cursor(self, name: str, position: int, now: datetime) -> None:
        t = tables.read_model_cursors
        with self.engine.begin() as conn:
            done = conn.execute(t.update().where(t.c.name == name).values(
                position=position, updated_at=now)).rowcount
            if not done:
                conn.execute(t.insert().values(name=name, position=position, updated_at=now))


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), IN_CHUNK):
        yield items[start:start + IN_CHUNK]
