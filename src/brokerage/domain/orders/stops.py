"""Stop triggers and trailing-stop levels, computed from last-sale prices. Nothing here mutates.

Stops wait in the OMS. On each last-sale print the caller first asks `update_trailing` for a
trailing stop's new levels (and applies a `TrailUpdated` event if they moved), then asks
`stop_triggered` (and applies a `Triggered` event if so).

Rounding: a computed trailing stop is rounded to the tick *away from the market* (a sell stop
down, a buy stop up), so the order never triggers on a move smaller than the trail the customer
asked for. The tick is 0.01 at or above $1 and 0.0001 below (Reg NMS Rule 612).
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from brokerage.domain.instruments import PENNY_TICK, SUB_DOLLAR_TICK
from brokerage.domain.money import ZERO
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.types import OrderType, Side

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class TrailLevels:
    """A trailing stop's water mark (high for a sell, low for a buy) and its stop price."""

    water_mark: Decimal
    stop_price: Decimal


def tick_for(price: Decimal) -> Decimal:
    """Return the minimum price increment at `price`."""
    return PENNY_TICK if price >= 1 else SUB_DOLLAR_TICK


def round_stop(side: Side, price: Decimal) -> Decimal:
    """Round a stop price to the tick away from the market: sells down, buys up."""
    rounding = ROUND_FLOOR if side is Side.SELL else ROUND_CEILING
    return max(price.quantize(tick_for(price), rounding=rounding), ZERO)


def crosses_stop(side: Side, stop_price: Decimal, last_price: Decimal) -> bool:
    """Tell whether `last_price` reaches a stop: buy when last >= stop, sell when last <= stop."""
    if side is Side.BUY:
        return last_price >= stop_price
    return last_price <= stop_price


def stop_triggered(order: Order, last_price: Decimal) -> bool:
    """Tell whether an open, untriggered stop order's stop is reached by `last_price`."""
    if not order.is_stop or order.triggered or not order.is_open or order.stop_price is None:
        return False
    return crosses_stop(order.side, order.stop_price, last_price)


def next_trail(
    side: Side,
    *,
    trail_price: Decimal | None,
    trail_percent: Decimal | None,
    water_mark: Decimal | None,
    last_price: Decimal,
) -> TrailLevels:
    """Return the trailing levels after `last_price`; a mark only moves in the order's favour.

    A sell trails the highest price seen (stop = mark - trail, or mark * (1 - pct/100));
    a buy trails the lowest (stop = mark + trail, or mark * (1 + pct/100)).
    """
    if water_mark is None:
        mark = last_price
    elif side is Side.SELL:
        mark = max(water_mark, last_price)
    else:
        mark = min(water_mark, last_price)
    return TrailLevels(mark, round_stop(side, _raw_stop(side, mark, trail_price, trail_percent)))


def _raw_stop(
    side: Side, mark: Decimal, trail_price: Decimal | None, trail_percent: Decimal | None
) -> Decimal:
    sign = -1 if side is Side.SELL else 1
    if trail_price is not None:
        return mark + sign * trail_price
    if trail_percent is None:
        raise ValueError("a trailing stop needs trail_price or trail_percent")
    return mark * (1 + sign * trail_percent / HUNDRED)


def update_trailing(order: Order, last_price: Decimal) -> TrailLevels | None:
    """Return an untriggered trailing stop's new levels, or None when nothing moved."""
    if order.order_type is not OrderType.TRAILING_STOP or order.triggered or not order.is_open:
        return None
    levels = next_trail(
        order.side,
        trail_price=order.trail_price,
        trail_percent=order.trail_percent,
        water_mark=order.high_water_mark,
        last_price=last_price,
    )
    unchanged = levels.water_mark == order.high_water_mark and (
        levels.stop_price == order.stop_price
    )
    return None if unchanged else levels
