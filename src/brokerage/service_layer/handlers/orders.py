"""Place, cancel and replace orders: risk, hold, route (the single writer's order handlers)."""

import dataclasses
from decimal import ROUND_UP, Decimal

from brokerage.domain.execution import CancelRequest, NewOrderRequest, ReplaceRequest
from brokerage.domain.ids import ClientOrderId, EventId, OrderId, Symbol, TransferId, VenueId
from brokerage.domain.instruments import Instrument
from brokerage.domain.ledger import (
    customer_cash,
    customer_securities,
    firm_clearing_cash,
    firm_street_securities,
)
from brokerage.domain.money import USD, ZERO, qty
from brokerage.domain.orders import events as ev
from brokerage.domain.orders.classes import OrderClass
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.types import OrderStatus, OrderType, Side, TimeInForce
from brokerage.domain.orders.validation import OrderRequest, first_problem, request_fields
from brokerage.domain.risk import (
    InvalidOrderIntent,
    MarketContext,
    OrderIntent,
    RiskDecision,
    check,
    release,
)
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import NotFound, Refused
from brokerage.service_layer.oms import Context
from brokerage.service_layer.records import apply_event, record_order, record_transfer
from brokerage.service_layer.state import PartitionState

STOP_TYPES = frozenset({OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP})


def instrument_of(state: PartitionState, symbol: Symbol) -> Instrument:
    instrument = state.deps.instruments.get(symbol)
    if instrument is None:
        raise NotFound("ASSET_NOT_FOUND", f"no tradable asset named {symbol}")
    return instrument


def last_price(state: PartitionState, instrument: Instrument) -> Decimal:
    """Return the last sale, else the previous close the instrument was calibrated to."""
    price = state.last_prices.get(instrument.symbol)
    if price is None:
        trade = state.deps.market.last_trade(instrument.symbol)
        price = trade.price if trade is not None else instrument.reference_price
    return price


def place_order(c: cmd.PlaceOrder, ctx: Context) -> Order:
    """Validate, check risk, hold, record; route after the commit. Return the order."""
    state: PartitionState = ctx.state
    if c.order_class is not OrderClass.SIMPLE:
        return _place_linked(c, ctx)
    account = state.accounts.get(c.account_id)
    if account is None:
        raise NotFound("ACCOUNT_NOT_FOUND", "no such account")
    instrument = instrument_of(state, c.symbol)
    existing = _existing(state, c)
    if existing is not None:
        return existing
    _validate(c, instrument)
    now = state.deps.clock.now()
    try:
        intent = OrderIntent.of(c.account_id, c.symbol, c)
    except InvalidOrderIntent as exc:
        raise Refused("ORDER_INVALID", str(exc)) from exc
    market = MarketContext(phase=state.deps.calendar.phase(now),
                           last_trade=last_price(state, instrument))
    decision = check(intent, instrument, account, market, state.deps.limits,
                     state.kill_switches, now)
    order = _new_order(state, c, now)
    state.client_ids[(order.account_id, order.client_order_id)] = order.id
    record_order(ctx, order)
    if not decision.approved:
        apply_event(ctx, order, ev.RiskRejected(_eid(state), order.id, now,
                                                str(decision.code), decision.message))
        return order
    _accept(ctx, order, decision)
    return order


def _existing(state: PartitionState, c: cmd.PlaceOrder) -> Order | None:
    if c.client_order_id is None:
        return None
    order_id = state.client_ids.get((c.account_id, c.client_order_id))
    if order_id is None:
        return None
    order = state.orders.get(order_id)
    if order is None and c.reuse_client_order_id:
        return None  # the previous use is terminal and the account opted in: a new order
    if order is None:
        raise Refused("DUPLICATE_CLIENT_ORDER_ID",
                      f"client_order_id {c.client_order_id} was used by order {order_id}",
                      status=409, body={"order_id": order_id})
    return order


def _validate(c: cmd.PlaceOrder, instrument: Instrument) -> None:
    problem = first_problem(c, fractionable=instrument.fractionable)
    if problem is not None:
        raise Refused(problem.code.value, problem.message)


def _new_order(state: PartitionState, c: cmd.PlaceOrder, now: object) -> Order:
    order_id = OrderId(state.deps.ids())
    order = Order.create(order_id=order_id, account_id=c.account_id,
                         client_order_id=c.client_order_id or ClientOrderId(order_id),
                         symbol=c.symbol, ts=now,  # type: ignore[arg-type]
                         **request_fields(c))  # type: ignore[arg-type]
    key = (order.account_id, order.client_order_id)
    if key in state.client_ids:  # a reuse (_existing allowed it): the next use number
        order.client_order_seq = state.client_id_uses[key] = state.client_id_uses.get(key, 0) + 1
    return order


def _accept(ctx: Context, order: Order, decision: RiskDecision) -> None:
    """Hold the money or shares, accept, then route (or wait for the stop)."""
    state: PartitionState = ctx.state
    if order.order_type not in STOP_TYPES:
        venue_request(state, order)  # refuse an unroutable order before anything changes
    hold_id = place_hold(ctx, order, decision.hold_asset, decision.hold_amount)
    now = state.deps.clock.now()
    apply_event(ctx, order, ev.RiskAccepted(_eid(state), order.id, now, hold_id))
    state.orders[order.id] = order
    if order.order_type in STOP_TYPES:
        _start_stop(ctx, order, decision.reference_price)
    else:
        route(ctx, order)


def place_hold(ctx: Context, order: Order, asset: str, amount: Decimal) -> TransferId:
    """Reserve cash (buys) or shares (sells) for an order: a pending ledger transfer."""
    state: PartitionState = ctx.state
    hold_id = TransferId(state.deps.ids())
    now = state.deps.clock.now()
    if asset == USD:
        transfer = state.ledger.hold(hold_id, customer_cash(order.account_id),
                                     firm_clearing_cash(), USD, amount, now, ref=order.id,
                                     memo="order hold")
    else:
        transfer = state.ledger.hold(hold_id, customer_securities(order.account_id, order.symbol),
                                     firm_street_securities(order.symbol), order.symbol, amount,
                                     now, ref=order.id, memo="order hold")
    record_transfer(ctx, transfer, order.account_id)
    state.sync(order.account_id, order.symbol)
    return hold_id


def release_holds(ctx: Context, order: Order, memo: str) -> None:
    """Void what remains of every hold made for this order."""
    state: PartitionState = ctx.state
    for hold in state.ledger.open_holds(ref=order.id):
        transfer = state.ledger.void(TransferId(state.deps.ids()), hold.id,
                                     state.deps.clock.now(), memo=memo)
        record_transfer(ctx, transfer, order.account_id)
    state.sync(order.account_id, order.symbol)


def _place_linked(c: cmd.PlaceOrder, ctx: Context) -> Order:
    from brokerage.service_layer.handlers.order_classes import place_linked  # imports this

    return place_linked(c, ctx)


def _start_stop(ctx: Context, order: Order, reference: Decimal | None) -> None:
    from brokerage.service_layer.handlers.stops import arm_stop  # stops import this module

    arm_stop(ctx, order, reference)


def route(ctx: Context, order: Order) -> None:
    """Record that the order goes to the venue; send it once the batch is durable."""
    state: PartitionState = ctx.state
    venue = state.deps.venue
    request = venue_request(state, order)
    apply_event(ctx, order, ev.Routed(_eid(state), order.id, state.deps.clock.now(),
                                      VenueId(venue.venue_id), order.id))
    participant = state.deps.participant_id
    ctx.effects.append(lambda: venue.submit(participant, request))


def venue_request(state: PartitionState, order: Order) -> NewOrderRequest:
    """Build what the venue sees: market buys go out as limits at the held collar price."""
    instrument = instrument_of(state, order.symbol)
    order_type, limit = order.order_type, order.limit_price
    if order.order_type in (OrderType.STOP, OrderType.TRAILING_STOP):
        order_type, limit = OrderType.MARKET, None
    elif order.order_type == OrderType.STOP_LIMIT:
        order_type = OrderType.LIMIT
    quantity = order.remaining_quantity
    if order.side == Side.BUY and order_type == OrderType.MARKET:
        limit = collar_price(state, instrument)
        order_type = OrderType.LIMIT
        if order.notional is not None:
            quantity = qty(order.notional / limit)
    if quantity is None or quantity <= ZERO:
        raise Refused("ORDER_TOO_SMALL", "the notional buys less than the smallest quantity")
    tif = order.time_in_force
    if order.order_type != OrderType.LIMIT and order.order_type != OrderType.STOP_LIMIT:
        # A collared market order must not rest as a limit once the market moves away.
        tif = tif if tif in (TimeInForce.OPG, TimeInForce.CLS) else TimeInForce.DAY
    return NewOrderRequest(cl_ord_id=order.id, symbol=order.symbol, side=order.side,
                           order_type=order_type, quantity=quantity, time_in_force=tif,
                           limit_price=limit, extended_hours=order.extended_hours,
                           ts=state.deps.clock.now())


def collar_price(state: PartitionState, instrument: Instrument) -> Decimal:
    """Return last × (1 + collar%), rounded up to the tick: the most a market buy may pay."""
    pct = state.deps.limits.market_order_collar_pct
    raw = last_price(state, instrument) * (1 + pct / 100)
    tick = instrument.tick_size(raw)
    return (raw / tick).to_integral_value(rounding=ROUND_UP) * tick


def cancel_order(c: cmd.CancelOrder, ctx: Context) -> Order:
    """Cancel at once what no venue holds; ask the venue for the rest."""
    state: PartitionState = ctx.state
    if c.order_id not in state.orders and c.order_id in state.links:  # a held bracket exit
        from brokerage.service_layer.handlers.order_classes import cancel_held_exit

        return cancel_held_exit(c, ctx)
    order = _open_order(state, c.account_id, c.order_id)
    now = state.deps.clock.now()
    if order.status in (OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE):
        raise Refused("ORDER_NOT_CANCELABLE", f"order is already {order.status.value}")
    if order.venue is None:
        apply_event(ctx, order, ev.Canceled(_eid(state), order.id, now, "canceled by customer"))
        finish(ctx, order, "canceled")
        return order
    apply_event(ctx, order, ev.CancelRequested(_eid(state), order.id, now))
    request = CancelRequest(cl_ord_id=f"{order.id}:x{len(order.history)}",
                            orig_cl_ord_id=order.id, symbol=order.symbol, side=order.side, ts=now)
    venue, participant = state.deps.venue, state.deps.participant_id
    ctx.effects.append(lambda: venue.cancel(participant, request))
    return order


def finish(ctx: Context, order: Order, memo: str) -> None:
    """After a terminal event: release the holds and forget the open order."""
    state: PartitionState = ctx.state
    release_holds(ctx, order, memo)
    state.untrack_stop(order)
    state.orders.pop(order.id, None)
    ctx.effects.append(state.keep_closed(order))  # a late fill may still come for it
    if order.id in state.links:  # a bracket/oco/oto member: move its group along
        from brokerage.service_layer.handlers.order_classes import on_order_done

        on_order_done(ctx, order)


def _open_order(state: PartitionState, account_id: object, order_id: OrderId) -> Order:
    order = state.orders.get(order_id)
    if order is None or order.account_id != account_id:
        raise NotFound("ORDER_NOT_OPEN", f"no open order {order_id} on this account")
    return order


def replace_order(c: cmd.ReplaceOrder, ctx: Context) -> Order:
    """Ask the venue to replace a working order with a new version (a new order id).

    FIX 4.4 semantics: `c.quantity` is the new total, what has filled included; the old
    version keeps its fills and the new one covers only what is left (see `Order`). A
    partially filled order may be replaced; a new total at or below the filled quantity is
    refused (cancel instead) and changes nothing.
    """
    state: PartitionState = ctx.state
    old = _open_order(state, c.account_id, c.order_id)
    _check_replaceable(state, old)
    new = _replacement(state, old, c)
    _check_replacement(ctx, old, new)
    now = state.deps.clock.now()
    state.client_ids[(new.account_id, new.client_order_id)] = new.id
    record_order(ctx, new)
    state.orders[new.id] = new
    apply_event(ctx, old, ev.ReplaceRequested(_eid(state), old.id, now, new.id))
    request = ReplaceRequest(cl_ord_id=new.id, orig_cl_ord_id=old.id, symbol=old.symbol,
                             side=old.side, quantity=new.total_quantity or ZERO,
                             limit_price=new.limit_price, time_in_force=new.time_in_force, ts=now)
    venue, participant = state.deps.venue, state.deps.participant_id
    ctx.effects.append(lambda: venue.replace(participant, request))
    return new


_REPLACEABLE = frozenset({OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED})


def _check_replaceable(state: PartitionState, old: Order) -> None:
    if old.status not in _REPLACEABLE:
        raise Refused("ORDER_NOT_REPLACEABLE",
                      f"only a working order can be replaced; this one is {old.status.value}")
    if old.venue is None:
        raise Refused("ORDER_NOT_REPLACEABLE", "an untriggered stop is replaced by cancel and new")
    if old.quantity is None:
        raise Refused("ORDER_NOT_REPLACEABLE", "a notional order is replaced by cancel and new")
    if old.filled_quantity > ZERO and old.id in state.links:
        # The group sizes its exits from the entry version's own fills: cancel, then place.
        raise Refused("ORDER_NOT_REPLACEABLE",
                      "a partially filled bracket, OCO or OTO leg cannot be replaced")


def _replacement(state: PartitionState, old: Order, c: cmd.ReplaceOrder) -> Order:
    """Build the new version: what is left of the new total, at the new price and tif."""
    assert old.quantity is not None
    cum = old.cum_quantity
    total = c.quantity if c.quantity is not None else old.prior_filled_quantity + old.quantity
    if total.is_finite() and total <= cum:
        raise Refused("ORDER_REPLACE_BELOW_FILLED",
                      f"the new quantity {total} is not above the {cum} already filled; "
                      f"cancel the order instead")
    request = dataclasses.replace(
        OrderRequest(**request_fields(old)),  # type: ignore[arg-type]
        quantity=total - cum,
        limit_price=c.limit_price if c.limit_price is not None else old.limit_price,
        time_in_force=c.time_in_force or old.time_in_force)
    problem = first_problem(request, fractionable=instrument_of(state, old.symbol).fractionable)
    if problem is not None:
        raise Refused(problem.code.value, problem.message)
    if c.client_order_id and (old.account_id, c.client_order_id) in state.client_ids:
        raise Refused("DUPLICATE_CLIENT_ORDER_ID", "that client_order_id is taken", status=409)
    new_id = OrderId(state.deps.ids())
    return Order.create(order_id=new_id, account_id=old.account_id,
                        client_order_id=c.client_order_id or ClientOrderId(new_id),
                        symbol=old.symbol, ts=state.deps.clock.now(), replaces=old.id,
                        prior_filled_quantity=cum,
                        **request_fields(request))  # type: ignore[arg-type]


def _check_replacement(ctx: Context, old: Order, new: Order) -> None:
    """Risk-check the new version counting the old one's hold as free; top the hold up.

    The old version's hold has paid for its fills already; what is left of it is counted as
    free, and the new version needs a hold for its remaining quantity at its price. When it
    needs more, the difference is held now (a top-up); when it needs less, the surplus is
    released when the venue confirms (`executions._on_replaced`).
    """
    state: PartitionState = ctx.state
    account = state.accounts[old.account_id]
    instrument = instrument_of(state, old.symbol)
    now = state.deps.clock.now()
    try:
        intent = OrderIntent.of(new.account_id, new.symbol, new)
    except InvalidOrderIntent as exc:
        raise Refused("ORDER_INVALID", str(exc)) from exc
    market = MarketContext(phase=state.deps.calendar.phase(now),
                           last_trade=last_price(state, instrument))
    held = sum((state.ledger.pending_remaining(h.id) for h in state.ledger.open_holds(ref=old.id)),
               ZERO)
    asset = USD if old.side == Side.BUY else old.symbol
    release(account, asset, held)  # count the old version's hold as free for the check
    try:
        decision = check(intent, instrument, account, market, state.deps.limits,
                         state.kill_switches, now)
    finally:
        state.sync(old.account_id, old.symbol)
    if not decision.approved:
        raise Refused(str(decision.code), decision.message,
                      status=403 if "INSUFFICIENT" in str(decision.code) else 422)
    if decision.hold_amount > held:
        place_hold(ctx, new, asset, decision.hold_amount - held)


def _eid(state: PartitionState) -> EventId:
    return EventId(state.deps.ids())
