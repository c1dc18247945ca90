"""Portfolio history values the account from its own fills and cash flows."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from brokerage.read_models.alpaca_history import (
    CashFlow,
    Fill,
    _equity_at,
    _intraday,
    activity_id,
    period_length,
)
from brokerage.service_layer.errors import Refused

T0 = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
FLOWS = [CashFlow(T0, "t1", "CSD", Decimal("1000"))]
FILLS = [Fill(T0 + timedelta(minutes=1), "e1", "o1", "AAL", "buy", Decimal("4"), Decimal("10")),
         Fill(T0 + timedelta(minutes=5), "e2", "o2", "AAL", "sell", Decimal("1"), Decimal("12"))]


@pytest.mark.parametrize(("period", "days"), [("1D", 1), ("2W", 14), ("1M", 30), ("1A", 365)])
def test_periods_are_counted_in_days(period, days):
    assert period_length(period) == timedelta(days=days)


@pytest.mark.parametrize("period", ["0D", "D", "1Y", "x1M"])
def test_a_malformed_period_is_refused(period):
    with pytest.raises(Refused):
        period_length(period)


def test_equity_before_any_money_is_zero():
    assert _equity_at(T0 - timedelta(seconds=1), FILLS, FLOWS, {}) == 0


def test_equity_prices_shares_at_the_last_fill_then_at_the_live_price():
    after_buy = T0 + timedelta(minutes=2)
    assert _equity_at(after_buy, FILLS, FLOWS, {}) == Decimal("1000")  # 960 cash + 4 x 10
    after_sell = T0 + timedelta(minutes=6)
    assert _equity_at(after_sell, FILLS, FLOWS, {}) == Decimal("972") + 3 * 12
    assert _equity_at(after_sell, FILLS, FLOWS, {"AAL": Decimal("20")}) == 972 + 60


def test_intraday_windows_stop_at_the_close_and_at_the_end():
    opens, closes = T0, T0 + timedelta(hours=6, minutes=30)
    windows = _intraday(opens, closes, timedelta(hours=1), T0, T0 + timedelta(minutes=90))
    assert [(a - T0, b - T0) for a, b in windows] == [
        (timedelta(0), timedelta(hours=1)), (timedelta(hours=1), timedelta(minutes=90))]


def test_activity_ids_sort_by_time():
    assert activity_id(T0, "b") < activity_id(T0 + timedelta(milliseconds=1), "a")
    assert activity_id(T0, "x").startswith("20261123143000000::")
