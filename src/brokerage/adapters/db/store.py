"""The system of record behind the unit of work: SQLite (WAL) or PostgreSQL via SQLAlchemy."""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, and_, create_engine, event, select
from sqlalchemy.pool import NullPool

from brokerage.adapters.db import tables
from brokerage.service_layer.unit_of_work import Batch

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    name: tuple(c.name for c in table.primary_key.columns)
    for name, table in tables.metadata.tables.items()
}
# Tables whose surrogate `seq` key the database assigns: updates go by their natural id.
NATURAL_KEYS = {"orders": ("id",), "accounts": ("id",), "cash_transfers": ("id",)}


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and synchronous=NORMAL."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)


def make_readonly_engine(url: str) -> Engine:
    """Create an engine for short reads from other threads (no shared pool on SQLite)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return make_engine(url)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL + NORMAL: a commit survives a process crash (SIGKILL); fsync happens at checkpoints.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class SqlStore:
    """Commit batches in one transaction each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def commit(self, batch: Batch) -> None:
        """Write every row of the batch atomically: all of it or none of it."""
        inserts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        updates: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for op, table, row in batch.operations():
            (inserts if op == "insert" else updates)[table].append(row)
        with self.engine.begin() as conn:
            for table, rows in inserts.items():
                conn.execute(tables.metadata.tables[table].insert(), rows)
            for table, rows in updates.items():
                self._update(conn, table, rows)

    @staticmethod
    def _update(conn: Connection, table_name: str, rows: list[dict[str, Any]]) -> None:
        table = tables.metadata.tables[table_name]
        keys = NATURAL_KEYS.get(table_name, PRIMARY_KEYS[table_name])
        for row in rows:
            condition = and_(*(table.c[k] == row[k] for k in keys))
            values = {k: v for k, v in row.items() if k not in keys}
            result = conn.execute(table.update().where(condition).values(**values))
            if result.rowcount != 1:
                raise RuntimeError(f"update of {table_name} {row.get(keys[0])} matched nothing")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Open a read connection."""
        with self.engine.connect() as conn:
            yield conn

    def all_rows(self, table_name: str, order_by: str | None = None) -> list[dict[str, Any]]:
        """Read a whole table (start-up loading and admin tools)."""
        table = tables.metadata.tables[table_name]
        query = select(table)
        if order_by:
            query = query.order_by(table.c[order_by])
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
