"""The router on its own: venue mapping for cancels and replaces, park limits, early cancels."""

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from brokerage.adapters.clock import ManualClock
from brokerage.adapters.scheduler import ManualScheduler
from brokerage.domain.execution import (
    CancelRequest,
    ExecType,
    NewOrderRequest,
    ReplaceRequest,
    TopOfBook,
)
from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.domain.routing import VenueProfile
from brokerage.service_layer.routing import PARKED_TEXT, SmartOrderRouter
from brokerage.service_layer.routing_records import ImmediateRecorder
from tests.fakes import FakeVenue

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
ACME = Symbol("ACME")
D = Decimal


class Quotes:
    def top_of_book(self, symbol: Symbol) -> TopOfBook:
        return TopOfBook(VenueId("A"), ACME, D("10.00"), D(100), D("10.02"), D(100), T0)

    def last_trade(self, symbol: Symbol) -> None:
        return None


class Venue(FakeVenue):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.venue_id = name
        self.up = True

    def connect(self, participant_id, on_report, on_cancel_reject=None) -> None:
        self.on_report = on_report

    def is_up(self) -> bool:
        return self.up


class LaterRecorder(ImmediateRecorder):
    """Holds the send until the test commits."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: list = []

    def record(self, order_id, rows, then) -> None:
        self.rows.extend(rows)
        self.waiting.append(then)

    def commit(self) -> None:
        for then in self.waiting:
            then()
        self.waiting.clear()


def a_router(recorder=None, park_limit: int = 10):
    a, b = Venue("A"), Venue("B")
    clock = ManualClock(T0)
    ids = itertools.count()
    router = SmartOrderRouter(
        [a, b], [VenueProfile(VenueId("A"), improvement_per_share=D("0.01")),
                 VenueProfile(VenueId("B"))],
        market=Quotes(), clock=clock, scheduler=ManualScheduler(clock),
        recorder=recorder or ImmediateRecorder(), ids=lambda: f"id{next(ids)}",
        park_limit=park_limit)
    upstream: list = []
    router.connect("oms", upstream.append, upstream.append)
    return router, a, b, upstream


def an_order(cl: str = "o1") -> NewOrderRequest:
    return NewOrderRequest(cl, ACME, Side.BUY, OrderType.MARKET, D(1), TimeInForce.DAY, None,
                           False, T0)


def test_cancels_and_replaces_go_to_the_venue_that_holds_the_order():
    router, a, b, _ = a_router()
    router.submit("oms", an_order())
    router.replace("oms", ReplaceRequest("o2", "o1", ACME, Side.BUY, D(2), D("10.05"),
                                         TimeInForce.DAY, T0))
    router.cancel("oms", CancelRequest("o2:x", "o2", ACME, Side.BUY, T0))
    assert [r.cl_ord_id for r in a.submitted] == ["o1"] and b.submitted == []
    assert [r.cl_ord_id for r in a.replaced] == ["o2"]
    assert [r.orig_cl_ord_id for r in a.canceled] == ["o2"]
    assert [row["kind"] for row in router.recorder.rows] == ["new", "replace"]


def test_a_cancel_before_the_decision_is_durable_means_the_order_never_leaves():
    recorder = LaterRecorder()
    router, a, _, upstream = a_router(recorder)
    router.submit("oms", an_order())
    router.cancel("oms", CancelRequest("o1:x", "o1", ACME, Side.BUY, T0))
    recorder.commit()
    assert a.submitted == []
    assert [r.exec_type for r in upstream] == [ExecType.CANCELED]


def test_the_park_queue_is_bounded_and_an_order_beyond_it_is_rejected():
    router, a, b, upstream = a_router(park_limit=1)
    a.up = b.up = False
    router.submit("oms", an_order("o1"))
    router.submit("oms", an_order("o2"))
    assert [(r.cl_ord_id, r.exec_type, r.text[:6]) for r in upstream] == [
        ("o1", ExecType.PENDING_NEW, PARKED_TEXT), ("o2", ExecType.REJECTED, "no ven")]
    assert len(router.parked) == 1


def test_after_a_restart_the_holder_of_an_order_is_found_by_asking_every_venue():
    router, _, b, _ = a_router()
    b.submit("oms", an_order("old"))  # sent before the restart
    assert router.order_status("oms", "old").venue == "B"
    router.cancel("oms", CancelRequest("old:x", "old", ACME, Side.BUY, T0))
    assert [r.orig_cl_ord_id for r in b.canceled] == ["old"]
    assert len(router.executions("oms")) == 2


class Unreachable(Venue):
    """A FIX client whose session dropped between the decision and the send."""

    def submit(self, participant_id, request) -> None:
        raise ConnectionError("not logged on")


def test_a_venue_that_cannot_be_reached_at_send_time_trips_and_the_order_goes_elsewhere():
    router, _, b, _ = a_router()
    router.venues[VenueId("A")] = Unreachable("A")
    router.submit("oms", an_order())
    assert [r.cl_ord_id for r in b.submitted] == ["o1"]
    assert router.breaker_states()["A"] == "open"
    assert [row["kind"] for row in router.recorder.rows] == ["new", "failover"]


def test_when_no_venue_can_be_reached_the_order_parks():
    router, _, _, upstream = a_router()
    for name in ("A", "B"):
        router.venues[VenueId(name)] = Unreachable(name)
    router.submit("oms", an_order())
    assert [(r.exec_type, r.text) for r in upstream] == [(ExecType.PENDING_NEW, PARKED_TEXT)]
    assert len(router.parked) == 1
