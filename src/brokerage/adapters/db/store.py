"""The system of record behind the unit of work: SQLite (WAL) or PostgreSQL via SQLAlchemy."""

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, create_engine, event, select
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
    """Create an engine; SQLite gets WAL, a busy timeout and synchronous=FULL."""
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
    # WAL + FULL: every commit fsyncs the WAL before it returns, so an acknowledged order
    # survives a power loss, not only a process crash (NORMAL would fsync at checkpoints
    # only). Group commit makes this cheap: one fsync per batch, not per order.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_KEY_PREFIX = "key_"  # bind names of the WHERE keys (a column's own name is taken by SET)

Shape = tuple[str, tuple[str, ...]]  # (table, the row's column names)
Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Prepared:
    """A statement compiled once per table and row shape, with its parameter converters.

    Executing it hands the driver one executemany with parameters built here, with the same
    bind processors SQLAlchemy would apply (ExactDecimal, UtcDateTime, the dialect's own),
    minus SQLAlchemy's per-row bookkeeping, which costs more than the insert itself.
    """

    sql: str
    positional: bool
    names: tuple[str, ...]  # bind names in the order the driver takes them
    sources: tuple[str, ...]  # the row key feeding each bind
    processors: tuple[Processor, ...]

    def params(self, rows: list[dict[str, Any]]) -> list[Any]:
        """Convert rows to driver parameters (tuples or dicts, per the paramstyle).

        Column by column: the values are picked and put back into rows by C code (itemgetter,
        zip), so only the columns with a processor cost a Python call per value.
        """
        pick = itemgetter(*self.sources)
        picked = [pick(row) for row in rows]
        if len(self.sources) == 1:
            picked = [(value,) for value in picked]
        columns = list(zip(*picked, strict=True)) if picked else []
        for i, proc in enumerate(self.processors):
            if proc is not None and columns:
                columns[i] = tuple([None if v is None else proc(v) for v in columns[i]])
        converted = list(zip(*columns, strict=True))
        if self.positional:
            return converted
        return [dict(zip(self.names, values, strict=True)) for values in converted]


class SqlStore:
    """Commit batches in one transaction each: one executemany per table and row shape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._prepared: dict[tuple[str, Shape], _Prepared | None] = {}

    def commit(self, batch: Batch) -> None:
        """Write every row of the batch atomically: all of it or none of it."""
        inserts: dict[Shape, list[dict[str, Any]]] = defaultdict(list)
        updates: dict[Shape, list[dict[str, Any]]] = defaultdict(list)
        for op, table, row in batch.operations():
            (inserts if op == "insert" else updates)[(table, tuple(row))].append(row)
        with self.engine.begin() as conn:
            for shape, rows in inserts.items():
                self._insert(conn, shape, rows)
            for shape, rows in updates.items():
                self._update(conn, shape, rows)

    def _insert(self, conn: Connection, shape: Shape, rows: list[dict[str, Any]]) -> None:
        table = tables.metadata.tables[shape[0]]
        prepared = self._prepare("insert", shape, lambda: table.insert().values(
            {c: bindparam(c) for c in shape[1]}), {c: c for c in shape[1]})
        if prepared is None:
            conn.execute(table.insert(), rows)
        else:
            conn.exec_driver_sql(prepared.sql, prepared.params(rows))

    def _update(self, conn: Connection, shape: Shape, rows: list[dict[str, Any]]) -> None:
        table_name = shape[0]
        table = tables.metadata.tables[table_name]
        keys = NATURAL_KEYS.get(table_name, PRIMARY_KEYS[table_name])
        sources = {c: c for c in shape[1] if c not in keys} | {_KEY_PREFIX + k: k for k in keys}

        def statement() -> Any:
            condition = and_(*(table.c[k] == bindparam(_KEY_PREFIX + k) for k in keys))
            return table.update().where(condition).values(
                {c: bindparam(c) for c in shape[1] if c not in keys})

        prepared = self._prepare("update", shape, statement, sources)
        if prepared is None:
            result = conn.execute(statement(), [
                {**row, **{_KEY_PREFIX + k: row[k] for k in keys}} for row in rows])
        else:
            result = conn.exec_driver_sql(prepared.sql, prepared.params(rows))
        if result.rowcount != len(rows):
            raise RuntimeError(f"update of {len(rows)} {table_name} rows matched "
                               f"{result.rowcount}: some row is missing")

    def _prepare(self, op: str, shape: Shape, build: Callable[[], Any],
                 sources: dict[str, str]) -> _Prepared | None:
        """Compile a statement once; None if it needs binds the rows do not give (defaults)."""
        key = (op, shape)
        if key in self._prepared:
            return self._prepared[key]
        dialect = self.engine.dialect
        compiled = build().compile(dialect=dialect)
        names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(
            compiled.bind_names.values())
        prepared = None
        if set(names) <= set(sources) and not getattr(compiled, "escaped_bind_names", None):
            processors = tuple(
                compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect)
                for n in names)
            prepared = _Prepared(compiled.string, dialect.positional, names,
                                 tuple(sources[n] for n in names), processors)
        self._prepared[key] = prepared
        return prepared

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
