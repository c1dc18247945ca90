"""Alpaca request bodies. Numbers may come as JSON numbers or strings; unknown fields are ignored
(as Alpaca does), so bots that send extra fields keep working."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.entrypoints.api.schemas import NAME_PATTERN

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


class ConfigurationsPatch(Lenient):
    """PATCH /v2/account/configurations: alpaca-py sends every field back; only ours change."""

    dtbp_check: str | None = None
    fractional_trading: bool | None = None
    max_margin_multiplier: Price | None = None
    no_shorting: bool | None = None
    pdt_check: str | None = None
    suspend_trade: bool | None = None
    trade_confirm_email: str | None = None
    ptp_no_exception_entry: bool | None = None
    max_options_trading_level: int | None = None
    # Ours, not Alpaca's: a terminal order's client_order_id may be used for a new order.
    reuse_client_order_ids: bool | None = None


class NewWatchlist(Lenient):
    name: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN)
    symbols: list[Annotated[str, Field(max_length=16)]] = Field(default_factory=list,
                                                                max_length=1000)


class UpdateWatchlist(Lenient):
    name: str | None = Field(default=None, min_length=1, max_length=64,
                             pattern=NAME_PATTERN)
    symbols: list[Annotated[str, Field(max_length=16)]] | None = Field(default=None,
                                                                       max_length=1000)


class AddSymbol(Lenient):
    symbol: str = Field(min_length=1, max_length=16)
