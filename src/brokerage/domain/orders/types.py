"""Order vocabulary shared by the OMS, risk, venues and the APIs (Alpaca-compatible spellings)."""

from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"
    TRAILING_STOP = "trailing_stop"


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    OPG = "opg"  # at the opening auction only
    CLS = "cls"  # at the closing auction only


class OrderStatus(StrEnum):
    PENDING_NEW = "pending_new"  # created, not yet through pre-trade risk
    ACCEPTED = "accepted"  # durable and held; not (yet) working at a venue
    NEW = "new"  # working at a venue
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    PENDING_CANCEL = "pending_cancel"
    CANCELED = "canceled"
    PENDING_REPLACE = "pending_replace"
    REPLACED = "replaced"
    EXPIRED = "expired"
    REJECTED = "rejected"
    DONE_FOR_DAY = "done_for_day"


TERMINAL_STATUSES = frozenset(
    {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.REPLACED,
        OrderStatus.EXPIRED,
        OrderStatus.REJECTED,
    }
)
