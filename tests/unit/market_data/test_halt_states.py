"""The trading status table: every row moves as declared, every missing pair is refused."""

import itertools

import pytest

from brokerage.domain.market_data.halts import (
    STOPPED,
    TRANSITIONS,
    HaltEvent,
    InvalidHaltTransition,
    SymbolStatus,
    TradingStatus,
)

ROWS = sorted(TRANSITIONS.items())
MISSING = [pair for pair in itertools.product(TradingStatus, HaltEvent)
           if pair not in TRANSITIONS]


@pytest.mark.parametrize(("pair", "expected"), ROWS, ids=[f"{s}-{e}" for (s, e), _ in ROWS])
def test_every_row_of_the_table_moves_to_its_declared_status(
        pair: tuple[TradingStatus, HaltEvent], expected: TradingStatus) -> None:
    start, event = pair
    status = SymbolStatus(start)
    assert status.apply(event, 42, "why") is expected
    assert (status.status, status.since_us, status.reason) == (expected, 42, "why")
    assert status.stopped == (expected in STOPPED)


@pytest.mark.parametrize("pair", MISSING, ids=[f"{s}-{e}" for s, e in MISSING])
def test_every_missing_pair_is_refused_and_changes_nothing(
        pair: tuple[TradingStatus, HaltEvent]) -> None:
    start, event = pair
    status = SymbolStatus(start, 7, "before")
    assert not status.can(event)
    with pytest.raises(InvalidHaltTransition):
        status.apply(event, 42)
    assert (status.status, status.since_us, status.reason) == (start, 7, "before")


def test_only_paused_and_halted_symbols_refuse_orders() -> None:
    assert {s for s in TradingStatus if SymbolStatus(s).stopped} == {
        TradingStatus.PAUSED, TradingStatus.HALTED}
