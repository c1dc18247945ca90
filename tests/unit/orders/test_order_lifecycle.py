"""An order's life through `Order.apply`: fills, dedup, races, replaces, expiry, persistence."""

from decimal import Decimal

import pytest
from order_builders import (
    LATER,
    NEW_VERSION_ID,
    NOW,
    ORDER_ID,
    VENUE,
    VENUE_ORDER_ID,
    a_fill,
    accepted,
    an_event,
    an_order,
    apply_all,
    working,
)

from brokerage.domain.ids import OrderId, TransferId
from brokerage.domain.orders.events import (
    Canceled,
    CancelRejected,
    CancelRequested,
    Expired,
    Filled,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    RiskAccepted,
    RiskRejected,
    Routed,
    Triggered,
    VenueAccepted,
    VenueRejected,
)
from brokerage.domain.orders.order import IllegalFill, Order, WrongOrder
from brokerage.domain.orders.states import IllegalTransition
from brokerage.domain.orders.types import OrderStatus, OrderType


def test_a_new_order_is_pending_new_with_nothing_filled():
    order = an_order()

    assert order.status is OrderStatus.PENDING_NEW
    assert order.filled_quantity == 0
    assert order.remaining_quantity == Decimal("10")
    assert order.filled_avg_price is None
    assert order.created_at == order.updated_at == NOW
    assert order.is_open and not order.is_terminal


def test_an_order_needs_exactly_one_of_quantity_and_notional():
    with pytest.raises(ValueError):
        an_order(notional=Decimal("100"))


def test_accept_route_and_two_fills_give_the_volume_weighted_average_price():
    order = an_order()

    apply_all(
        order,
        an_event(RiskAccepted, hold_id=TransferId("h-1")),
        an_event(Routed),
        an_event(VenueAccepted),
        a_fill("4", "100", exec_id="x-1"),
    )
    assert order.status is OrderStatus.PARTIALLY_FILLED
    order.apply(a_fill("6", "101", exec_id="x-2"))

    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == Decimal("10")
    assert order.filled_avg_price == Decimal("100.6")
    assert order.remaining_quantity == 0
    assert (order.hold_id, order.venue, order.venue_order_id) == ("h-1", VENUE, VENUE_ORDER_ID)
    assert order.submitted_at == order.filled_at == LATER
    assert order.is_terminal and len(order.history) == 5


def test_the_average_price_is_kept_exact_and_rounded_only_for_display():
    order = working(an_order())

    apply_all(order, a_fill("1", "100", exec_id="x-1"), a_fill("2", "100.01", exec_id="x-2"))

    assert order.filled_avg_price == Decimal("300.02") / 3
    assert order.filled_avg_price_rounded() == Decimal("100.0067")


def test_a_fill_with_an_already_applied_exec_id_is_ignored():
    order = working(an_order())
    order.apply(a_fill("4", exec_id="x-1"))

    applied = order.apply(a_fill("4", exec_id="x-1"))

    assert applied is False
    assert order.filled_quantity == Decimal("4")
    assert len(order.history) == 4


def test_a_resent_fill_after_the_order_filled_is_still_ignored_not_refused():
    order = working(an_order())
    order.apply(a_fill("10", exec_id="x-1"))

    assert order.apply(a_fill("10", exec_id="x-1")) is False
    assert order.status is OrderStatus.FILLED


def test_a_fill_larger_than_what_remains_is_refused_and_changes_nothing():
    order = working(an_order())
    order.apply(a_fill("7", exec_id="x-1"))

    with pytest.raises(IllegalFill):
        order.apply(a_fill("4", exec_id="x-2"))

    assert order.filled_quantity == Decimal("7")
    assert order.status is OrderStatus.PARTIALLY_FILLED


@pytest.mark.parametrize(("quantity", "price"), [("0", "100"), ("-1", "100"), ("1", "0")])
def test_a_fill_without_positive_quantity_and_price_is_refused(quantity, price):
    order = working(an_order())

    with pytest.raises(IllegalFill):
        order.apply(a_fill(quantity, price))


def test_a_cancel_that_races_a_partial_fill_stays_pending_then_cancels():
    order = working(an_order())

    apply_all(order, an_event(CancelRequested), a_fill("3"))
    assert order.status is OrderStatus.PENDING_CANCEL
    order.apply(an_event(Canceled))

    assert order.status is OrderStatus.CANCELED
    assert order.filled_quantity == Decimal("3")
    assert order.canceled_at == LATER


def test_a_cancel_that_loses_the_race_to_a_complete_fill_ends_filled():
    order = apply_all(working(an_order()), an_event(CancelRequested), a_fill("10"))

    assert order.status is OrderStatus.FILLED
    with pytest.raises(IllegalTransition):
        order.apply(an_event(Canceled))


def test_a_refused_cancel_returns_a_partly_filled_order_to_partially_filled():
    order = apply_all(working(an_order()), an_event(CancelRequested), a_fill("2"))

    order.apply(an_event(CancelRejected))

    assert order.status is OrderStatus.PARTIALLY_FILLED


def test_a_refused_cancel_of_an_unacknowledged_order_returns_it_to_accepted():
    order = apply_all(accepted(an_order()), an_event(Routed), an_event(CancelRequested))

    order.apply(an_event(CancelRejected))

    assert order.status is OrderStatus.ACCEPTED


def test_an_ack_that_crosses_a_cancel_keeps_it_pending_and_a_refusal_returns_to_new():
    order = apply_all(accepted(an_order()), an_event(Routed), an_event(CancelRequested))

    apply_all(order, an_event(VenueAccepted), an_event(CancelRejected))

    assert order.status is OrderStatus.NEW


def test_an_accepted_order_never_routed_is_canceled_directly():
    order = accepted(an_order())

    order.apply(an_event(Canceled))

    assert order.status is OrderStatus.CANCELED


def test_a_replace_marks_the_old_version_replaced_by_the_new_one():
    old = apply_all(working(an_order()), an_event(ReplaceRequested), a_fill("2"))
    assert old.status is OrderStatus.PENDING_REPLACE

    old.apply(an_event(Replaced))
    new = an_order(order_id=NEW_VERSION_ID, replaces=old.id, limit_price=Decimal("99"))

    assert old.status is OrderStatus.REPLACED
    assert (old.replaced_by, old.replaced_at) == (NEW_VERSION_ID, LATER)
    assert new.replaces == ORDER_ID and new.status is OrderStatus.PENDING_NEW


def _new_version(prior: str, quantity: str) -> Order:
    new = an_order(order_id=NEW_VERSION_ID, replaces=ORDER_ID, quantity=Decimal(quantity),
                   prior_filled_quantity=Decimal(prior))
    new_event = {"order_id": NEW_VERSION_ID}
    return apply_all(new, an_event(RiskAccepted, **new_event), an_event(Routed, **new_event))


def test_a_new_version_covers_what_is_left_and_counts_earlier_fills_in_its_totals():
    new = _new_version(prior="3", quantity="5")  # FIX OrderQty 8 with 3 filled before

    new.apply(an_event(VenueAccepted, order_id=NEW_VERSION_ID, carried_quantity=Decimal("3")))
    new.apply(an_event(Filled, order_id=NEW_VERSION_ID, quantity=Decimal("2")))

    assert (new.quantity, new.total_quantity) == (5, 8)
    assert (new.filled_quantity, new.cum_quantity, new.remaining_quantity) == (2, 5, 3)
    assert new.status is OrderStatus.PARTIALLY_FILLED


def test_a_fill_that_raced_the_replace_moves_into_the_new_versions_prior_quantity():
    new = _new_version(prior="3", quantity="5")

    new.apply(an_event(VenueAccepted, order_id=NEW_VERSION_ID, carried_quantity=Decimal("4")))

    assert (new.prior_filled_quantity, new.quantity, new.total_quantity) == (4, 4, 8)


@pytest.mark.parametrize("carried", ["2", "8", "9"])
def test_a_carried_quantity_below_prior_or_leaving_nothing_is_refused(carried):
    new = _new_version(prior="3", quantity="5")

    with pytest.raises(IllegalFill):
        new.apply(an_event(VenueAccepted, order_id=NEW_VERSION_ID,
                           carried_quantity=Decimal(carried)))

    assert (new.status, new.quantity, new.prior_filled_quantity) == (OrderStatus.ACCEPTED, 5, 3)


def test_a_refused_replace_returns_the_order_to_new():
    order = apply_all(working(an_order()), an_event(ReplaceRequested))

    order.apply(an_event(ReplaceRejected))

    assert order.status is OrderStatus.NEW
    assert order.replaced_by is None


def test_a_queued_day_order_expires_at_the_close_without_reaching_a_venue():
    order = accepted(an_order())

    order.apply(an_event(Expired, reason="day order not routed before the close"))

    assert order.status is OrderStatus.EXPIRED
    assert order.expired_at == LATER


def test_a_risk_rejection_records_its_code_and_message():
    order = an_order()

    order.apply(an_event(RiskRejected, code="RISK_INSUFFICIENT_BUYING_POWER", message="no"))

    assert order.status is OrderStatus.REJECTED
    assert (order.reject_code, order.reject_message) == ("RISK_INSUFFICIENT_BUYING_POWER", "no")
    assert order.failed_at == LATER


def test_a_venue_rejection_after_risk_accept_is_recorded_as_venue_rejected():
    order = apply_all(accepted(an_order()), an_event(Routed))

    order.apply(an_event(VenueRejected, reason="symbol halted"))

    assert order.status is OrderStatus.REJECTED
    assert (order.reject_code, order.reject_message) == ("VENUE_REJECTED", "symbol halted")


def test_an_illegal_event_raises_and_leaves_the_order_unchanged():
    order = an_order()

    with pytest.raises(IllegalTransition):
        order.apply(a_fill("1"))

    assert order.status is OrderStatus.PENDING_NEW
    assert order.history == [] and order.filled_quantity == 0


def test_an_event_for_another_order_is_refused():
    with pytest.raises(WrongOrder):
        an_order().apply(an_event(RiskAccepted, order_id=OrderId("ord-9")))


def test_only_an_untriggered_stop_can_trigger():
    limit = accepted(an_order())
    stop = accepted(an_order(order_type=OrderType.STOP, limit_price=None, stop_price=Decimal(95)))

    with pytest.raises(IllegalTransition):
        limit.apply(an_event(Triggered))
    stop.apply(an_event(Triggered))
    assert stop.triggered and stop.status is OrderStatus.ACCEPTED
    with pytest.raises(IllegalTransition):
        stop.apply(an_event(Triggered))


def test_a_notional_order_completes_when_less_than_a_cent_is_left():
    order = working(an_order(quantity=None, notional=Decimal("100"), limit_price=None))

    order.apply(a_fill("3.000300030", "33.33"))

    assert order.status is OrderStatus.FILLED
    assert order.remaining_quantity is None
    assert Decimal(0) < order.remaining_notional < Decimal("0.01")


def test_a_notional_order_refuses_a_fill_more_than_a_cent_over():
    order = working(an_order(quantity=None, notional=Decimal("100"), limit_price=None))

    with pytest.raises(IllegalFill):
        order.apply(a_fill("1.0002", "100"))


def test_an_order_round_trips_through_its_dict_with_history():
    order = apply_all(working(an_order()), a_fill("4", "100.5"))

    data = order.to_dict(with_history=True)
    restored = Order.from_dict(data)

    assert data["filled_quantity"] == "4" and data["filled_avg_price"] == "100.5"
    assert data["status"] == "partially_filled" and data["created_at"] == NOW.isoformat()
    assert restored == order


def test_an_order_dict_without_history_leaves_it_out():
    assert "history" not in an_order().to_dict()
