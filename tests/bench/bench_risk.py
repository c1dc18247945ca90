"""Benchmark: one pre-trade risk check plus its reserve, as the OMS runs them per order."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from time import perf_counter_ns

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
    RiskLimits,
    check,
    release,
    reserve,
)

CHECKS = 200_000
ACCOUNT = AccountId("acc-bench")
SYMBOL = Symbol("AAPL")
START = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
STEP = timedelta(milliseconds=20)  # 50 orders/s: the rate limit never denies


def _instrument() -> Instrument:
    return Instrument(
        symbol=SYMBOL,
        name="Apple Inc.",
        asset_class="us_equity",
        exchange="NASDAQ",
        kind="stock",
        tradable=True,
        fractionable=True,
        reference_price=Decimal("187.50"),
        daily_volatility=Decimal("0.015"),
        calibration_source="bench",
        calibrated_from=SYMBOL,
        proxied=False,
    )


def _intents() -> list[OrderIntent]:
    def order(
        side: Side, kind: OrderType, limit: str | None = None, stop: str | None = None
    ) -> OrderIntent:
        return OrderIntent(
            account_id=ACCOUNT,
            symbol=SYMBOL,
            side=side,
            order_type=kind,
            time_in_force=TimeInForce.DAY,
            quantity=Decimal("3"),
            limit_price=None if limit is None else Decimal(limit),
            stop_price=None if stop is None else Decimal(stop),
        )

    return [
        order(Side.BUY, OrderType.LIMIT, limit="187.45"),
        order(Side.BUY, OrderType.MARKET),
        order(Side.SELL, OrderType.LIMIT, limit="188.00"),
        order(Side.BUY, OrderType.STOP, stop="190.00"),
        order(Side.SELL, OrderType.MARKET),
    ]


def _percentile_us(sorted_ns: list[int], pct: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * pct))] / 1000


def run() -> list[dict[str, object]]:
    """Time CHECKS check+reserve calls (releasing each hold untimed) and report percentiles."""
    instrument, intents = _instrument(), _intents()
    account = AccountRiskState(
        ACCOUNT,
        AccountStatus.ACTIVE,
        AccountType.CASH,
        Decimal("1000000.00"),
        {SYMBOL: Decimal("1000")},
    )
    market = MarketContext(MarketPhase.REGULAR, Decimal("187.50"))
    limits, switches = RiskLimits(), KillSwitches()
    samples = [0] * CHECKS
    for i in range(CHECKS):
        intent, now = intents[i % len(intents)], START + STEP * i
        t0 = perf_counter_ns()
        decision = check(intent, instrument, account, market, limits, switches, now)
        reserve(account, decision)
        samples[i] = perf_counter_ns() - t0
        release(account, decision.hold_asset, decision.hold_amount)
    samples.sort()
    return [
        {
            "name": "pre-trade risk check",
            "ops_per_s": round(CHECKS / (sum(samples) / 1e9)),
            "p50_us": round(_percentile_us(samples, 0.50), 2),
            "p99_us": round(_percentile_us(samples, 0.99), 2),
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
