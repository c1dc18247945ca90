"""Request bodies of the native API. Numbers may come as JSON numbers or strings."""

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from brokerage.domain.orders.types import OrderType, Side, TimeInForce

# Every number a request carries is finite and bounded: far beyond any real price, quantity or
# transfer, and small enough that quantizing it stays exact in a 28-digit Decimal context.
NUMBER_LIMIT = Decimal("1e12")
Number = Annotated[Decimal, Field(allow_inf_nan=False, ge=-NUMBER_LIMIT, le=NUMBER_LIMIT)]
# No control characters in names: they make no sense there and PostgreSQL refuses NUL.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Error(BaseModel):
    """The body of every refusal; some add detail (a rejected order comes back as `order`)."""

    code: str = Field(description="A stable reason, e.g. RISK_INSUFFICIENT_BUYING_POWER.")
    message: str


# The refusals the native routers document (their routers pass it as `responses=`).
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Error, "description": meaning} for status, meaning in (
        (400, "Bad request"), (401, "Not authenticated"),
        (403, "Refused: buying power, shares, kill switch, account status, or not an operator"),
        (404, "Not found"), (409, "Conflicts with the current state"),
        (422, "Invalid input, or refused by a rule"), (429, "Too many requests"),
        (503, "Overloaded or not running; retry later"))}


class SignUp(Strict):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    account_type: Literal["cash", "margin"] = "cash"


class LogIn(Strict):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class NewApiKey(Strict):
    label: str = Field(default="", max_length=100)


class TakeProfit(Strict):
    limit_price: Number


class StopLoss(Strict):
    """A stop (stop_price), stop-limit (+ limit_price) or trailing stop (a trail) exit."""

    stop_price: Number | None = None
    limit_price: Number | None = None
    trail_price: Number | None = None
    trail_percent: Number | None = None


class NewOrder(Strict):
    symbol: str = Field(min_length=1, max_length=16)
    side: Side
    type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.DAY
    qty: Number | None = None
    notional: Number | None = None
    limit_price: Number | None = None
    stop_price: Number | None = None
    trail_price: Number | None = None
    trail_percent: Number | None = None
    extended_hours: bool = False
    client_order_id: str | None = Field(default=None, min_length=1, max_length=128)
    # Linked orders, as Alpaca's: bracket (buy + both exits), oco (a limit sell and a stop
    # sell on held shares), oto (buy + one exit). See domain/orders/classes.py.
    order_class: Literal["simple", "bracket", "oco", "oto"] = "simple"
    take_profit: TakeProfit | None = None
    stop_loss: StopLoss | None = None

    @model_validator(mode="after")
    def _exits_need_a_class(self) -> "NewOrder":
        if self.order_class == "simple" and (self.take_profit or self.stop_loss):
            raise ValueError("take_profit and stop_loss need order_class bracket, oco or oto")
        return self


class ReplaceOrder(Strict):
    qty: Number | None = None
    limit_price: Number | None = None
    time_in_force: TimeInForce | None = None
    client_order_id: str | None = Field(default=None, min_length=1, max_length=128)


class NewTransfer(Strict):
    direction: Literal["deposit", "withdrawal"]
    amount: Number
