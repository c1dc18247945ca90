"""Best-execution scoring: price first, then fill rate, then rebate, then capacity."""

from decimal import Decimal

import pytest

from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.domain.routing import (
    Ineligible,
    Nbbo,
    OrderToRoute,
    VenueProfile,
    decide,
    improvement_per_share,
    is_venue_side_reject,
    marketable,
)

D = Decimal
NBBO = Nbbo(Symbol("AAPL"), D("100.00"), D("200"), D("100.10"), D("300"))
NO_QUOTE = Nbbo(Symbol("AAPL"), None, D(0), None, D(0))
EXCHANGE = VenueProfile(VenueId("X"), lit_exchange=True, needs_quote=False)


def an_order(side: Side = Side.BUY, limit: str | None = None, qty: str = "10",
             tif: TimeInForce = TimeInForce.DAY) -> OrderToRoute:
    return OrderToRoute(side=side, order_type=OrderType.LIMIT if limit else OrderType.MARKET,
                        quantity=D(qty), limit_price=D(limit) if limit else None,
                        time_in_force=tif)


def a_maker(name: str, improvement: str = "0", fill_rate: str = "1", rebate: str = "0",
            max_qty: str | None = None) -> VenueProfile:
    return VenueProfile(VenueId(name), improvement_per_share=D(improvement),
                        fill_rate=D(fill_rate), rebate_per_share=D(rebate),
                        max_quantity=D(max_qty) if max_qty else None)


def chosen(order: OrderToRoute, *profiles: VenueProfile, nbbo: Nbbo = NBBO,
           blocked: dict | None = None) -> str | None:
    return decide(order, nbbo, list(profiles), blocked or {}).venue_id


def test_a_better_expected_price_beats_a_bigger_rebate():
    assert chosen(an_order(), a_maker("A", "0.01", rebate="0.005"),
                  a_maker("B", "0.02", rebate="0.001")) == "B"


def test_at_the_same_price_the_higher_fill_rate_wins_before_the_rebate():
    assert chosen(an_order(), a_maker("A", "0.01", "0.90", "0.005"),
                  a_maker("B", "0.01", "0.99", "0.001")) == "B"


def test_at_the_same_price_and_fill_rate_the_bigger_rebate_wins():
    assert chosen(an_order(), a_maker("A", "0.01", rebate="0.001"),
                  a_maker("B", "0.01", rebate="0.002")) == "B"


def test_at_equal_terms_more_spare_capacity_wins_then_the_configured_order():
    assert chosen(an_order(), a_maker("A", max_qty="20"), a_maker("B", max_qty="50")) == "B"
    assert chosen(an_order(), a_maker("A"), a_maker("B")) == "A"


def test_a_sell_prefers_the_higher_expected_price():
    assert chosen(an_order(Side.SELL), EXCHANGE, a_maker("A", "0.03")) == "A"


@pytest.mark.parametrize(("order", "nbbo", "profile", "reason"), [
    (an_order(limit="99.00"), NBBO, a_maker("A"), Ineligible.NOT_MARKETABLE),
    (an_order(qty="500"), NBBO, a_maker("A", max_qty="100"), Ineligible.OVER_CAPACITY),
    (an_order(), NO_QUOTE, a_maker("A"), Ineligible.NO_REFERENCE_QUOTE),
    (an_order(tif=TimeInForce.OPG), NBBO, a_maker("A"), Ineligible.AUCTION_ONLY_ON_EXCHANGE),
])
def test_a_market_maker_is_ineligible_for_what_it_cannot_fill(order, nbbo, profile, reason):
    decision = decide(order, nbbo, [profile, EXCHANGE], {})
    assert decision.venue_id == "X"
    assert decision.candidates[1].reason == reason


def test_a_blocked_venue_is_scored_but_not_chosen_and_nowhere_left_means_none():
    decision = decide(an_order(), NBBO, [a_maker("A", "0.05"), EXCHANGE],
                      {VenueId("A"): Ineligible.BREAKER_OPEN})
    assert decision.venue_id == "X"
    assert [c.venue_id for c in decision.candidates] == ["X", "A"]
    assert chosen(an_order(), a_maker("A"), blocked={VenueId("A"): "ROUTE_SESSION_DOWN"}) is None


def test_expected_prices_include_the_improvement_on_marketable_orders_only():
    decision = decide(an_order(), NBBO, [a_maker("A", "0.02"), EXCHANGE], {})
    assert [c.expected_price for c in decision.candidates] == [D("100.08"), D("100.10")]
    resting = decide(an_order(limit="99.50"), NBBO, [EXCHANGE], {})
    assert resting.candidates[0].expected_price == D("99.50")


@pytest.mark.parametrize(("side", "limit", "expected"), [
    (Side.BUY, None, True), (Side.BUY, "100.10", True), (Side.BUY, "100.09", False),
    (Side.SELL, "100.00", True), (Side.SELL, "100.01", False),
])
def test_marketable_compares_the_limit_with_the_far_side(side, limit, expected):
    assert marketable(an_order(side, limit), NBBO) is expected


def test_improvement_is_measured_against_the_far_side():
    assert improvement_per_share(Side.BUY, D("100"), D("100.10"), D("100.07")) == D("0.03")
    assert improvement_per_share(Side.SELL, D("100"), D("100.10"), D("99.99")) == D("-0.01")
    assert improvement_per_share(Side.BUY, None, None, D("1")) is None


@pytest.mark.parametrize(("text", "venue_side"), [
    ("MM1: liquidity unavailable", True), ("MM1: size limit 1000 exceeded", True),
    ("no reference quote", True), ("price 1.001 is not on tick 0.01", False),
    ("fractional quantity not allowed for this symbol", False), ("market closed", False),
])
def test_rejects_are_classified_as_the_venue_s_or_the_order_s(text, venue_side):
    assert is_venue_side_reject(text) is venue_side
