"""Reconciliation: every difference between our fills and a drop copy is a break."""

from decimal import Decimal

from brokerage.domain.reconciliation import BreakKind, Execution, reconcile


def a_fill(exec_id: str, qty: str = "1", price: str = "10", venue: str = "MM1") -> Execution:
    return Execution(venue, exec_id, f"order-{exec_id}", "AAPL", "buy", Decimal(qty),
                     Decimal(price))


def test_matching_sides_have_no_breaks():
    assert reconcile([a_fill("1"), a_fill("2")], [a_fill("2"), a_fill("1")]) == []


def test_every_kind_of_break_is_listed():
    ours = [a_fill("1"), a_fill("2", price="10.01"), a_fill("3", qty="2"), a_fill("4")]
    theirs = [a_fill("1"), a_fill("2"), a_fill("3"), a_fill("5")]
    kinds = [(b.exec_id, b.kind) for b in reconcile(ours, theirs)]
    assert kinds == [("2", BreakKind.PRICE_MISMATCH), ("3", BreakKind.QUANTITY_MISMATCH),
                     ("4", BreakKind.MISSING_AT_VENUE), ("5", BreakKind.MISSING_IN_BOOKS)]


def test_the_same_exec_id_at_two_venues_is_two_executions():
    breaks = reconcile([a_fill("1", venue="MM1")], [a_fill("1", venue="MM2")])
    assert {(b.venue, b.kind) for b in breaks} == {("MM1", BreakKind.MISSING_AT_VENUE),
                                                   ("MM2", BreakKind.MISSING_IN_BOOKS)}
