"""Fixed-id builders for the pre-trade risk tests."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from brokerage.domain.accounts import AccountStatus, AccountType
from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.instruments import Instrument
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.domain.risk import (
    AccountRiskState,
    KillSwitches,
    MarketContext,
    OrderIntent,
    RiskDecision,
    RiskLimits,
    check,
)

ACCOUNT = AccountId("acc-1")
OTHER_ACCOUNT = AccountId("acc-2")
AAPL = Symbol("AAPL")
NOW = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)


def an_instrument(**changes: Any) -> Instrument:
    base = Instrument(
        symbol=AAPL,
        name="Apple Inc.",
        asset_class="us_equity",
        exchange="NASDAQ",
        kind="stock",
        tradable=True,
        fractionable=True,
        reference_price=Decimal("100"),
        daily_volatility=Decimal("0.02"),
        calibration_source="test",
        calibrated_from=AAPL,
        proxied=False,
    )
    return replace(base, **changes)


def a_limit_buy(**changes: Any) -> OrderIntent:
    fields: dict[str, Any] = {
        "account_id": ACCOUNT,
        "symbol": AAPL,
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "time_in_force": TimeInForce.DAY,
        "quantity": Decimal("10"),
        "limit_price": Decimal("100.00"),
    }
    fields.update(changes)
    return OrderIntent(**fields)


def a_market_order(side: Side = Side.BUY, **changes: Any) -> OrderIntent:
    fields: dict[str, Any] = {"side": side, "order_type": OrderType.MARKET, "limit_price": None}
    fields.update(changes)
    return a_limit_buy(**fields)


def a_limit_sell(**changes: Any) -> OrderIntent:
    return a_limit_buy(side=Side.SELL, **changes)


def an_account(**changes: Any) -> AccountRiskState:
    fields: dict[str, Any] = {
        "account_id": ACCOUNT,
        "status": AccountStatus.ACTIVE,
        "account_type": AccountType.CASH,
        "buying_power": Decimal("10000.00"),
        "shares_available": {AAPL: Decimal("50")},
    }
    fields.update(changes)
    return AccountRiskState(**fields)


def a_market(**changes: Any) -> MarketContext:
    fields: dict[str, Any] = {"phase": MarketPhase.REGULAR, "last_trade": Decimal("100.00")}
    fields.update(changes)
    return MarketContext(**fields)


def run_check(
    intent: OrderIntent | None = None,
    *,
    instrument: Instrument | None = None,
    account: AccountRiskState | None = None,
    market: MarketContext | None = None,
    limits: RiskLimits | None = None,
    kill_switches: KillSwitches | None = None,
    now: datetime = NOW,
) -> RiskDecision:
    return check(
        intent or a_limit_buy(),
        instrument or an_instrument(),
        account or an_account(),
        market or a_market(),
        limits or RiskLimits(),
        kill_switches or KillSwitches(),
        now,
    )
