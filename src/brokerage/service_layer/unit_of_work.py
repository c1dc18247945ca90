"""The unit of work of one group commit: every row a batch of commands wrote, in order.

Handlers never talk to the database. They change in-memory state and record the rows that
change here; the partition hands the whole batch to the store, which commits it in one
transaction before any command in it is acknowledged (durable before acknowledged).
"""

from dataclasses import dataclass, field
from typing import Any, Protocol

Row = dict[str, Any]


@dataclass
class Batch:
    """Rows to write, keyed so that a row written twice in one batch is written once."""

    _rows: dict[tuple[str, str], tuple[str, Row]] = field(default_factory=dict)
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
        slot = (table, key)
        previous = self._rows.get(slot)
        if previous is None:
            self._rows[slot] = ("insert" if new else "update", row)
            self._order.append(slot)
        else:
            self._rows[slot] = (previous[0], row)

    def __len__(self) -> int:
        return len(self._order)

    def operations(self) -> list[tuple[str, str, Row]]:
        """Return (op, table, row) in first-written order."""
        return [(self._rows[slot][0], slot[0], self._rows[slot][1]) for slot in self._order]


class Store(Protocol):
    def commit(self, batch: Batch) -> None: ...
