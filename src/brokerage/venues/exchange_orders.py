"""The exchange's order record, unit conversions and admission checks.

Prices become integer ticks of 0.0001 and quantities integer units of 1e-9 share inside the
venue; Decimal at every boundary. Shared by the modules of the simulated exchange
(`venues.exchange` and its `exchange_*` siblings) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from brokerage.domain.execution import ExecType, NewOrderRequest, ReplaceRequest, VenueOrdStatus
from brokerage.domain.ids import Symbol, VenueOrderId
from brokerage.domain.instruments import Instrument
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.venues.matching.book import Reason

PRICE_DECIMALS = 4  # internal tick: 0.0001
QTY_DECIMALS = 9  # internal unit: 1e-9 share
AVG_PX_QUANTUM = Decimal("0.000001")
# Per participant: reports kept for executions() and finished orders kept for order_status()
# and duplicate detection; beyond it the oldest are dropped (a day of liquidity churn is
# millions of orders).
HISTORY_LIMIT = 100_000
OPEN, CLOSE, CONTINUOUS = "open", "close", "continuous"
_DONE = frozenset(
    {
        VenueOrdStatus.FILLED,
        VenueOrdStatus.CANCELED,
        VenueOrdStatus.EXPIRED,
        VenueOrdStatus.REJECTED,
    }
)
_CANCEL_OUTCOMES: dict[Reason, tuple[ExecType, str]] = {
    Reason.CANCELED: (ExecType.CANCELED, ""),
    Reason.REPLACED_BELOW_FILLED: (ExecType.CANCELED, "replaced below filled quantity"),
    Reason.IOC_REMAINDER: (ExecType.EXPIRED, "immediate-or-cancel remainder"),
    Reason.MARKET_REMAINDER: (ExecType.EXPIRED, "no more liquidity"),
    Reason.FOK_UNFILLABLE: (ExecType.EXPIRED, "fill-or-kill not fillable"),
    Reason.EXPIRED: (ExecType.EXPIRED, "time in force expired"),
}


@dataclass(slots=True)
class _VenueOrder:
    """The venue's mutable record of one order (never leaves the exchange)."""

    participant: str
    cl_ord_id: str
    venue_order_id: VenueOrderId
    symbol: Symbol
    side: Side
    order_type: OrderType
    tif: TimeInForce
    extended_hours: bool
    qty: int
    price: int | None
    orig_cl_ord_id: str | None = None
    cum: int = 0
    notional: int = 0  # sum of units * ticks, for avg_px
    off_book_cum: int = 0  # filled in an auction before the order reached the book
    status: VenueOrdStatus = VenueOrdStatus.PENDING_NEW
    queue: str = ""  # OPEN or CLOSE while waiting for an auction
    seq: int = 0


def _check_new(instrument: Instrument | None, request: NewOrderRequest) -> str | None:
    """Return why a new order is refused before it reaches a book, or None."""
    if instrument is None:
        return "unknown symbol"
    if not instrument.tradable:
        return "symbol is not tradable"
    text = _check_quantity(instrument, request.quantity)
    if text is not None:
        return text
    if request.order_type is OrderType.MARKET:
        return "extended hours orders must be limit orders" if request.extended_hours else None
    if request.order_type is not OrderType.LIMIT:
        return f"unsupported order type {request.order_type.value}"
    return _check_price(instrument, request.limit_price)


def _check_replace(
    instrument: Instrument, order: _VenueOrder, request: ReplaceRequest
) -> str | None:
    """Return why a replace of an open order is refused, or None."""
    text = _check_quantity(instrument, request.quantity)
    if text is not None:
        return text
    if order.tif != request.time_in_force and not (
        {order.tif, request.time_in_force} <= {TimeInForce.DAY, TimeInForce.GTC}
    ):
        return "time in force can only change between day and gtc"
    if order.order_type is OrderType.MARKET:
        return None if request.limit_price is None else "cannot add a limit to a market order"
    return _check_price(instrument, request.limit_price)


def _route(order: _VenueOrder, phase: MarketPhase) -> tuple[str, str | None]:
    """Decide where an order goes in a trading phase, or why it cannot."""
    if order.tif is TimeInForce.OPG:
        return OPEN, None
    if order.tif is TimeInForce.CLS:
        return CLOSE, None
    if phase is MarketPhase.REGULAR:
        return CONTINUOUS, None
    extended = order.extended_hours and order.order_type is OrderType.LIMIT
    if extended and phase is not MarketPhase.CLOSED:
        return CONTINUOUS, None
    if order.tif in (TimeInForce.IOC, TimeInForce.FOK):
        closed = phase is MarketPhase.CLOSED
        return "", "market closed" if closed else "outside regular trading hours"
    return OPEN, None


# -- conversions ----------------------------------------------------------------------------


def _ticks(price: Decimal) -> int:
    return int(price.scaleb(PRICE_DECIMALS))


def _ticks_or_none(price: Decimal | None) -> int | None:
    if price is None or not price.is_finite() or price <= 0:
        return None
    scaled = price.scaleb(PRICE_DECIMALS)
    return int(scaled) if scaled == scaled.to_integral_value() else None


def _units(quantity: Decimal) -> int:
    return int(quantity.scaleb(QTY_DECIMALS))


def _units_or_zero(quantity: Decimal) -> int:
    if not quantity.is_finite():
        return 0
    scaled = quantity.scaleb(QTY_DECIMALS)
    return int(scaled) if scaled == scaled.to_integral_value() and scaled > 0 else 0


def _px(ticks: int) -> Decimal:
    return Decimal(ticks).scaleb(-PRICE_DECIMALS)


def _qty(units: int) -> Decimal:
    return Decimal(units).scaleb(-QTY_DECIMALS)


def _avg_px(notional: int, cum: int) -> Decimal:
    if not cum:
        return Decimal(0)
    return (Decimal(notional) / Decimal(cum)).scaleb(-PRICE_DECIMALS).quantize(AVG_PX_QUANTUM)


def _check_quantity(instrument: Instrument, quantity: Decimal) -> str | None:
    if not quantity.is_finite() or quantity <= 0:
        return "quantity must be positive"
    if _units_or_zero(quantity) == 0:
        return "quantity has more than 9 decimal places"
    if quantity != quantity.to_integral_value() and not instrument.fractionable:
        return "fractional quantity not allowed for this symbol"
    return None


def _check_price(instrument: Instrument, price: Decimal | None) -> str | None:
    if price is None or not price.is_finite() or price <= 0:
        return "limit price must be positive"
    if not instrument.is_on_tick(price):
        return f"price {price} is not on tick {instrument.tick_size(price)}"
    return None
