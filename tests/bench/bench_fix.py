"""Orders routed over FIX 4.4 on loopback: routed orders/s and order-to-fill latency.

What runs is what `brokerage serve` runs in FIX mode, less the OMS and its database (bench_oms
measures those): the exchange (XSIM, a resting street order of a billion shares each side)
and a market maker (MM1: quotes the exchange's NBBO, fills marketable orders with price
improvement and a rebate; no configured latency and no reject rate, so that what is timed is
the FIX path, not a simulated delay) each sit behind their own quickfix acceptor on a free
loopback port, with drop-copy sessions logged on as in the platform. Our side is the smart
order router with the real FixVenueClients: every order is scored on the NBBO, recorded, and
sent as a NewOrderSingle; reports come back on quickfix's threads and are handed over to the
asyncio loop. Orders alternate between 10 shares (the market maker wins them: it improves on
the NBBO) and 1,500 shares (over the market maker's size limit: the exchange fills them).

Latency is counted from the moment the router is handed the order (what follows the OMS's
acknowledgement to the customer) to the moment the fill ExecutionReport reaches the loop; the
venue's own ack-to-fill gap (35=8 150=0, then 150=F) is reported too. Everything shares one
process and the machine's two cores: both ends of every session, the venues, the loop.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from brokerage.adapters.clock import RealClock
from brokerage.adapters.instruments import load_instruments
from brokerage.adapters.scheduler import LoopScheduler
from brokerage.adapters.thread_scheduler import ThreadScheduler
from brokerage.bootstrap_routing import exchange_profile, market_maker_profile
from brokerage.bootstrap_venues import free_port
from brokerage.domain.execution import ExecType, ExecutionReport, NewOrderRequest, VenueOrdStatus
from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.service_layer.routing import SmartOrderRouter
from brokerage.service_layer.routing_records import ImmediateRecorder
from brokerage.venues.exchange import SimulatedExchange
from brokerage.venues.fix.runtime import FixDeployment, FixLayout, FixVenueSpec, deploy
from brokerage.venues.market_maker import MarketMaker
from brokerage.venues.mm_models import MarketMakerConfig

SYMBOL = Symbol("AAPL")
BID, ASK = Decimal("200.00"), Decimal("200.05")
DEPTH = Decimal("1000000000")  # never runs out
SIZES = (Decimal("10"), Decimal("1500"))  # market maker, exchange (over the maker's limit)
WARMUP_S = 1.0
CLOSED_S = 5.0  # closed loop: how long orders are sent
WINDOW = 64  # closed loop: orders in flight at once
OFFERED_PER_S = 3_000  # open loop: the target rate
OPEN_S = 4.0  # open loop: how long orders are offered
DRAIN_S = 6.0  # after the sending stops, how long fills may still take
TICK_S = 0.001
BURST = 16  # open loop: orders sent at most per loop turn when behind (fills get their turn)
ACK_TIMEOUT = timedelta(minutes=1)  # a slow ack must not trip a breaker mid-measurement
LOGON_WAIT_S = 10.0
_DONE = frozenset({VenueOrdStatus.FILLED, VenueOrdStatus.REJECTED, VenueOrdStatus.CANCELED,
                   VenueOrdStatus.EXPIRED})


class Flow:
    """Hand orders to the router and time each one until its fill reaches the loop."""

    def __init__(self, router: SmartOrderRouter, clock: RealClock) -> None:
        self._router, self._clock = router, clock
        self._ids = itertools.count(1)
        self._sent: dict[str, float] = {}
        self._acked: dict[str, float] = {}
        self.latencies: list[float] = []
        self.ack_to_fill: list[float] = []
        self.failed: list[str] = []
        self.unfinished = 0
        self.on_fill: Callable[[], None] = lambda: None

    def send(self, scheduled: float | None = None) -> None:
        n = next(self._ids)
        cl_ord_id = f"b{n}"
        self._sent[cl_ord_id] = scheduled or time.perf_counter()
        self._router.submit("", NewOrderRequest(
            cl_ord_id, SYMBOL, Side.BUY, OrderType.MARKET, SIZES[n % 2], TimeInForce.DAY, None,
            False, self._clock.now()))

    def on_report(self, report: Any) -> None:
        now = time.perf_counter()
        if not isinstance(report, ExecutionReport):
            return
        if report.exec_type is ExecType.NEW:
            self._acked[report.cl_ord_id] = now
        elif report.ord_status in _DONE:
            sent = self._sent.pop(report.cl_ord_id, None)
            if sent is None:
                return
            if report.ord_status is not VenueOrdStatus.FILLED:
                self.failed.append(report.text)
            else:
                self.latencies.append(now - sent)
                acked = self._acked.pop(report.cl_ord_id, None)
                if acked is not None:
                    self.ack_to_fill.append(now - acked)
            self.on_fill()

    def reset(self) -> None:
        self.latencies, self.ack_to_fill, self.failed = [], [], []
        self.unfinished = 0

    def censor(self) -> None:
        """Count orders still waiting at the deadline with the time they waited so far (a
        lower bound of their latency: leaving them out would flatter the percentiles)."""
        now = time.perf_counter()
        self.latencies += [now - sent for sent in self._sent.values()]
        self.unfinished = len(self._sent)
        self._sent.clear()

    @property
    def in_flight(self) -> int:
        return len(self._sent)


async def _closed_loop(flow: Flow, seconds: float, window: int) -> dict[str, float]:
    """Keep `window` orders in flight for `seconds`: each fill sends the next order."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    stop_at = time.perf_counter() + seconds

    def refill() -> None:
        while time.perf_counter() < stop_at and flow.in_flight < window:
            flow.send()
        if not flow.in_flight and not done.done():
            done.set_result(None)

    flow.reset()
    flow.on_fill = refill
    started, cpu = time.perf_counter(), time.process_time()
    refill()
    await _settle(flow, done, stop_at)
    return _figures(flow, time.perf_counter() - started, time.process_time() - cpu)


async def _open_loop(flow: Flow, seconds: float, per_s: int) -> dict[str, float]:
    """Send on a fixed schedule; latency counts from the scheduled time (no coordinated
    omission: a stall shows as latency, not as a slower sender)."""
    done = asyncio.get_running_loop().create_future()
    orders = int(seconds * per_s)
    sent = 0

    def finished() -> None:
        if sent == orders and not flow.in_flight and not done.done():
            done.set_result(None)

    flow.reset()
    flow.on_fill = finished
    started, cpu = time.perf_counter(), time.process_time()
    while sent < orders:
        due = started + sent / per_s
        burst = 0
        while sent < orders and due <= time.perf_counter() and burst < BURST:  # catch up
            flow.send(due)
            sent, burst = sent + 1, burst + 1
            due = started + sent / per_s
        await asyncio.sleep(max(due - time.perf_counter(), 0.0 if burst == BURST else TICK_S))
    finished()
    await _settle(flow, done, started + seconds)
    return _figures(flow, time.perf_counter() - started, time.process_time() - cpu)


async def _settle(flow: Flow, done: asyncio.Future[None], sending_ends: float) -> None:
    """Wait for the last fills, up to DRAIN_S after the sending ends; count what is left."""
    timeout = max(sending_ends + DRAIN_S - time.perf_counter(), 0.0)
    try:
        await asyncio.wait_for(asyncio.shield(done), timeout)
    except TimeoutError:
        flow.censor()


def _figures(flow: Flow, elapsed_s: float, cpu_s: float) -> dict[str, float]:
    latencies = sorted(flow.latencies) or [0.0]
    gaps = sorted(flow.ack_to_fill)
    count = len(latencies)
    filled = count - flow.unfinished
    return {"orders_per_s": filled / elapsed_s,
            "p50_ms": latencies[count // 2] * 1e3,
            "p99_ms": latencies[int(count * 0.99)] * 1e3,
            "max_ms": latencies[-1] * 1e3,
            "venue_ack_to_fill_p99_ms": gaps[int(len(gaps) * 0.99)] * 1e3 if gaps else 0.0,
            "cpu_us_per_order": cpu_s / max(filled, 1) * 1e6,
            "not_filled": len(flow.failed), "unfinished": flow.unfinished}


def _venues(clock: RealClock, lock: threading.RLock,
            scheduler: ThreadScheduler) -> tuple[SimulatedExchange, MarketMaker]:
    instruments = load_instruments()
    exchange = SimulatedExchange(VenueId("XSIM"), {SYMBOL: instruments[SYMBOL]})
    exchange.set_phase(MarketPhase.REGULAR, clock.now())
    exchange.connect("street", lambda report: None, lambda reject: None)
    for side, price in ((Side.BUY, BID), (Side.SELL, ASK)):
        exchange.submit("street", NewOrderRequest(
            f"street-{side.value}", SYMBOL, side, OrderType.LIMIT, DEPTH, TimeInForce.DAY,
            price, False, clock.now()))
    maker = MarketMaker(VenueId("MM1"), exchange, clock, scheduler, MarketMakerConfig(
        max_order_quantity=Decimal("1000"), latency=timedelta(0), reject_rate=0.0, seed=7),
        exchange=exchange)
    return exchange, maker


async def _run(directory: Path) -> list[dict[str, object]]:
    clock, lock = RealClock(), threading.RLock()
    scheduler = ThreadScheduler(clock, lock)
    exchange, maker = _venues(clock, lock, scheduler)
    specs = [FixVenueSpec("XSIM", free_port()), FixVenueSpec("MM1", free_port())]
    deployment: FixDeployment = deploy(FixLayout(directory), dict(zip(specs, [exchange, maker],
                                                                      strict=True)),
                                       clock, lock=lock, serve=False)
    router = SmartOrderRouter(
        list(deployment.clients.values()),
        [exchange_profile("XSIM"), market_maker_profile(maker)],
        market=deployment.locked(exchange), clock=clock, scheduler=LoopScheduler(clock),
        recorder=ImmediateRecorder(), ids=lambda: "", ack_timeout=ACK_TIMEOUT)
    flow = Flow(router, clock)
    router.connect("bench", flow.on_report, flow.on_report)
    scheduler.start()
    deployment.start(asyncio.get_running_loop())
    try:
        deadline = time.monotonic() + LOGON_WAIT_S
        while not deployment.logged_on() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await _closed_loop(flow, WARMUP_S, WINDOW)
        closed = await _closed_loop(flow, CLOSED_S, WINDOW)
        target = await _open_loop(flow, OPEN_S, OFFERED_PER_S)
        half = max(int(float(closed["orders_per_s"]) / 2), 1)
        easy = await _open_loop(flow, OPEN_S, half)
    finally:
        await asyncio.to_thread(deployment.stop)
        scheduler.stop()
    where = "SOR -> MM1/XSIM over FIX loopback"
    return [{"name": f"FIX routed ({where}), window {WINDOW}", **closed},
            {"name": f"FIX routed ({where}), {OFFERED_PER_S:,}/s offered", **target},
            {"name": f"FIX routed ({where}), {half:,}/s offered (half the above)", **easy}]


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:  # fresh session stores: sequence numbers at 1
        return asyncio.run(_run(Path(tmp)))


if __name__ == "__main__":
    for row in run():
        print(row)
