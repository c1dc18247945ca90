"""Request bodies of the native API. Numbers may come as JSON numbers or strings."""

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from brokerage.domain.orders.types import OrderType, Side, TimeInForce


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUp(Strict):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    account_type: Literal["cash", "margin"] = "cash"


class LogIn(Strict):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class NewApiKey(Strict):
    label: str = Field(default="", max_length=100)


class NewOrder(Strict):
    symbol: str = Field(min_length=1, max_length=16)
    side: Side
    type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.DAY
    qty: Decimal | None = Field(default=None, allow_inf_nan=False)
    notional: Decimal | None = Field(default=None, allow_inf_nan=False)
    limit_price: Decimal | None = Field(default=None, allow_inf_nan=False)
    stop_price: Decimal | None = Field(default=None, allow_inf_nan=False)
    trail_price: Decimal | None = Field(default=None, allow_inf_nan=False)
    trail_percent: Decimal | None = Field(default=None, allow_inf_nan=False)
    extended_hours: bool = False
    client_order_id: str | None = Field(default=None, min_length=1, max_length=128)


class ReplaceOrder(Strict):
    qty: Decimal | None = Field(default=None, allow_inf_nan=False)
    limit_price: Decimal | None = Field(default=None, allow_inf_nan=False)
    time_in_force: TimeInForce | None = None
    client_order_id: str | None = Field(default=None, min_length=1, max_length=128)


class NewTransfer(Strict):
    direction: Literal["deposit", "withdrawal"]
    amount: Decimal = Field(allow_inf_nan=False)
