"""The per-account token bucket, the kill switches and the order shape checks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from risk_builders import AAPL, ACCOUNT, NOW, OTHER_ACCOUNT, a_limit_buy, an_account, run_check

from brokerage.domain.ids import Symbol
from brokerage.domain.orders.types import OrderType, TimeInForce
from brokerage.domain.risk import (
    InvalidOrderIntent,
    KillSwitches,
    RiskCode,
    RiskLimits,
    TokenBucket,
)

MSFT = Symbol("MSFT")


def _take(bucket: TokenBucket, times: int, at: timedelta = timedelta(0)) -> int:
    return sum(bucket.try_take(NOW + at) for _ in range(times))


class TestTokenBucket:
    def test_a_new_bucket_allows_a_full_burst_then_refuses(self) -> None:
        bucket = TokenBucket(capacity=100, refill_per_s=50)

        assert _take(bucket, 101) == 100

    def test_tokens_come_back_at_the_refill_rate(self) -> None:
        bucket = TokenBucket(capacity=100, refill_per_s=50)
        _take(bucket, 100)

        assert _take(bucket, 10, at=timedelta(milliseconds=100)) == 5
        assert _take(bucket, 10, at=timedelta(milliseconds=119)) == 0
        assert _take(bucket, 10, at=timedelta(milliseconds=120)) == 1

    def test_the_bucket_never_fills_beyond_its_capacity(self) -> None:
        bucket = TokenBucket(capacity=3, refill_per_s=50)

        assert _take(bucket, 10, at=timedelta(hours=1)) == 3

    def test_a_clock_stepping_back_refills_nothing(self) -> None:
        bucket = TokenBucket(capacity=2, refill_per_s=1)
        _take(bucket, 2, at=timedelta(seconds=10))

        assert _take(bucket, 1, at=timedelta(seconds=5)) == 0
        assert _take(bucket, 1, at=timedelta(seconds=11)) == 1

    def test_limits_build_a_bucket_with_their_burst_and_rate(self) -> None:
        bucket = TokenBucket.for_limits(RiskLimits(orders_per_second=7, orders_burst=9))

        assert (bucket.capacity, bucket.refill_per_s, bucket.tokens) == (9, 7, 9)

    def test_a_denied_money_check_still_spends_a_token(self) -> None:
        account = an_account(rate_limiter=TokenBucket(capacity=1, refill_per_s=0))

        first = run_check(a_limit_buy(quantity=Decimal("1000")), account=account)
        second = run_check(a_limit_buy(), account=account)

        assert first.code is RiskCode.RISK_INSUFFICIENT_BUYING_POWER
        assert second.code is RiskCode.RISK_RATE_LIMIT

    def test_a_malformed_order_spends_no_token(self) -> None:
        account = an_account(rate_limiter=TokenBucket(capacity=1, refill_per_s=0))

        first = run_check(a_limit_buy(limit_price=Decimal("100.001")), account=account)
        second = run_check(a_limit_buy(), account=account)

        assert first.code is RiskCode.RISK_INVALID_TICK
        assert second.approved


class TestKillSwitches:
    def test_nothing_is_tripped_by_default(self) -> None:
        assert not KillSwitches().is_tripped(ACCOUNT, AAPL)

    def test_the_global_switch_stops_every_account_and_symbol(self) -> None:
        switches = KillSwitches()
        switches.trip_global()

        assert switches.is_tripped(OTHER_ACCOUNT, MSFT)
        assert (
            run_check(kill_switches=switches).message
            == "new orders are stopped by the global kill switch"
        )

    def test_an_account_switch_stops_only_that_account(self) -> None:
        switches = KillSwitches()
        switches.trip_account(ACCOUNT)

        assert (switches.is_tripped(ACCOUNT, MSFT), switches.is_tripped(OTHER_ACCOUNT, AAPL)) == (
            True,
            False,
        )

    def test_a_symbol_switch_stops_only_that_symbol(self) -> None:
        switches = KillSwitches()
        switches.trip_symbol(AAPL)

        assert (switches.is_tripped(OTHER_ACCOUNT, AAPL), switches.is_tripped(ACCOUNT, MSFT)) == (
            True,
            False,
        )
        assert run_check(kill_switches=switches).code is RiskCode.RISK_KILL_SWITCH

    def test_reset_switches_let_orders_through_again(self) -> None:
        switches = KillSwitches()
        switches.trip_global()
        switches.trip_account(ACCOUNT)
        switches.trip_symbol(AAPL)
        switches.reset_global()
        switches.reset_account(ACCOUNT)
        switches.reset_symbol(AAPL)

        assert run_check(kill_switches=switches).approved


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"quantity": None}, "exactly one of quantity and notional"),
        ({"notional": Decimal("5")}, "exactly one of quantity and notional"),
        ({"quantity": Decimal("0")}, "must be positive"),
        ({"quantity": Decimal("NaN")}, "must be positive"),
        ({"quantity": None, "notional": Decimal("5")}, "notional orders must be market"),
        ({"limit_price": None}, "limit_price is required"),
        ({"stop_price": Decimal("1")}, "stop_price is required"),
        ({"trail_price": Decimal("1")}, "trail_price and trail_percent"),
        ({"limit_price": Decimal("-1")}, "prices must be positive"),
        ({"extended_hours": True, "time_in_force": TimeInForce.IOC}, "extended-hours orders"),
        (
            {"extended_hours": True, "order_type": OrderType.STOP_LIMIT, "stop_price": Decimal(1)},
            "extended-hours",
        ),
    ],
)
def test_an_impossible_order_shape_is_refused_at_construction(
    changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidOrderIntent, match=problem):
        a_limit_buy(**changes)
