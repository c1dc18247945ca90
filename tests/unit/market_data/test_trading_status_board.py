"""The trading status board: LULD limit states, pauses and their end, driven by pushed time."""

from datetime import date

from brokerage.domain.market_data.halts import TradingStatus
from brokerage.domain.market_data.luld import LuldTier
from brokerage.domain.market_data.nbbo import EMPTY_NBBO, Nbbo
from brokerage.service_layer.market_feed import Changed
from brokerage.service_layer.market_status import SessionClock, TradingStatusBoard

S = 1_000_000  # µs
REF = 100_0000  # $100.00: tier 1 bands 95.00 - 105.00


def board() -> tuple[TradingStatusBoard, set[str]]:
    halted: set[str] = set()
    return TradingStatusBoard({"AAPL": REF, "SPY": REF}, {"AAPL": LuldTier.TIER_1,
                                                          "SPY": LuldTier.TIER_1}, halted), halted


def regular(now_us: int) -> SessionClock:
    return SessionClock(now_us, date(2026, 11, 24), True, False, False)


def bid_at(price: int) -> Nbbo:
    return Nbbo(price, 1, ("XSIM",), price + 100, 1, ("XSIM",))


def run(b: TradingStatusBoard, now_us: int, nbbo: Nbbo = EMPTY_NBBO,
        prints: tuple[int, ...] = ()) -> list[TradingStatus]:
    changed = [Changed("AAPL", prints[0], max(prints), min(prints), [])] if prints else [
        Changed("AAPL", None, None, None, [])]
    return [c.status for c in b.evaluate(regular(now_us), changed, lambda s: nbbo,
                                         lambda s: None)]


def test_a_bid_on_the_upper_band_for_15_seconds_pauses_the_symbol_for_5_minutes() -> None:
    b, halted = board()
    assert run(b, 0, prints=(REF,)) == []
    assert run(b, 1 * S, bid_at(105_0000)) == [TradingStatus.LIMIT_STATE]
    assert run(b, 15 * S, bid_at(105_0000)) == []
    assert run(b, 16 * S, bid_at(105_0000)) == [TradingStatus.PAUSED]
    assert halted == {"AAPL"}
    assert run(b, 316 * S) == [TradingStatus.TRADING]
    assert halted == set()


def test_leaving_the_band_ends_the_limit_state() -> None:
    b, _ = board()
    run(b, 0, prints=(REF,))
    run(b, 1 * S, bid_at(105_0000))
    assert run(b, 2 * S, bid_at(104_0000)) == [TradingStatus.TRADING]


def test_a_print_outside_the_band_pauses_at_once() -> None:
    b, halted = board()
    run(b, 0, prints=(REF,))
    assert run(b, 1 * S, prints=(104_0000, 106_0000)) == [TradingStatus.PAUSED]
    assert halted == {"AAPL"} and b.view("AAPL")["resume_at"] is not None


def test_an_operator_halt_survives_the_pause_timer_until_resumed() -> None:
    b, halted = board()
    b.halt("AAPL", "news", 0)
    assert run(b, 3600 * S) == []
    assert halted == {"AAPL"}
    assert [c.status for c in b.resume("AAPL", 3601 * S)] == [TradingStatus.TRADING]
    assert b.resume("AAPL", 3602 * S) == []  # not halted any more: nothing to resume
