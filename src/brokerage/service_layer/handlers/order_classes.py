"""Bracket, OCO and OTO orders: place the group, activate exits on the entry's end, and keep
the pair one-cancels-other without ever holding or selling the same shares twice.

Hooks: `place_linked` (from place_order), `on_order_done` (from finish, i.e. after a fill,
cancel, expiry or reject is booked), `on_stop_fired` (from the stop trigger).
"""

import dataclasses
from decimal import Decimal

from brokerage.domain.ids import ClientOrderId, EventId, OrderId
from brokerage.domain.ledger import customer_securities
from brokerage.domain.orders import events as ev
from brokerage.domain.orders.classes import (
    ClassRequest,
    Exit,
    LinkEvent,
    LinkGroup,
    LinkPhase,
    OrderClass,
    class_problem,
    stop_quantity,
)
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.types import OrderStatus, Side
from brokerage.domain.orders.validation import OrderRequest, first_problem
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import NotFound, Refused
from brokerage.service_layer.handlers.orders import (
    cancel_order,
    finish,
    instrument_of,
    last_price,
    place_hold,
    place_order,
    route,
)
from brokerage.service_layer.handlers.stops import arm_stop
from brokerage.service_layer.oms import Context
from brokerage.service_layer.records import apply_event, record_order
from brokerage.service_layer.state import PartitionState

WAITING = frozenset({OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE})


def _eid(state: PartitionState) -> EventId:
    return EventId(state.deps.ids())


def place_linked(c: cmd.PlaceOrder, ctx: Context) -> Order:
    """Place the entry (or the OCO's limit leg) as a simple order, then link its exits."""
    state: PartitionState = ctx.state
    _check(c, state)
    simple = dataclasses.replace(c, order_class=OrderClass.SIMPLE, take_profit=None,
                                 stop_loss=None)
    if c.order_class is OrderClass.OCO and c.limit_price is None:
        assert c.take_profit is not None
        simple = dataclasses.replace(simple, limit_price=c.take_profit.limit_price)
    first = place_order(simple, ctx)
    if first.status is OrderStatus.REJECTED or first.id in state.links or first.is_terminal:
        return first
    group = _group(state, c, first)
    _link(state, group)
    save(ctx, group, new=True)
    if c.order_class is OrderClass.OCO:
        assert group.stop_leg is not None and c.stop_loss is not None and c.quantity is not None
        _start_leg(ctx, group, group.stop_leg, c.stop_loss, c.quantity, hold=False)
    return first


def _check(c: cmd.PlaceOrder, state: PartitionState) -> None:
    problem = class_problem(ClassRequest(c.order_class, c.side, c.order_type, c.quantity,
                                         c.limit_price, c.take_profit, c.stop_loss))
    if problem is not None:
        raise Refused(problem.value, f"invalid {c.order_class.value} order: {problem.name}")
    fractionable = instrument_of(state, c.symbol).fractionable
    for leg in (c.take_profit, c.stop_loss):
        if leg is None:
            continue
        request = OrderRequest(side=Side.SELL, order_type=leg.order_type,
                               time_in_force=c.time_in_force, quantity=c.quantity,
                               limit_price=leg.limit_price, stop_price=leg.stop_price,
                               trail_price=leg.trail_price, trail_percent=leg.trail_percent)
        leg_problem = first_problem(request, fractionable=fractionable)
        if leg_problem is not None:
            raise Refused(leg_problem.code.value, f"exit leg: {leg_problem.message}")


def _group(state: PartitionState, c: cmd.PlaceOrder, first: Order) -> LinkGroup:
    def reserve(leg: Exit | None) -> OrderId | None:
        return None if leg is None else OrderId(state.deps.ids())

    oco = c.order_class is OrderClass.OCO
    return LinkGroup(
        id=state.deps.ids(), order_class=c.order_class, account_id=c.account_id,
        symbol=c.symbol, time_in_force=c.time_in_force, entry_id=None if oco else first.id,
        limit_leg=first.id if oco else reserve(c.take_profit), stop_leg=reserve(c.stop_loss),
        take_profit=c.take_profit, stop_loss=c.stop_loss,
        phase=LinkPhase.ACTIVE if oco else LinkPhase.HELD)


def _link(state: PartitionState, group: LinkGroup) -> None:
    for member in group.members:
        state.links[member] = group


def _forget(state: PartitionState, group: LinkGroup) -> None:
    for member in group.members:
        state.links.pop(member, None)


def save(ctx: Context, group: LinkGroup, *, new: bool = False) -> None:
    """Record the group's latest state: its links survive a restart."""
    state: PartitionState = ctx.state
    doc = group.to_dict()
    parent = group.entry_id or group.limit_leg
    ctx.batch.put("order_links", group.id, {
        "id": group.id, "account_id": group.account_id, "parent_id": parent,
        "phase": group.phase.value, "doc": _dumps(doc), "limit_leg": group.limit_leg,
        "stop_leg": group.stop_leg, "updated_at": state.deps.clock.now()}, new=new)


def _dumps(doc: dict[str, object]) -> str:
    from brokerage.service_layer.records import dumps

    return dumps(doc)


def _start_leg(ctx: Context, group: LinkGroup, leg_id: OrderId, leg: Exit, quantity: Decimal,
               *, hold: bool) -> Order:
    """Create an exit: the hold carrier holds the shares; a stop rests in the OMS."""
    state: PartitionState = ctx.state
    now = state.deps.clock.now()
    order = _leg_order(ctx, group, leg_id, leg, quantity)
    if hold and _shares_available(state, order) < quantity:
        apply_event(ctx, order, ev.RiskRejected(_eid(state), order.id, now,
                                                "RISK_INSUFFICIENT_SHARES",
                                                "the exit's shares are no longer held"))
        return order
    state.orders[order.id] = order
    hold_id = place_hold(ctx, order, order.symbol, quantity) if hold else None
    apply_event(ctx, order, ev.RiskAccepted(_eid(state), order.id, now, hold_id))
    if order.is_stop:
        arm_stop(ctx, order, last_price(state, instrument_of(state, order.symbol)))
    else:
        route(ctx, order)
    return order


def _leg_order(ctx: Context, group: LinkGroup, leg_id: OrderId, leg: Exit,
               quantity: Decimal) -> Order:
    """Create and record an exit's order (its client order id is its own id)."""
    state: PartitionState = ctx.state
    order = Order.create(order_id=leg_id, account_id=group.account_id,
                         client_order_id=ClientOrderId(leg_id), symbol=group.symbol,
                         side=Side.SELL, order_type=leg.order_type,
                         time_in_force=group.time_in_force, ts=state.deps.clock.now(),
                         quantity=quantity, limit_price=leg.limit_price,
                         stop_price=leg.stop_price, trail_price=leg.trail_price,
                         trail_percent=leg.trail_percent)
    state.client_ids[(order.account_id, order.client_order_id)] = order.id
    record_order(ctx, order)
    return order


def cancel_held_exit(c: cmd.CancelOrder, ctx: Context) -> Order:
    """Cancel an exit that waits for its entry, by its own id; return that exit, canceled.

    The exits are one-cancels-other, so every exit of the group is canceled (a bracket's
    pair, an OTO's one) as at Alpaca; the entry keeps working as a plain order. The exits
    held nothing yet, so nothing is released; each becomes a canceled order of its own,
    which the trade_updates stream announces.
    """
    state: PartitionState = ctx.state
    group = state.links.get(c.order_id)
    if group is None or group.account_id != c.account_id or not group.is_held_exit(c.order_id):
        raise NotFound("ORDER_NOT_OPEN", f"no open order {c.order_id} on this account")
    entry = state.orders.get(group.entry_id) if group.entry_id else None
    assert entry is not None and entry.quantity is not None  # a held group's entry works
    group.apply(LinkEvent.EXITS_CANCELED)
    _forget(state, group)
    save(ctx, group)
    canceled = {}
    for leg_id, leg in ((group.limit_leg, group.take_profit), (group.stop_leg, group.stop_loss)):
        if leg_id is None or leg is None:
            continue
        order = _leg_order(ctx, group, leg_id, leg, entry.quantity)
        apply_event(ctx, order, ev.Canceled(_eid(state), order.id, state.deps.clock.now(),
                                            "canceled by customer"))
        canceled[leg_id] = order
    return canceled[c.order_id]


def _shares_available(state: PartitionState, order: Order) -> Decimal:
    account = customer_securities(order.account_id, order.symbol)
    return state.ledger.balance(account, order.symbol).available


def on_order_done(ctx: Context, order: Order) -> None:
    """A member order reached a terminal state: move its group along."""
    state: PartitionState = ctx.state
    group = state.links.get(order.id)
    if group is None:
        return
    if order.status is OrderStatus.REPLACED and order.replaced_by is not None:
        _follow_replace(ctx, group, order)
    elif order.id == group.entry_id:
        _entry_done(ctx, group, order)
    elif group.phase is LinkPhase.STOP_FIRED and order.id == group.limit_leg:
        _limit_done_after_stop(ctx, group, order)
    elif group.phase is LinkPhase.ACTIVE:
        _exit_done(ctx, group, order)


def _follow_replace(ctx: Context, group: LinkGroup, old: Order) -> None:
    """The customer replaced the limit leg: the group follows the new version."""
    state: PartitionState = ctx.state
    state.links.pop(old.id, None)
    if group.limit_leg == old.id:
        group.limit_leg = old.replaced_by
    _link(state, group)
    save(ctx, group)


def on_replaced(ctx: Context, new: Order) -> None:
    """A new limit-leg version works: if the stop fired meanwhile, cancel it before routing."""
    state: PartitionState = ctx.state
    group = state.links.get(new.id)
    if group is not None and group.phase is LinkPhase.STOP_FIRED and new.id == group.limit_leg:
        _cancel(ctx, new, f"{group.order_class.value}: the stop leg fired")


def _entry_done(ctx: Context, group: LinkGroup, entry: Order) -> None:
    """Activate the exits for what the entry filled; with nothing filled, drop them."""
    state: PartitionState = ctx.state
    filled = entry.filled_quantity
    if filled <= 0:
        group.apply(LinkEvent.ENTRY_EMPTY)
        _forget(state, group)
        save(ctx, group)
        return
    group.apply(LinkEvent.ENTRY_FILLED)
    save(ctx, group)
    if group.limit_leg is not None and group.take_profit is not None:
        _start_leg(ctx, group, group.limit_leg, group.take_profit, filled, hold=True)
    if group.stop_leg is not None and group.stop_loss is not None:
        _start_leg(ctx, group, group.stop_leg, group.stop_loss, filled,
                   hold=group.limit_leg is None)


def _exit_done(ctx: Context, group: LinkGroup, leg: Order) -> None:
    """One exit ended on its own (filled, canceled, expired): cancel the other."""
    state: PartitionState = ctx.state
    group.apply(LinkEvent.EXIT_DONE)
    _forget(state, group)
    save(ctx, group)
    sibling_id = group.sibling(leg.id)
    sibling = state.orders.get(sibling_id) if sibling_id else None
    if sibling is not None:
        _cancel(ctx, sibling, f"{group.order_class.value}: the other leg ended")


def _cancel(ctx: Context, order: Order, reason: str) -> None:
    """Cancel a leg: at once if the OMS owns it, else ask the venue (once)."""
    state: PartitionState = ctx.state
    if order.venue is None:
        apply_event(ctx, order, ev.Canceled(_eid(state), order.id, state.deps.clock.now(),
                                            reason))
        finish(ctx, order, f"{reason}: hold released")
    elif order.status not in WAITING:
        cancel_order(cmd.CancelOrder(order.account_id, order.id), ctx)


def on_stop_fired(ctx: Context, stop: Order) -> bool:
    """Hold a fired stop back while its limit sibling works; True if the caller must not route.

    The limit leg is canceled at the venue first; the stop routes once that cancel (or a fill)
    is confirmed, for the shares the limit leg did not sell.
    """
    state: PartitionState = ctx.state
    group = state.links.get(stop.id)
    if group is None or group.phase is not LinkPhase.ACTIVE or stop.id != group.stop_leg:
        return False
    limit = state.orders.get(group.limit_leg) if group.limit_leg else None
    if limit is None:
        return False
    group.apply(LinkEvent.STOP_FIRED)
    save(ctx, group)
    if limit.status not in WAITING:
        _cancel(ctx, limit, f"{group.order_class.value}: the stop leg fired")
    return True


def _limit_done_after_stop(ctx: Context, group: LinkGroup, limit: Order) -> None:
    """The limit leg is done: route the fired stop for the rest, taking over the hold."""
    state: PartitionState = ctx.state
    group.apply(LinkEvent.EXIT_DONE)
    _forget(state, group)
    save(ctx, group)
    stop = state.orders.get(group.stop_leg) if group.stop_leg else None
    if stop is None or stop.quantity is None:
        return
    remaining = stop_quantity(stop.quantity, limit.filled_quantity)
    if remaining <= 0:
        _cancel(ctx, stop, "oco: the limit leg sold every share")
    elif remaining == stop.quantity:
        place_hold(ctx, stop, stop.symbol, remaining)
        route(ctx, stop)
    else:
        _route_smaller(ctx, stop, remaining)


def _route_smaller(ctx: Context, old: Order, remaining: Decimal) -> None:
    """Swap the fired stop for a version of the unsold quantity (no venue holds it yet)."""
    state: PartitionState = ctx.state
    now = state.deps.clock.now()
    new_id = OrderId(state.deps.ids())
    new = Order.create(order_id=new_id, account_id=old.account_id,
                       client_order_id=ClientOrderId(new_id), symbol=old.symbol,
                       side=old.side, order_type=old.order_type,
                       time_in_force=old.time_in_force, ts=now, quantity=remaining,
                       limit_price=old.limit_price, stop_price=old.stop_price,
                       trail_price=old.trail_price, trail_percent=old.trail_percent,
                       replaces=old.id)
    state.client_ids[(new.account_id, new.client_order_id)] = new.id
    record_order(ctx, new)
    state.orders[new.id] = new
    apply_event(ctx, old, ev.Replaced(_eid(state), old.id, now, new.id))
    finish(ctx, old, "oco: stop resized after a partial take-profit")
    hold_id = place_hold(ctx, new, new.symbol, remaining)
    apply_event(ctx, new, ev.RiskAccepted(_eid(state), new.id, now, hold_id))
    price = last_price(state, instrument_of(state, new.symbol))
    apply_event(ctx, new, ev.Triggered(_eid(state), new.id, now, price))
    route(ctx, new)
