"""Structural validation of an order request, before pre-trade risk (Alpaca's rules).

Problems are values: `validate_order` returns every `Problem` (code + message) it finds, in
a stable order, and `first_problem` the first of them. Nothing here knows prices, balances or
market hours; only whether the instrument is fractionable is passed in.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum

from brokerage.domain.instruments import PENNY_TICK, SUB_DOLLAR_TICK
from brokerage.domain.money import ZERO, is_whole
from brokerage.domain.orders.types import OrderType, Side, TimeInForce

HUNDRED = Decimal(100)
QTY_PLACES = 9  # fractional shares to 1e-9, as money.QTY_QUANTUM
CENT_PLACES = 2
MARKET_OR_LIMIT = frozenset({OrderType.MARKET, OrderType.LIMIT})
NEEDS_LIMIT_PRICE = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})
NEEDS_STOP_PRICE = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})
# Auction and immediate time-in-force values apply only to orders that can go straight out.
MARKET_OR_LIMIT_ONLY_TIFS = frozenset(
    {TimeInForce.OPG, TimeInForce.CLS, TimeInForce.IOC, TimeInForce.FOK}
)


class ValidationCode(StrEnum):
    ORDER_INVALID_QUANTITY = "ORDER_INVALID_QUANTITY"
    ORDER_INVALID_PRICE = "ORDER_INVALID_PRICE"
    ORDER_INVALID_TIF = "ORDER_INVALID_TIF"
    ORDER_INVALID_TYPE = "ORDER_INVALID_TYPE"
    ORDER_FRACTIONAL_NOT_ALLOWED = "ORDER_FRACTIONAL_NOT_ALLOWED"
    ORDER_INVALID_EXTENDED_HOURS = "ORDER_INVALID_EXTENDED_HOURS"


@dataclass(frozen=True, slots=True)
class Problem:
    code: ValidationCode
    message: str


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """The structural part of a new order, as the customer sent it.

    This is the one list of an order's fields: the OMS command (`PlaceOrder`) and the risk
    check's `OrderIntent` extend it, and `request_fields` copies them from anything that has
    them (a command, an order), so a new field is declared here once.
    """

    side: Side
    order_type: OrderType
    time_in_force: TimeInForce
    quantity: Decimal | None = None
    notional: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    extended_hours: bool = False

    @property
    def is_fractional(self) -> bool:
        """Tell whether this is a fractional order (notional, or a non-whole quantity)."""
        if self.notional is not None:
            return True
        return (
            self.quantity is not None and self.quantity.is_finite() and not is_whole(self.quantity)
        )


REQUEST_FIELDS: tuple[str, ...] = tuple(field.name for field in fields(OrderRequest))


def request_fields(source: object) -> dict[str, object]:
    """Return the order-request fields of `source` (a request, a command or an order) by name."""
    return {name: getattr(source, name) for name in REQUEST_FIELDS}


Check = Callable[[OrderRequest], Iterator[Problem]]

Q = ValidationCode.ORDER_INVALID_QUANTITY
P = ValidationCode.ORDER_INVALID_PRICE
TIF = ValidationCode.ORDER_INVALID_TIF
FRAC = ValidationCode.ORDER_FRACTIONAL_NOT_ALLOWED


def validate_order(request: OrderRequest, *, fractionable: bool) -> list[Problem]:
    """Return every structural problem of `request`; an empty list means it may go to risk."""
    problems = list(_check_amount(request))
    problems += _check_fractional(request, fractionable)
    for check in _CHECKS:
        problems += check(request)
    return problems


def first_problem(request: OrderRequest, *, fractionable: bool) -> Problem | None:
    """Return the first structural problem of `request`, or None."""
    problems = validate_order(request, fractionable=fractionable)
    return problems[0] if problems else None


def _check_amount(req: OrderRequest) -> Iterator[Problem]:
    if (req.quantity is None) == (req.notional is None):
        yield Problem(Q, "exactly one of qty and notional is required")
    if req.quantity is not None:
        if not req.quantity.is_finite() or req.quantity <= ZERO:
            yield Problem(Q, "qty must be greater than 0")
        elif _decimal_places(req.quantity) > QTY_PLACES:
            yield Problem(Q, "qty has more than 9 decimal places")
    if req.notional is not None:
        if not req.notional.is_finite() or req.notional <= ZERO:
            yield Problem(Q, "notional must be greater than 0")
        elif _decimal_places(req.notional) > CENT_PLACES:
            yield Problem(Q, "notional must be in whole cents")


def _decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite values only reach here
    return max(-exponent, 0)


def _check_notional(req: OrderRequest) -> Iterator[Problem]:
    if req.notional is None:
        return
    if req.order_type is not OrderType.MARKET:
        yield Problem(ValidationCode.ORDER_INVALID_TYPE, "notional orders must be market orders")
    if req.time_in_force is not TimeInForce.DAY:
        yield Problem(TIF, "notional orders must be day orders")


def _check_fractional(req: OrderRequest, fractionable: bool) -> Iterator[Problem]:
    if not req.is_fractional:
        return
    if not fractionable:
        yield Problem(FRAC, "this asset is not fractionable")
    if req.notional is not None:
        return  # a notional order's type and time in force are checked as notional
    if req.order_type not in MARKET_OR_LIMIT:
        yield Problem(FRAC, "fractional orders must be market or limit orders")
    if req.time_in_force is not TimeInForce.DAY:
        yield Problem(FRAC, "fractional orders must be day orders")


def _check_limit_price(req: OrderRequest) -> Iterator[Problem]:
    yield from _check_price("limit_price", req.limit_price, req.order_type in NEEDS_LIMIT_PRICE)


def _check_stop_price(req: OrderRequest) -> Iterator[Problem]:
    yield from _check_price("stop_price", req.stop_price, req.order_type in NEEDS_STOP_PRICE)


def _check_price(name: str, price: Decimal | None, needed: bool) -> Iterator[Problem]:
    if price is None:
        if needed:
            yield Problem(P, f"{name} is required for this order type")
        return
    if not needed:
        yield Problem(P, f"{name} is not allowed for this order type")
    elif not price.is_finite() or price <= ZERO:
        yield Problem(P, f"{name} must be greater than 0")
    elif price % (PENNY_TICK if price >= 1 else SUB_DOLLAR_TICK) != 0:
        yield Problem(P, f"{name} is not on the tick (0.01 at or above $1, 0.0001 below)")


def _check_trail(req: OrderRequest) -> Iterator[Problem]:
    given = [v for v in (req.trail_price, req.trail_percent) if v is not None]
    if req.order_type is not OrderType.TRAILING_STOP:
        if given:
            yield Problem(P, "trail_price and trail_percent are only for trailing stops")
        return
    if len(given) != 1:
        yield Problem(P, "a trailing stop needs exactly one of trail_price and trail_percent")
    elif not given[0].is_finite() or given[0] <= ZERO:
        yield Problem(P, "the trail must be greater than 0")
    elif req.trail_percent is not None and req.trail_percent >= HUNDRED:
        yield Problem(P, "trail_percent must be less than 100")


def _check_tif(req: OrderRequest) -> Iterator[Problem]:
    if req.time_in_force in MARKET_OR_LIMIT_ONLY_TIFS and req.order_type not in MARKET_OR_LIMIT:
        yield Problem(TIF, f"{req.time_in_force.value} is only for market and limit orders")


def _check_extended_hours(req: OrderRequest) -> Iterator[Problem]:
    limit_day = req.order_type is OrderType.LIMIT and req.time_in_force is TimeInForce.DAY
    if req.extended_hours and not limit_day:
        yield Problem(
            ValidationCode.ORDER_INVALID_EXTENDED_HOURS,
            "extended_hours is only for limit orders with time_in_force day",
        )


_CHECKS: tuple[Check, ...] = (
    _check_notional,
    _check_limit_price,
    _check_stop_price,
    _check_trail,
    _check_tif,
    _check_extended_hours,
)
