"""Stops and trailing stops wait in the OMS and trigger on last-sale prices."""

from decimal import Decimal

from brokerage.domain.ids import EventId
from brokerage.domain.orders import events as ev
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.stops import stop_triggered, update_trailing
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.handlers.orders import route
from brokerage.service_layer.oms import Context
from brokerage.service_layer.records import apply_event
from brokerage.service_layer.state import PartitionState


def arm_stop(ctx: Context, order: Order, reference: Decimal | None) -> None:
    """Start watching a stop; a trailing stop takes its first water mark from the last sale."""
    state: PartitionState = ctx.state
    state.track_stop(order)
    if reference is not None:
        _trail(ctx, order, reference)


def check_stops(c: cmd.CheckStops, ctx: Context) -> int:
    """Move trailing stops and route every stop the last sale reached; return how many fired."""
    state: PartitionState = ctx.state
    fired = 0
    for symbol, price in c.last_prices.items():
        state.last_prices[symbol] = price
        for order_id in sorted(state.stops.get(symbol, ())):
            order = state.orders.get(order_id)
            if order is None:
                continue
            _trail(ctx, order, price)
            if stop_triggered(order, price):
                _fire(ctx, order, price)
                fired += 1
    return fired


def _trail(ctx: Context, order: Order, price: Decimal) -> None:
    state: PartitionState = ctx.state
    levels = update_trailing(order, price)
    if levels is not None:
        apply_event(ctx, order, ev.TrailUpdated(EventId(state.deps.ids()), order.id,
                                                state.deps.clock.now(), levels.water_mark,
                                                levels.stop_price))


def _fire(ctx: Context, order: Order, price: Decimal) -> None:
    state: PartitionState = ctx.state
    apply_event(ctx, order, ev.Triggered(EventId(state.deps.ids()), order.id,
                                         state.deps.clock.now(), price))
    state.untrack_stop(order)
    if order.id in state.links:  # an exit whose limit sibling must be canceled first
        from brokerage.service_layer.handlers.order_classes import on_stop_fired

        if on_stop_fired(ctx, order):
            return
    route(ctx, order)
