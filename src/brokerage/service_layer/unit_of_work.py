"""The unit of work of one group commit: every row a batch of commands wrote, in order.

Handlers never talk to the database. They change in-memory state and record the rows that
change here; the partition hands the whole batch to the store, which commits it in one
transaction before any command in it is acknowledged (durable before acknowledged).

A row may be recorded as a function that builds it (`put_deferred`): an order changes several
times in one batch, and only its last state is written, so it is built once, when the batch
is sealed. The partition seals a batch on its own thread before handing it to the store, so
the rows are a snapshot of that moment even while the next batch is already being applied.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

Row = dict[str, Any]
RowBuilder = Callable[[], Row]


@dataclass
class Batch:
    """Rows to write, keyed so that a row written twice in one batch is written once."""

    _rows: dict[tuple[str, str], tuple[str, Row | RowBuilder]] = field(default_factory=dict)
    _order: list[tuple[str, str]] = field(default_factory=list)

    def insert(self, table: str, key: str, row: Row) -> None:
        """Record a new row; a later put() of the same key in this batch folds into it."""
        slot = (table, key)
        if slot in self._rows:
            raise ValueError(f"{table} row {key} inserted twice in one batch")
        self._rows[slot] = ("insert", row)
        self._order.append(slot)

    def put(self, table: str, key: str, row: Row, *, new: bool) -> None:
        """Record the latest state of a row: an insert if it is new, else an update."""
        self._put(table, key, row, new)

    def put_deferred(self, table: str, key: str, build: RowBuilder, *, new: bool) -> None:
        """Like put(), but build the row only when the batch is sealed (its latest state)."""
        self._put(table, key, build, new)

    def _put(self, table: str, key: str, row: Row | RowBuilder, new: bool) -> None:
        slot = (table, key)
        previous = self._rows.get(slot)
        if previous is None:
            self._rows[slot] = ("insert" if new else "update", row)
            self._order.append(slot)
        else:
            self._rows[slot] = (previous[0], row)

    def seal(self) -> None:
        """Build every deferred row now, so that later changes in memory do not leak in."""
        rows = self._rows
        for slot, (op, row) in rows.items():
            if not isinstance(row, dict):
                rows[slot] = (op, row())

    def __len__(self) -> int:
        return len(self._order)

    def operations(self) -> list[tuple[str, str, Row]]:
        """Return (op, table, row) in first-written order (sealing the batch first)."""
        self.seal()
        rows = self._rows
        return [(rows[slot][0], slot[0], rows[slot][1]) for slot in self._order]  # type: ignore[misc]


class Store(Protocol):
    def commit(self, batch: Batch) -> None: ...
