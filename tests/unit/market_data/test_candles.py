"""Candles from a hand-built tape: boundaries, gaps, a trade on a boundary, late trades."""

from datetime import UTC, date, datetime

from brokerage.domain.market_data.candles import (
    Candle,
    CandleAggregator,
    Interval,
    SessionWindow,
)
from brokerage.domain.market_data.ticks import to_us

DAY = date(2026, 11, 24)  # a Tuesday
SESSION = SessionWindow(
    DAY,
    to_us(datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),  # 04:00 New York
    to_us(datetime(2026, 11, 25, 1, 0, tzinfo=UTC)),  # 20:00 New York
    to_us(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),  # Monday's pre-market open
    to_us(datetime(2026, 11, 27, 22, 0, tzinfo=UTC)),  # Friday's (early) post-market close
)


def sessions(ts_us: int) -> SessionWindow | None:
    return SESSION if SESSION.start_us <= ts_us < SESSION.end_us else None


def at(hh: int, mm: int, ss: int = 0, us: int = 0) -> int:
    return to_us(datetime(2026, 11, 24, hh, mm, ss, us, tzinfo=UTC))


def px(dollars: str) -> int:
    whole, _, frac = dollars.partition(".")
    return int(whole) * 10_000 + int(frac.ljust(4, "0"))


def shares(n: int) -> int:
    return n * 1_000_000_000


def candle(interval: Interval, start: int, end: int, o: str, h: str, low: str, c: str,
           volume: int, trades: int, price_sum: int) -> Candle:
    return Candle("AAPL", interval, start, end, px(o), px(h), px(low), px(c), shares(volume),
                  trades, price_sum)


def tape(agg: CandleAggregator) -> None:
    """Trades at 15:00 (three), 15:01:00 exactly, none at 15:02-15:03, 15:04 (one late)."""
    for ts, price, size in [
        (at(15, 0), "100.00", 10),
        (at(15, 0, 30), "101.00", 5),
        (at(15, 0, 59, 999_999), "99.50", 1),
        (at(15, 1), "102.00", 2),  # exactly on the boundary: the 15:01 candle
        (at(15, 4, 10), "103.00", 3),
        (at(15, 4, 5), "90.00", 4),  # late, but its minute is open: high/low/volume only
    ]:
        assert agg.on_trade("AAPL", px(price), shares(size), ts)


def test_minute_candles_are_exact_and_empty_minutes_are_not_invented() -> None:
    agg = CandleAggregator(sessions)
    tape(agg)
    agg.advance(at(15, 5))
    minutes = [c for c in agg.drain() if c.interval is Interval.M1]
    assert minutes == [
        candle(Interval.M1, at(15, 0), at(15, 1), "100", "101", "99.50", "99.50", 16, 3,
               px("300.50")),
        candle(Interval.M1, at(15, 1), at(15, 2), "102", "102", "102", "102", 2, 1, px("102")),
        candle(Interval.M1, at(15, 4), at(15, 5), "103", "103", "90", "103", 7, 2, px("193")),
    ]


def test_a_trade_exactly_on_a_boundary_opens_the_interval_that_starts_there() -> None:
    agg = CandleAggregator(sessions)
    tape(agg)
    agg.on_trade("AAPL", px("104.00"), shares(1), at(15, 5))
    closed = agg.drain()
    five = [c for c in closed if c.interval is Interval.M5]
    assert five == [candle(Interval.M5, at(15, 0), at(15, 5), "100", "103", "90", "103", 25, 6,
                           px("595.50"))]
    assert agg.current("AAPL", Interval.M5) == candle(
        Interval.M5, at(15, 5), at(15, 10), "104", "104", "104", "104", 1, 1, px("104"))


def test_a_trade_for_a_final_minute_is_dropped_and_counted() -> None:
    agg = CandleAggregator(sessions)
    tape(agg)
    assert not agg.on_trade("AAPL", px("95.00"), shares(1), at(15, 3, 30))  # before 15:04
    agg.advance(at(15, 6))
    assert not agg.on_trade("AAPL", px("95.00"), shares(1), at(15, 5, 59))  # minute is final
    assert agg.late == 2
    assert all(c.low != px("95.00") for c in agg.drain())


def test_longer_intervals_roll_up_and_close_when_time_reaches_their_end() -> None:
    agg = CandleAggregator(sessions)
    tape(agg)
    agg.drain()
    agg.advance(at(15, 15))
    assert [(c.interval, c.start_us) for c in agg.drain()] == [
        (Interval.M1, at(15, 4)), (Interval.M5, at(15, 0)), (Interval.M15, at(15, 0))]
    agg.advance(SESSION.end_us)
    closed = agg.drain()
    assert [c.interval for c in closed] == [Interval.H1, Interval.D1]
    day = closed[1]
    assert (day.start_us, day.end_us) == (SESSION.start_us, SESSION.end_us)
    assert (day.open, day.high, day.low, day.close) == (px("100"), px("103"), px("90"),
                                                        px("103"))
    assert day.volume == shares(25) and day.trades == 6
    agg.advance(SESSION.week_end_us)
    week = agg.drain()
    assert [(c.interval, c.start_us, c.volume) for c in week] == [
        (Interval.W1, SESSION.week_start_us, shares(25))]


def test_a_trade_outside_every_session_is_in_no_day_or_week_candle() -> None:
    agg = CandleAggregator(sessions)
    night = to_us(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    agg.on_trade("AAPL", px("100"), shares(1), night)
    agg.advance(SESSION.week_end_us)
    assert {c.interval for c in agg.drain()} == {Interval.M1, Interval.M5, Interval.M15,
                                                 Interval.H1}


def test_the_open_candle_of_a_long_interval_includes_the_open_minute() -> None:
    agg = CandleAggregator(sessions)
    tape(agg)
    hour = agg.current("AAPL", Interval.H1)
    assert hour is not None
    assert (hour.start_us, hour.open, hour.high, hour.low, hour.close, hour.volume) == (
        at(15, 0), px("100"), px("103"), px("90"), px("103"), shares(25))
    assert agg.current("MSFT", Interval.H1) is None
