"""Who hears of a halt: one notice per symbol per user, or one summary for a market-wide halt."""

from datetime import UTC, datetime
from itertools import count

from brokerage.domain.market_data.halts import HaltEvent, TradingStatus
from brokerage.service_layer.market_alerts import halt_notices, is_notable
from brokerage.service_layer.market_status import StatusChange

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def halted(symbol: str, reason: str = "market-wide circuit breaker level 1") -> StatusChange:
    return StatusChange(symbol, TradingStatus.TRADING, TradingStatus.HALTED, HaltEvent.HALTED,
                        reason, 0, None, None)


def ids():
    numbers = count(1)
    return lambda: f"n{next(numbers)}"


def test_each_user_hears_of_the_symbols_they_hold_or_watch() -> None:
    notices = halt_notices([halted("AAPL", "news"), halted("MSFT", "news")],
                           {"AAPL": {"ann", "bob"}, "MSFT": {"bob"}}, NOW, ids())
    assert [(row["user_id"], row["title"]) for row, _ in notices] == [
        ("ann", "AAPL halted"), ("bob", "AAPL halted"), ("bob", "MSFT halted")]
    assert [message.notification_id for _, message in notices] == ["n1", "n2", "n3"]


def test_a_market_wide_halt_is_one_summary_per_user() -> None:
    symbols = [f"S{i}" for i in range(8)]
    notices = halt_notices([halted(s) for s in symbols], {s: {"ann"} for s in symbols}, NOW,
                           ids())
    assert len(notices) == 1
    row, message = notices[0]
    assert (row["user_id"], message.data["symbols"]) == ("ann", symbols)


def test_limit_states_are_not_notified_but_pauses_and_resumes_are() -> None:
    limit = StatusChange("AAPL", TradingStatus.TRADING, TradingStatus.LIMIT_STATE,
                         HaltEvent.LIMIT_REACHED, "", 0, None, None)
    resumed = StatusChange("AAPL", TradingStatus.PAUSED, TradingStatus.TRADING,
                           HaltEvent.PAUSE_ENDED, "", 0, None, None)
    assert [is_notable(c) for c in (limit, halted("AAPL"), resumed)] == [False, True, True]
