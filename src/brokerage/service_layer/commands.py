"""Commands: what a caller asks the OMS to do (imperative, immutable)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from brokerage.domain.accounts import AccountStatus
from brokerage.domain.execution import CancelReject, ExecutionReport
from brokerage.domain.ids import AccountId, ClientOrderId, OrderId, Symbol
from brokerage.domain.orders.classes import Exit, OrderClass
from brokerage.domain.orders.types import TimeInForce
from brokerage.domain.orders.validation import OrderRequest


@dataclass(frozen=True, slots=True)
class OpenAccount:
    account_id: AccountId
    user_id: str
    account_number: str
    account_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrder(OrderRequest):
    """Place a new order: the request's fields plus who, what, and the order's class."""

    account_id: AccountId
    symbol: Symbol
    client_order_id: ClientOrderId | None = None
    # Linked orders (bracket, oco, oto): see domain/orders/classes.py.
    order_class: OrderClass = OrderClass.SIMPLE
    take_profit: Exit | None = None
    stop_loss: Exit | None = None
    # The account opted in (Alpaca's configurations): a client_order_id whose previous order
    # is terminal may be used again. Without it, any earlier use is a duplicate.
    reuse_client_order_id: bool = False


@dataclass(frozen=True, slots=True)
class CancelOrder:
    account_id: AccountId
    order_id: OrderId


@dataclass(frozen=True, slots=True)
class ReplaceOrder:
    account_id: AccountId
    order_id: OrderId
    quantity: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail: Decimal | None = None
    time_in_force: TimeInForce | None = None
    client_order_id: ClientOrderId | None = None


@dataclass(frozen=True, slots=True)
class ApplyExecutionReport:
    report: ExecutionReport


@dataclass(frozen=True, slots=True)
class ApplyCancelReject:
    reject: CancelReject


@dataclass(frozen=True, slots=True)
class CheckStops:
    """Last-sale prices that moved since the previous check (conflated per symbol)."""

    last_prices: dict[Symbol, Decimal]


@dataclass(frozen=True, slots=True)
class Deposit:
    account_id: AccountId
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Withdraw:
    account_id: AccountId
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SettleDue:
    """Settle every deposit, withdrawal and trade due on or before `today`."""

    today: date


@dataclass(frozen=True, slots=True)
class ExpireUnroutedDayOrders:
    """At the close: expire DAY orders still held by the OMS (untriggered stops, parked)."""

    extended: bool  # True at the end of after-hours: expire extended-hours orders too


@dataclass(frozen=True, slots=True)
class SetAccountStatus:
    account_id: AccountId
    status: AccountStatus


@dataclass(frozen=True, slots=True)
class SetKillSwitch:
    scope: str  # global | account | symbol
    target: str
    tripped: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RouteRecovered:
    """After a restart: resend what was acknowledged but never reached a venue."""
