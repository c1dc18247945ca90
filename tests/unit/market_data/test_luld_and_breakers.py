"""LULD band arithmetic per tier and price, the reference price, and the MWCB levels."""

from decimal import Decimal

import pytest

from brokerage.domain.market_data.halts import MWCB_HALT_US, CircuitBreaker, breaker_level
from brokerage.domain.market_data.luld import LuldTier, ReferencePrice, price_bands


def px(dollars: str) -> int:
    return int(Decimal(dollars) * 10_000)


T1, T2 = LuldTier.TIER_1, LuldTier.TIER_2


@pytest.mark.parametrize(("tier", "reference", "doubled", "lower", "upper", "percent"), [
    (T1, "100.00", False, "95.00", "105.00", "5"),
    (T2, "100.00", False, "90.00", "110.00", "10"),
    (T1, "3.01", False, "2.86", "3.16", "5"),  # 0.1505 wide: rounded half up to the penny
    (T2, "3.01", False, "2.71", "3.31", "10"),
    (T1, "3.00", False, "2.40", "3.60", "20"),  # $3.00 is in the middle price band
    (T2, "0.75", False, "0.60", "0.90", "20"),
    (T1, "0.50", False, "0.35", "0.65", None),  # lesser of $0.15 and 75%: $0.15
    (T2, "0.10", False, "0.03", "0.18", "75"),  # lesser of $0.15 and 75%: 75% ($0.075)
    (T1, "100.00", True, "90.00", "110.00", "10"),  # doubled near the open and the close
    (T2, "100.00", True, "80.00", "120.00", "20"),
    (T1, "0.50", True, "0.20", "0.80", None),  # doubled cap: $0.30
])
def test_price_bands_follow_the_plan_table(tier: LuldTier, reference: str, doubled: bool,
                                           lower: str, upper: str, percent: str | None) -> None:
    bands = price_bands(px(reference), tier, doubled)
    assert (bands.lower, bands.upper) == (px(lower), px(upper))
    assert bands.percent == (None if percent is None else Decimal(percent))


def test_a_lower_band_never_goes_below_one_tick() -> None:
    assert price_bands(px("0.01"), T2, doubled=True).lower == 1


def test_the_opening_print_becomes_the_reference_then_it_moves_only_by_one_percent() -> None:
    ref = ReferencePrice(px("100.00"))
    ref.on_first_trade(px("101.00"))
    ref.on_first_trade(px("150.00"))  # only the first print of the day counts
    assert ref.current == px("101.00")
    ref.on_minute(0, px("101.50") * 2, 2)
    assert not ref.recompute(60_000_000)  # mean 101.50 is less than 1% away
    ref.on_minute(60_000_000, px("104.50") * 2, 2)
    assert ref.recompute(120_000_000)  # mean 103.00 is 1.98% away
    assert ref.current == px("103.00")


def test_the_reference_mean_covers_only_the_last_five_minutes() -> None:
    ref = ReferencePrice(px("100.00"), opened=True)
    ref.on_minute(0, px("200.00"), 1)
    ref.on_minute(6 * 60_000_000, px("100.50"), 1)
    assert not ref.recompute(7 * 60_000_000)  # the old minute is out of the window


@pytest.mark.parametrize(("price", "level"), [
    ("500.00", 0), ("465.01", 0), ("465.00", 1), ("435.01", 1), ("435.00", 2),
    ("400.01", 2), ("400.00", 3), ("100.00", 3), ("550.00", 0),
])
def test_breaker_levels_are_7_13_and_20_percent_below_the_previous_close(price: str,
                                                                         level: int) -> None:
    assert breaker_level(px("500.00"), px(price)) == level


def test_level_1_halts_15_minutes_once_a_day() -> None:
    breaker = CircuitBreaker()
    trip = breaker.on_index(px("500"), px("465"), 1_000, late=False)
    assert trip is not None and (trip.level, trip.halts) == (1, True)
    assert trip.resume_at_us == 1_000 + MWCB_HALT_US
    assert breaker.on_index(px("500"), px("460"), 2_000, late=False) is None


def test_level_2_after_level_1_halts_again_but_not_late_in_the_day() -> None:
    breaker = CircuitBreaker()
    breaker.on_index(px("500"), px("465"), 1_000, late=False)
    trip = breaker.on_index(px("500"), px("435"), 2_000, late=True)
    assert trip is not None and (trip.level, trip.halts, trip.resume_at_us) == (2, False, None)


def test_level_3_halts_for_the_rest_of_the_day_even_late() -> None:
    breaker = CircuitBreaker()
    trip = breaker.on_index(px("500"), px("399"), 1_000, late=True)
    assert trip is not None and (trip.level, trip.halts, trip.resume_at_us) == (3, True, None)
    assert breaker.tripped == {1, 2, 3}
    breaker.new_session()
    assert breaker.on_index(px("500"), px("465"), 3_000, late=False) is not None
