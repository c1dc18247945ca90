"""Fixed-id builders for the order state machine tests."""

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from brokerage.domain.ids import (
    AccountId,
    ClientOrderId,
    EventId,
    ExecId,
    OrderId,
    Symbol,
    VenueId,
    VenueOrderId,
)
from brokerage.domain.orders.events import (
    Canceled,
    CancelRequested,
    DoneForDay,
    Expired,
    Filled,
    OrderEvent,
    Replaced,
    ReplaceRequested,
    RiskAccepted,
    Routed,
    VenueAccepted,
)
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.states import WorkingPhase
from brokerage.domain.orders.types import OrderStatus, OrderType, Side, TimeInForce

ORDER_ID = OrderId("ord-1")
NEW_VERSION_ID = OrderId("ord-2")
ACCOUNT = AccountId("acc-1")
AAPL = Symbol("AAPL")
VENUE = VenueId("SIMX")
VENUE_ORDER_ID = VenueOrderId("v-1")
NOW = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(seconds=1)

E = TypeVar("E", bound=OrderEvent)

_DEFAULTS: dict[str, Any] = {
    "code": "RISK_TEST",
    "message": "denied",
    "reason": "because",
    "venue": VENUE,
    "cl_ord_id": str(ORDER_ID),
    "venue_order_id": VENUE_ORDER_ID,
    "price": Decimal("100"),
    "water_mark": Decimal("100"),
    "stop_price": Decimal("95"),
    "exec_id": ExecId("x-1"),
    "quantity": Decimal("1"),
    "new_order_id": NEW_VERSION_ID,
}


def an_event(cls: type[E], **changes: Any) -> E:
    """Build an event for ORDER_ID at LATER, filling its fields with fixed defaults."""
    values: dict[str, Any] = {"event_id": EventId("evt-1"), "order_id": ORDER_ID, "ts": LATER}
    for f in fields(cls):
        if f.name in _DEFAULTS:
            values[f.name] = _DEFAULTS[f.name]
    values.update(changes)
    return cls(**values)


def a_fill(quantity: str, price: str = "100", exec_id: str = "x-1") -> Filled:
    return an_event(
        Filled, quantity=Decimal(quantity), price=Decimal(price), exec_id=ExecId(exec_id)
    )


def an_order(**changes: Any) -> Order:
    """Build a PENDING_NEW limit buy of 10 AAPL at 100, day."""
    args: dict[str, Any] = {
        "order_id": ORDER_ID,
        "account_id": ACCOUNT,
        "client_order_id": ClientOrderId("cli-1"),
        "symbol": AAPL,
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "time_in_force": TimeInForce.DAY,
        "ts": NOW,
        "quantity": Decimal("10"),
        "limit_price": Decimal("100"),
    }
    args.update(changes)
    return Order.create(**args)


def a_trailing_sell(**changes: Any) -> Order:
    """Build a sell trailing stop of 10 AAPL, trailing by $5 unless told otherwise."""
    base: dict[str, Any] = {
        "side": Side.SELL,
        "order_type": OrderType.TRAILING_STOP,
        "time_in_force": TimeInForce.GTC,
        "limit_price": None,
        "trail_price": Decimal("5"),
    }
    base.update(changes)
    return an_order(**base)


def apply_all(order: Order, *events: OrderEvent) -> Order:
    for event in events:
        assert order.apply(event)
    return order


def accepted(order: Order) -> Order:
    return apply_all(order, an_event(RiskAccepted))


def working(order: Order) -> Order:
    return apply_all(accepted(order), an_event(Routed), an_event(VenueAccepted))


def reach(status: OrderStatus, phase: WorkingPhase, order: Order) -> Order:
    """Drive `order` (a fresh one of qty 10) to `status` in `phase`, via legal events.

    A terminal status is reached from working in `phase` (CANCELED, EXPIRED, REPLACED only:
    the terminal statuses that take a late fill).
    """
    if status is OrderStatus.PENDING_NEW:
        return order
    if status is OrderStatus.ACCEPTED:
        return accepted(order)
    base = _base_for(phase, order)
    follow_up: dict[OrderStatus, list[OrderEvent]] = {
        OrderStatus.NEW: [],
        OrderStatus.PARTIALLY_FILLED: [a_fill("1", exec_id="x-reach")],
        OrderStatus.PENDING_CANCEL: [an_event(CancelRequested)],
        OrderStatus.PENDING_REPLACE: [an_event(ReplaceRequested)],
        OrderStatus.DONE_FOR_DAY: [an_event(DoneForDay)],
        OrderStatus.CANCELED: [an_event(CancelRequested), an_event(Canceled)],
        OrderStatus.EXPIRED: [an_event(Expired)],
        OrderStatus.REPLACED: [an_event(ReplaceRequested), an_event(Replaced)],
    }
    return apply_all(base, *follow_up[status])


def _base_for(phase: WorkingPhase, order: Order) -> Order:
    if phase is WorkingPhase.UNACKED:
        return apply_all(accepted(order), an_event(Routed))
    if phase is WorkingPhase.PARTIAL:
        return apply_all(working(order), a_fill("1", exec_id="x-base"))
    return working(order)
