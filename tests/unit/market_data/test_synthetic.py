"""The synthetic consolidated feed: a seeded random walk on a grid of clock time."""

from datetime import UTC, datetime, timedelta

import pytest

from brokerage.domain.market_data.synthetic import (
    MAX_CATCH_UP_STEPS,
    SOURCE,
    SyntheticModel,
    SynTicks,
    price_increment,
    quote_prices,
)
from brokerage.domain.market_data.ticks import US_PER_S, to_us
from brokerage.domain.market_hours import MarketPhase
from brokerage.service_layer.market_feed import MarketFeed
from brokerage.service_layer.market_synthetic import SyntheticFeed, listed_instruments

T0 = to_us(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
REFS = {"AAPL": (4_300_000, 0.02), "PENNY": (5_000, 0.05)}  # $430.00 and $0.50


def a_model(seed: int = 1) -> SyntheticModel:
    return SyntheticModel(REFS, seed)


def played(model: SyntheticModel, times: list[int]) -> SynTicks:
    out = SynTicks()
    for now in times:
        got = model.advance(now, trading=True)
        out.quotes += got.quotes
        out.trades += got.trades
    return out


def test_the_same_seed_and_times_give_the_same_ticks_however_often_it_is_advanced() -> None:
    every_second = played(a_model(), [T0 + i * US_PER_S for i in range(61)])
    every_50ms = played(a_model(), [T0 + i * 50_000 for i in range(1201)])
    in_one_go = played(a_model(), [T0, T0 + 60 * US_PER_S])
    assert every_second == every_50ms == in_one_go
    assert every_second.quotes and every_second.trades
    assert played(a_model(seed=2), [T0, T0 + 60 * US_PER_S]) != in_one_go


def test_quotes_are_two_sided_on_the_increment_and_prints_at_the_bid_or_ask() -> None:
    ticks = played(a_model(), [T0 + 600 * US_PER_S])
    assert {q.symbol for q in ticks.quotes} == {"AAPL", "PENNY"}
    for q in ticks.quotes:
        step = price_increment(q.bid)
        assert 0 < q.bid < q.ask and q.bid % step == 0 and q.bid_size > 0 and q.ask_size > 0
    quotes_at = {(q.symbol, q.ts_us): q for q in ticks.quotes}
    for t in ticks.trades:
        latest = max((q for (s, ts), q in quotes_at.items() if s == t.symbol and ts <= t.ts_us),
                     key=lambda q: q.ts_us)
        assert t.price in (latest.bid, latest.ask) and t.size > 0


def test_a_symbol_quotes_at_most_once_per_grid_point() -> None:
    ticks = played(a_model(), [T0 + 300 * US_PER_S])
    seen = [(q.symbol, q.ts_us) for q in ticks.quotes]
    assert len(seen) == len(set(seen)) <= 2 * 301


def test_nothing_comes_out_while_the_market_is_closed_or_the_symbol_is_halted() -> None:
    model = a_model()
    assert model.advance(T0, trading=False) == SynTicks()
    assert model.advance(T0 + 60 * US_PER_S, trading=False) == SynTicks()
    halted = model.advance(T0 + 120 * US_PER_S, trading=True, halted={"AAPL"})
    assert {q.symbol for q in halted.quotes} | {t.symbol for t in halted.trades} == {"PENNY"}


def test_after_a_clock_jump_only_the_last_grid_points_are_played() -> None:
    model = a_model()
    model.advance(T0, trading=True)
    jumped = model.advance(T0 + 3600 * US_PER_S, trading=True)
    first = min(q.ts_us for q in jumped.quotes)
    assert first > T0 + (3600 - MAX_CATCH_UP_STEPS) * US_PER_S


@pytest.mark.parametrize(("mid", "bid", "ask"), [
    (4_300_000, 4_298_700, 4_301_300),  # $430.00: 3 bp each side, on the cent
    (100_000, 99_900, 100_100),  # $10.00: at least a cent each side
    (5_000, 4_999, 5_001),  # $0.50: 0.0001 steps below a dollar
    (1, 1, 2),  # never a zero bid, never crossed
])
def test_quote_prices_sit_around_the_mid_on_the_increment(mid: int, bid: int, ask: int) -> None:
    assert quote_prices(mid) == (bid, ask)


def test_a_bad_reference_is_refused() -> None:
    with pytest.raises(ValueError, match="ZERO"):
        SyntheticModel({"ZERO": (0, 0.02)}, 1)
    with pytest.raises(ValueError, match="step_us"):
        SyntheticModel(REFS, 1, step_us=0)


class OpenCalendar:
    def __init__(self) -> None:
        self.phase_now = MarketPhase.REGULAR

    def phase(self, now: datetime) -> MarketPhase:
        return self.phase_now


def test_the_feed_puts_synthetic_ticks_through_the_pipeline_marked_syn() -> None:
    feed = MarketFeed(["AAPL", "PENNY"], lambda ts: None)
    calendar = OpenCalendar()
    synthetic = SyntheticFeed(a_model(), feed, calendar)
    start = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    for i in range(30):
        synthetic.advance(start + timedelta(seconds=i))
    state = feed.states["AAPL"]
    assert set(state.tops) == {SOURCE} and state.nbbo.bid_venues == (SOURCE,)
    assert state.last_venue == SOURCE and state.seq > 0
    assert sum(feed.counters.dropped.values()) == 0
    calendar.phase_now = MarketPhase.CLOSED
    accepted = feed.counters.accepted
    synthetic.advance(start + timedelta(minutes=5))
    assert feed.counters.accepted == accepted


def test_listing_some_symbols_keeps_those_and_refuses_unknown_ones() -> None:
    instruments = {"AAPL": object(), "MSFT": object()}
    assert list(listed_instruments(instruments, None)) == ["AAPL", "MSFT"]  # type: ignore[arg-type]
    assert list(listed_instruments(instruments, ("MSFT",))) == ["MSFT"]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NOPE"):
        listed_instruments(instruments, ("AAPL", "NOPE"))  # type: ignore[arg-type]
