"""The Order entity: its fields are a projection of the events it has applied.

`Order.apply(event)` is the only mutator. It checks the event against the state table
(`states.TRANSITIONS`), updates the fields the event carries, and appends it to `history`.
A `Filled` whose `exec_id` was already applied is a no-op: `apply` returns False and changes
nothing (venues resend executions after a reconnect; a retry must never book a second fill).

Versions and fills across a replace (FIX 4.4 semantics). A replace makes a new version with a
new id; the customer's (and the venue's) OrderQty is the new TOTAL, what has filled included.
In our model each version keeps its own fills: the replaced version keeps what filled on it,
and the new version starts with `filled_quantity` zero, `prior_filled_quantity` = the cum qty
of the versions before it, and `quantity` = only what is left (total - cum), which is what its
limit price and its hold cover. So `total_quantity` = prior + quantity is the FIX OrderQty,
`cum_quantity` = prior + filled is the FIX CumQty, and `remaining_quantity` is LeavesQty.
Nothing is counted twice: each fill belongs to exactly one version. A fill that raced the
replace lands on the old version; the venue's confirmation (`VenueAccepted.carried_quantity`)
then moves it into the new version's prior quantity, shrinking its quantity by as much.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from brokerage.domain.ids import (
    AccountId,
    ClientOrderId,
    ExecId,
    OrderId,
    Symbol,
    TransferId,
    VenueId,
    VenueOrderId,
)
from brokerage.domain.money import CENT, USD_QUANTUM, ZERO
from brokerage.domain.orders.events import (
    Canceled,
    EventKind,
    Expired,
    Filled,
    OrderEvent,
    Replaced,
    RiskAccepted,
    RiskRejected,
    Routed,
    TrailUpdated,
    VenueAccepted,
    VenueRejected,
)
from brokerage.domain.orders.states import (
    IllegalTransition,
    WorkingPhase,
    resolve_kind,
    transition,
)
from brokerage.domain.orders.types import (
    TERMINAL_STATUSES,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)

VENUE_REJECTED_CODE = "VENUE_REJECTED"
STOP_TYPES = frozenset({OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP})
# A notional order is complete when less than a cent of it is left unfilled, and overfilled
# when it is more than a cent over: share quantities are cut to 1e-9, never to the cent.
NOTIONAL_TOLERANCE = CENT


class IllegalFill(Exception):
    """A fill that would break the order's invariants (overfill, non-positive qty or price)."""


class WrongOrder(ValueError):
    """An event addressed to another order."""


@dataclass(slots=True)
class Order:
    """One version of a customer order (a replace makes a new version with a new id)."""

    id: OrderId
    account_id: AccountId
    client_order_id: ClientOrderId
    symbol: Symbol
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce
    quantity: Decimal | None
    notional: Decimal | None
    limit_price: Decimal | None
    stop_price: Decimal | None
    trail_price: Decimal | None
    trail_percent: Decimal | None
    extended_hours: bool
    created_at: datetime
    updated_at: datetime
    status: OrderStatus = OrderStatus.PENDING_NEW
    # For a sell trailing stop the highest price since activation; for a buy, the lowest.
    high_water_mark: Decimal | None = None
    filled_quantity: Decimal = ZERO
    filled_notional: Decimal = ZERO  # sum of qty * price over fills, unrounded
    # Filled by the versions this one replaced (the FIX CumQty carried over a replace).
    prior_filled_quantity: Decimal = ZERO
    submitted_at: datetime | None = None
    filled_at: datetime | None = None
    canceled_at: datetime | None = None
    expired_at: datetime | None = None
    failed_at: datetime | None = None
    replaced_at: datetime | None = None
    replaces: OrderId | None = None
    replaced_by: OrderId | None = None
    reject_code: str | None = None
    reject_message: str | None = None
    venue: VenueId | None = None
    venue_order_id: VenueOrderId | None = None
    triggered: bool = False
    hold_id: TransferId | None = None
    # How many earlier orders of the account used this client_order_id (reuse is opt-in and
    # only after the previous one is terminal): the database keeps (client id, seq) unique.
    client_order_seq: int = 0
    history: list[OrderEvent] = field(default_factory=list)
    # Derived from history (the exec ids of its fills), so a duplicate is found without a scan.
    _exec_ids: set[ExecId] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._exec_ids = {e.exec_id for e in self.history if isinstance(e, Filled)}

    @classmethod
    def create(
        cls,
        *,
        order_id: OrderId,
        account_id: AccountId,
        client_order_id: ClientOrderId,
        symbol: Symbol,
        side: Side,
        order_type: OrderType,
        time_in_force: TimeInForce,
        ts: datetime,
        quantity: Decimal | None = None,
        notional: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        trail_price: Decimal | None = None,
        trail_percent: Decimal | None = None,
        extended_hours: bool = False,
        replaces: OrderId | None = None,
        prior_filled_quantity: Decimal = ZERO,
    ) -> Order:
        """Build a PENDING_NEW order; validate the request first (see `validation`)."""
        if (quantity is None) == (notional is None):
            raise ValueError("an order has exactly one of quantity and notional")
        return cls(
            id=order_id,
            account_id=account_id,
            client_order_id=client_order_id,
            symbol=symbol,
            side=side,
            order_type=order_type,
            time_in_force=time_in_force,
            quantity=quantity,
            notional=notional,
            limit_price=limit_price,
            stop_price=stop_price,
            trail_price=trail_price,
            trail_percent=trail_percent,
            extended_hours=extended_hours,
            created_at=ts,
            updated_at=ts,
            replaces=replaces,
            prior_filled_quantity=prior_filled_quantity,
        )

    # -- the one mutator -------------------------------------------------------------------

    def apply(self, event: OrderEvent) -> bool:
        """Apply `event`; return False for an already-applied fill, else True.

        Raise IllegalTransition for an event the current status does not allow, and
        IllegalFill for a fill that is not positive or exceeds what remains.
        """
        if event.order_id != self.id:
            raise WrongOrder(f"event for {event.order_id} applied to {self.id}")
        if isinstance(event, Filled) and self.has_execution(event.exec_id):
            return False
        kind = resolve_kind(event.kind, completes=self._completes(event), phase=self.working_phase)
        next_status = transition(self.status, kind)
        _GUARDS.get(event.kind, _no_guard)(self, event)
        self.status = next_status
        self.updated_at = event.ts
        _EFFECTS.get(event.kind, _no_effect)(self, event)
        self.history.append(event)
        return True

    # -- read-only views -------------------------------------------------------------------

    @property
    def remaining_quantity(self) -> Decimal | None:
        """Return the unfilled share quantity; None for a notional order."""
        return None if self.quantity is None else self.quantity - self.filled_quantity

    @property
    def total_quantity(self) -> Decimal | None:
        """Return the FIX OrderQty: this version's quantity plus what earlier versions filled."""
        return None if self.quantity is None else self.prior_filled_quantity + self.quantity

    @property
    def cum_quantity(self) -> Decimal:
        """Return the FIX CumQty: filled by earlier versions and by this one."""
        return self.prior_filled_quantity + self.filled_quantity

    @property
    def remaining_notional(self) -> Decimal | None:
        """Return the unfilled dollar amount of a notional order; None for a quantity order."""
        return None if self.notional is None else self.notional - self.filled_notional

    @property
    def filled_avg_price(self) -> Decimal | None:
        """Return the volume-weighted fill price, unrounded; None before any fill."""
        if self.filled_quantity == ZERO:
            return None
        return self.filled_notional / self.filled_quantity

    def filled_avg_price_rounded(self) -> Decimal | None:
        """Return the average fill price rounded to 0.0001 for display."""
        avg = self.filled_avg_price
        return None if avg is None else avg.quantize(USD_QUANTUM, rounding=ROUND_HALF_EVEN)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL_STATUSES

    @property
    def is_stop(self) -> bool:
        return self.order_type in STOP_TYPES

    @property
    def working_phase(self) -> WorkingPhase:
        """Tell where a live order stands at its venue (decides a refused cancel's return)."""
        if self.filled_quantity > ZERO:
            return WorkingPhase.PARTIAL
        if self.venue_order_id is not None:
            return WorkingPhase.WORKING
        return WorkingPhase.UNACKED

    def has_execution(self, exec_id: ExecId) -> bool:
        """Tell whether a fill with this execution id was already applied."""
        return exec_id in self._exec_ids

    # -- fills -----------------------------------------------------------------------------

    def _check_fill(self, fill: Filled) -> None:
        if fill.quantity <= ZERO or fill.price <= ZERO:
            raise IllegalFill(f"{fill.exec_id}: fill quantity and price must be positive")
        remaining_qty = self.remaining_quantity
        if remaining_qty is not None and fill.quantity > remaining_qty:
            raise IllegalFill(f"{fill.exec_id}: {fill.quantity} exceeds remaining {remaining_qty}")
        remaining_usd = self.remaining_notional
        if remaining_usd is not None and fill.quantity * fill.price - remaining_usd > (
            NOTIONAL_TOLERANCE
        ):
            raise IllegalFill(f"{fill.exec_id}: fill exceeds remaining notional {remaining_usd}")

    def _completes(self, event: OrderEvent) -> bool:
        if not isinstance(event, Filled):
            return False
        if self.quantity is not None:
            return self.filled_quantity + event.quantity == self.quantity
        assert self.notional is not None
        if event.venue_done:
            return True
        left = self.notional - self.filled_notional - event.quantity * event.price
        return left < NOTIONAL_TOLERANCE

    # -- persistence -----------------------------------------------------------------------

    def to_dict(self, *, with_history: bool = False) -> dict[str, Any]:
        """Return the order as JSON-able values (decimals as str, datetimes ISO 8601)."""
        # Imported here: serialization reads Order's fields at import, so it imports this module.
        from brokerage.domain.orders.serialization import order_to_dict

        return order_to_dict(self, with_history=with_history)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Order:
        """Rebuild an order from `to_dict` output (derived fields are recomputed)."""
        from brokerage.domain.orders.serialization import order_from_dict

        return order_from_dict(cls, data)


# -- per-event guards and effects (dispatch by kind, not an isinstance ladder) ----------------


def _no_guard(order: Order, event: Any) -> None:
    """Accept the event: the table alone decides."""


def _no_effect(order: Order, event: Any) -> None:
    """Change nothing but status and history."""


def _guard_trigger(order: Order, event: Any) -> None:
    if not order.is_stop or order.triggered:
        raise IllegalTransition(f"{order.id}: not an untriggered stop order")


def _guard_trail(order: Order, event: Any) -> None:
    if order.order_type is not OrderType.TRAILING_STOP or order.triggered:
        raise IllegalTransition(f"{order.id}: not an untriggered trailing stop")


def _on_risk_accepted(order: Order, event: RiskAccepted) -> None:
    order.hold_id = event.hold_id


def _on_risk_rejected(order: Order, event: RiskRejected) -> None:
    order.reject_code, order.reject_message = event.code, event.message
    order.failed_at = event.ts


def _on_routed(order: Order, event: Routed) -> None:
    order.venue = event.venue
    if order.submitted_at is None:
        order.submitted_at = event.ts


def _guard_carry(order: Order, event: VenueAccepted) -> None:
    carried = event.carried_quantity
    if carried is None:
        return
    more = carried - order.prior_filled_quantity
    if order.quantity is None or more < ZERO or order.quantity - more <= ZERO:
        raise IllegalFill(f"{order.id}: cannot carry {carried} filled into this version "
                          f"(quantity {order.quantity}, prior {order.prior_filled_quantity})")


def _on_venue_accepted(order: Order, event: VenueAccepted) -> None:
    order.venue_order_id = event.venue_order_id
    if event.carried_quantity is not None and order.quantity is not None:
        # Fills that raced the replace landed on the old version: this one covers less.
        order.quantity -= event.carried_quantity - order.prior_filled_quantity
        order.prior_filled_quantity = event.carried_quantity


def _on_venue_rejected(order: Order, event: VenueRejected) -> None:
    order.reject_code, order.reject_message = VENUE_REJECTED_CODE, event.reason
    order.failed_at = event.ts


def _on_triggered(order: Order, event: Any) -> None:
    order.triggered = True


def _on_trail_updated(order: Order, event: TrailUpdated) -> None:
    order.high_water_mark, order.stop_price = event.water_mark, event.stop_price


def _on_filled(order: Order, event: Filled) -> None:
    order._exec_ids.add(event.exec_id)
    order.filled_quantity += event.quantity
    order.filled_notional += event.quantity * event.price
    if order.venue is None:
        order.venue = event.venue
    if order.status is OrderStatus.FILLED:
        order.filled_at = event.ts


def _on_canceled(order: Order, event: Canceled) -> None:
    order.canceled_at = event.ts


def _on_replaced(order: Order, event: Replaced) -> None:
    order.replaced_by, order.replaced_at = event.new_order_id, event.ts


def _on_expired(order: Order, event: Expired) -> None:
    order.expired_at = event.ts


_GUARDS: dict[EventKind, Callable[[Order, Any], None]] = {
    EventKind.FILLED: Order._check_fill,
    EventKind.VENUE_ACCEPTED: _guard_carry,
    EventKind.TRIGGERED: _guard_trigger,
    EventKind.TRAIL_UPDATED: _guard_trail,
}

_EFFECTS: dict[EventKind, Callable[[Order, Any], None]] = {
    EventKind.RISK_ACCEPTED: _on_risk_accepted,
    EventKind.RISK_REJECTED: _on_risk_rejected,
    EventKind.ROUTED: _on_routed,
    EventKind.VENUE_ACCEPTED: _on_venue_accepted,
    EventKind.VENUE_REJECTED: _on_venue_rejected,
    EventKind.TRIGGERED: _on_triggered,
    EventKind.TRAIL_UPDATED: _on_trail_updated,
    EventKind.FILLED: _on_filled,
    EventKind.CANCELED: _on_canceled,
    EventKind.REPLACED: _on_replaced,
    EventKind.EXPIRED: _on_expired,
}
