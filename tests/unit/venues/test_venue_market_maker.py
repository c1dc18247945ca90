"""The simulated market maker: NBBO-or-better fills, rebates, limits, latency, forwarding."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from brokerage.adapters.clock import ManualClock
from brokerage.adapters.scheduler import ManualScheduler
from brokerage.domain.execution import (
    CancelRequest,
    ExecType,
    NewOrderRequest,
    TopOfBook,
    VenueOrdStatus,
)
from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.venues.market_maker import MarketMaker
from brokerage.venues.mm_models import ImprovementModel, MarketMakerConfig
from tests.unit.venues.venue_builders import ACME, an_instrument

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
D = Decimal


class Quotes:
    def __init__(self, bid: str | None = "100.00", ask: str | None = "100.10") -> None:
        self.quote = TopOfBook(VenueId("X"), ACME, D(bid) if bid else None, D(100),
                               D(ask) if ask else None, D(100), T0)

    def top_of_book(self, symbol: Symbol) -> TopOfBook:
        return self.quote


def a_request(cl: str = "c1", side: Side = Side.BUY, qty: str = "10",
              limit: str | None = None) -> NewOrderRequest:
    return NewOrderRequest(cl_ord_id=cl, symbol=ACME, side=side,
                           order_type=OrderType.LIMIT if limit else OrderType.MARKET,
                           quantity=D(qty), time_in_force=TimeInForce.DAY,
                           limit_price=D(limit) if limit else None, extended_hours=False, ts=T0)


def a_maker(market=None, exchange=None, **config) -> tuple[MarketMaker, list, list, Any]:
    clock = ManualClock(T0)
    scheduler = ManualScheduler(clock)
    mm = MarketMaker(VenueId("MM"), market or Quotes(), clock, scheduler,
                     MarketMakerConfig(**config), exchange=exchange)
    reports: list = []
    rejects: list = []
    mm.connect("oms", reports.append, rejects.append)
    return mm, reports, rejects, (clock, scheduler)


def test_a_marketable_buy_fills_in_full_at_or_better_than_the_offer_with_a_rebate():
    mm, reports, _, (_, scheduler) = a_maker(
        improvement=ImprovementModel(((D("0.03"), 1),)), rebate_per_share_usd=D("0.002"))
    mm.submit("oms", a_request(qty="10"))
    scheduler.run_due()
    new, fill = reports
    assert (new.exec_type, new.ord_status, new.leaves_qty) == (ExecType.NEW,
                                                               VenueOrdStatus.NEW, D(10))
    assert (fill.exec_type, fill.ord_status) == (ExecType.TRADE, VenueOrdStatus.FILLED)
    assert (fill.last_qty, fill.last_px, fill.cum_qty, fill.leaves_qty, fill.avg_px) == (
        D(10), D("100.07"), D(10), D(0), D("100.07"))
    assert fill.rebate == D("0.0200")
    assert new.exec_id != fill.exec_id


def test_improvement_never_crosses_the_midpoint_and_never_beats_the_customer_s_limit():
    mm, reports, _, (_, scheduler) = a_maker(improvement=ImprovementModel(((D("1.00"), 1),)))
    mm.submit("oms", a_request(side=Side.SELL))
    scheduler.run_due()
    assert reports[-1].last_px == D("100.05")  # bid + half the spread


def test_drawn_improvements_follow_the_seeded_distribution():
    model = ImprovementModel(((D("0"), 1), (D("0.02"), 1)))
    rng = random.Random(7)
    draws = [model.draw(rng, D("0.10")) for _ in range(200)]
    again = random.Random(7)
    assert draws == [model.draw(again, D("0.10")) for _ in range(200)]
    assert set(draws) == {D("0"), D("0.02")}
    assert model.expected() == D("0.01")


@pytest.mark.parametrize(("config", "request_", "market", "text"), [
    ({"max_order_quantity": D("5")}, a_request(qty="6"), Quotes(), "size limit 5 exceeded"),
    ({"reject_rate": 1.0}, a_request(), Quotes(), "liquidity unavailable"),
    ({}, a_request(limit="100.00"), Quotes(), "declines non-marketable limit orders"),
    ({}, a_request(), Quotes(None, None), "no reference quote"),
])
def test_it_refuses_what_it_will_not_fill_with_a_reason(config, request_, market, text):
    mm, reports, _, (_, scheduler) = a_maker(market=market, **config)
    mm.submit("oms", request_)
    scheduler.run_due()
    assert [(r.exec_type, r.text) for r in reports] == [(ExecType.REJECTED, f"MM: {text}")]


def test_answers_arrive_after_the_latency_and_a_late_cancel_is_refused():
    mm, reports, rejects, (clock, scheduler) = a_maker(latency=timedelta(milliseconds=5))
    mm.submit("oms", a_request())
    mm.cancel("oms", CancelRequest("c1:x", "c1", ACME, Side.BUY, T0))
    assert scheduler.run_due() == 0 and reports == []
    clock.advance(timedelta(milliseconds=5))
    scheduler.run_due()
    assert [r.exec_type for r in reports] == [ExecType.NEW, ExecType.TRADE]
    assert [r.reason for r in rejects] == ["too late to cancel: order is executed"]
    assert mm.order_status("oms", "c1").ord_status is VenueOrdStatus.FILLED


def test_a_session_that_is_down_answers_nothing():
    mm, reports, _, (_, scheduler) = a_maker()
    mm.go_down()
    mm.submit("oms", a_request())
    scheduler.run_due()
    assert reports == [] and not mm.is_up() and mm.top_of_book(ACME) is None


def test_a_forwarded_order_rests_on_the_exchange_and_is_reported_as_its_own():
    from brokerage.venues.exchange import SimulatedExchange

    exchange = SimulatedExchange(VenueId("X"), {ACME: an_instrument()})
    exchange.set_phase(MarketPhase.REGULAR, T0)
    exchange.connect("lp", lambda r: None, lambda r: None)
    for cl, side, price in (("b", Side.BUY, "100.00"), ("a", Side.SELL, "100.10")):
        exchange.submit("lp", NewOrderRequest(cl, ACME, side, OrderType.LIMIT, D(5),
                                              TimeInForce.DAY, D(price), False, T0))
    mm, reports, _, (_, scheduler) = a_maker(market=exchange, exchange=exchange,
                                             non_marketable="forward")
    mm.submit("oms", a_request(limit="100.05"))
    mm.cancel("oms", CancelRequest("c1:x", "c1", ACME, Side.BUY, T0))
    scheduler.run_due()
    assert [(r.venue, r.exec_type) for r in reports] == [("MM", ExecType.NEW),
                                                        ("MM", ExecType.CANCELED)]
    assert exchange.top_of_book(ACME).bid == D("100.00")
    assert len({r.exec_id for r in mm.executions("oms")}) == 2
