"""Alpaca request bodies. Numbers may come as JSON numbers or strings; unknown fields are ignored
(as Alpaca does), so bots that send extra fields keep working."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from brokerage.domain.orders.types import OrderType, Side, TimeInForce

Price = Annotated[Decimal, Field(allow_inf_nan=False, gt=0, max_digits=20)]
Quantity = Annotated[Decimal, Field(allow_inf_nan=False, gt=0, max_digits=24)]
ClientId = Annotated[str, Field(min_length=1, max_length=128)]


class Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TakeProfit(Lenient):
    limit_price: Price


class StopLoss(Lenient):
    stop_price: Price | None = None
    limit_price: Price | None = None
    # Not in Alpaca: a trailing stop as the stop-loss exit (one of Alpaca users' asks).
    trail_price: Price | None = None
    trail_percent: Price | None = None


class NewOrder(Lenient):
    symbol: str = Field(min_length=1, max_length=16)
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    qty: Quantity | None = None
    notional: Quantity | None = None
    limit_price: Price | None = None
    stop_price: Price | None = None
    trail_price: Price | None = None
    trail_percent: Price | None = None
    extended_hours: bool = False
    client_order_id: ClientId | None = None
    order_class: Literal["simple", "bracket", "oco", "oto", ""] | None = "simple"
    take_profit: TakeProfit | None = None
    stop_loss: StopLoss | None = None


class ReplaceOrder(Lenient):
    qty: Quantity | None = None
    time_in_force: TimeInForce | None = None
    limit_price: Price | None = None
    stop_price: Price | None = None
    trail: Price | None = None
    client_order_id: ClientId | None = None


class NewWatchlist(Lenient):
    name: str = Field(min_length=1, max_length=64)
    symbols: list[Annotated[str, Field(max_length=16)]] = Field(default_factory=list,
                                                                max_length=1000)


class UpdateWatchlist(Lenient):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    symbols: list[Annotated[str, Field(max_length=16)]] | None = Field(default=None,
                                                                       max_length=1000)


class AddSymbol(Lenient):
    symbol: str = Field(min_length=1, max_length=16)
