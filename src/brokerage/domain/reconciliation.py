"""Reconciliation of our booked fills against a venue's drop copy (pure comparison).

Executions are matched by (venue, exec id). Every difference is a break: a fill on one side
only, or the same execution with a different price or quantity.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class BreakKind(StrEnum):
    MISSING_AT_VENUE = "RECON_MISSING_AT_VENUE"  # we booked it; the venue has no such fill
    MISSING_IN_BOOKS = "RECON_MISSING_IN_BOOKS"  # the venue filled it; we never booked it
    PRICE_MISMATCH = "RECON_PRICE_MISMATCH"
    QUANTITY_MISMATCH = "RECON_QUANTITY_MISMATCH"


@dataclass(frozen=True, slots=True)
class Execution:
    venue: str
    exec_id: str
    order_id: str
    symbol: str
    side: str
    quantity: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class Break:
    kind: BreakKind
    venue: str
    exec_id: str
    order_id: str
    ours: Execution | None
    theirs: Execution | None


def reconcile(ours: list[Execution], theirs: list[Execution]) -> list[Break]:
    """List every break between our fills and the venues' drop copies, in a stable order."""
    mine = {(e.venue, e.exec_id): e for e in ours}
    venue = {(e.venue, e.exec_id): e for e in theirs}
    breaks: list[Break] = []
    for key in sorted(mine.keys() | venue.keys()):
        a, b = mine.get(key), venue.get(key)
        order_id = (a or b).order_id  # type: ignore[union-attr]
        kinds = ([BreakKind.MISSING_AT_VENUE] if b is None
                 else [BreakKind.MISSING_IN_BOOKS] if a is None
                 else _differences(a, b))
        breaks.extend(Break(kind, key[0], key[1], order_id, a, b) for kind in kinds)
    return breaks


def _differences(a: Execution, b: Execution) -> list[BreakKind]:
    kinds = []
    if a.price != b.price:
        kinds.append(BreakKind.PRICE_MISMATCH)
    if a.quantity != b.quantity:
        kinds.append(BreakKind.QUANTITY_MISMATCH)
    return kinds
