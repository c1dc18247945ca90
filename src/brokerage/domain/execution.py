"""Messages between the OMS and a venue, shaped after FIX 4.4 so a FIX session maps them 1:1.

Prices and quantities are Decimal. `cl_ord_id` is always our OrderId for the order's current
version (a replace gets a new cl_ord_id and names the old one in `orig_cl_ord_id`).
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from brokerage.domain.ids import ExecId, Symbol, VenueId, VenueOrderId
from brokerage.domain.orders.types import OrderType, Side, TimeInForce


class ExecType(StrEnum):  # FIX tag 150
    NEW = "0"
    PARTIAL_FILL = "1"  # kept for FIX 4.2 peers; 4.4 uses TRADE with OrdStatus
    FILL = "2"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    REPLACED = "5"
    PENDING_CANCEL = "6"
    REJECTED = "8"
    PENDING_NEW = "A"
    EXPIRED = "C"
    PENDING_REPLACE = "E"
    TRADE = "F"


class VenueOrdStatus(StrEnum):  # FIX tag 39
    NEW = "0"
    PARTIALLY_FILLED = "1"
    FILLED = "2"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    REPLACED = "5"
    PENDING_CANCEL = "6"
    REJECTED = "8"
    PENDING_NEW = "A"
    EXPIRED = "C"
    PENDING_REPLACE = "E"


@dataclass(frozen=True, slots=True)
class NewOrderRequest:  # 35=D
    cl_ord_id: str
    symbol: Symbol
    side: Side
    order_type: OrderType  # only MARKET or LIMIT reach a venue; stops trigger in the OMS
    quantity: Decimal
    time_in_force: TimeInForce
    limit_price: Decimal | None
    extended_hours: bool
    ts: datetime


@dataclass(frozen=True, slots=True)
class CancelRequest:  # 35=F
    cl_ord_id: str
    orig_cl_ord_id: str
    symbol: Symbol
    side: Side
    ts: datetime


@dataclass(frozen=True, slots=True)
class ReplaceRequest:  # 35=G
    cl_ord_id: str
    orig_cl_ord_id: str
    symbol: Symbol
    side: Side
    quantity: Decimal  # new total order quantity (FIX semantics: includes what already filled)
    limit_price: Decimal | None
    time_in_force: TimeInForce
    ts: datetime


@dataclass(frozen=True, slots=True)
class ExecutionReport:  # 35=8
    venue: VenueId
    exec_id: ExecId
    exec_type: ExecType
    ord_status: VenueOrdStatus
    cl_ord_id: str
    orig_cl_ord_id: str | None
    venue_order_id: VenueOrderId
    symbol: Symbol
    side: Side
    last_qty: Decimal
    last_px: Decimal
    cum_qty: Decimal
    leaves_qty: Decimal
    avg_px: Decimal
    ts: datetime
    text: str = ""
    liquidity: str = ""  # "added" or "removed" on fills
    rebate: Decimal = Decimal(0)  # USD the venue pays us for this fill (payment for order flow)


@dataclass(frozen=True, slots=True)
class CancelReject:  # 35=9
    venue: VenueId
    cl_ord_id: str
    orig_cl_ord_id: str
    reason: str
    ts: datetime


@dataclass(frozen=True, slots=True)
class TradePrint:
    """A last-sale print on a venue's tape (drives stops, candles and the quote cache)."""

    venue: VenueId
    symbol: Symbol
    price: Decimal
    quantity: Decimal
    ts: datetime
    # The same price and quantity as integers (ticks of 0.0001, units of 1e-9 share) when the
    # venue has them (the exchange's book does), so a feed handler need not convert back.
    units: tuple[int, int] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TopOfBook:
    venue: VenueId
    symbol: Symbol
    bid: Decimal | None
    bid_size: Decimal
    ask: Decimal | None
    ask_size: Decimal
    ts: datetime
