"""Loopback FIX harness: the simulated exchange behind a real acceptor, and our clients.

Every test gets free ports and its own store directories, so sequence numbers start clean.
"""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from brokerage.adapters.clock import ManualClock
from brokerage.domain.execution import CancelReject, ExecutionReport, NewOrderRequest
from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.instruments import Instrument
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.venues.exchange import SimulatedExchange
from brokerage.venues.fix.acceptor import FixVenueServer
from brokerage.venues.fix.dropcopy import FixDropCopyClient
from brokerage.venues.fix.initiator import FixVenueClient
from brokerage.venues.fix.settings import AcceptorConfig, InitiatorConfig

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
VENUE = "XSIM"
ACME = Symbol("ACME")
STREET = "street"  # an in-process participant on the exchange: the other side of our trades
WAIT_S = 5.0


def free_port() -> int:
    """Return a TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout_s: float = WAIT_S) -> Any:
    """Poll until `predicate()` is truthy and return it; fail after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        time.sleep(0.01)


def an_order(cl: str, side: Side = Side.BUY, qty: str = "100", price: str | None = "100.00",
             tif: TimeInForce = TimeInForce.DAY, symbol: Symbol = ACME) -> NewOrderRequest:
    kind = OrderType.MARKET if price is None else OrderType.LIMIT
    return NewOrderRequest(cl, symbol, side, kind, Decimal(qty), tif,
                           None if price is None else Decimal(price), False, T0)


@dataclass
class Recorder:
    reports: list[ExecutionReport] = field(default_factory=list)
    rejects: list[CancelReject] = field(default_factory=list)

    def for_order(self, *cl_ord_ids: str) -> list[ExecutionReport]:
        return [r for r in self.reports if r.cl_ord_id in cl_ord_ids]

    def for_symbol(self, symbol: str) -> list[ExecutionReport]:
        return [r for r in self.reports if r.symbol == symbol]

    def rejects_of(self, *cl_ord_ids: str) -> list[CancelReject]:
        return [r for r in self.rejects if r.cl_ord_id in cl_ord_ids]


@dataclass
class Venue:
    """The exchange, its acceptor, and a way to trade against it in-process."""

    exchange: SimulatedExchange
    server: FixVenueServer
    port: int
    street: Recorder

    def street_order(self, request: NewOrderRequest) -> None:
        """Send an order from the in-process participant (holding the venue lock)."""
        with self.server.lock:
            self.exchange.submit(STREET, request)

    def client_config(self, tmp: Path, comp_id: str = "BROKER") -> InitiatorConfig:
        return InitiatorConfig(VENUE, self.port, comp_id, VENUE, tmp / comp_id, heartbeat_s=1)


SYMBOLS = [Symbol(f"SYM{i}") for i in range(1, 21)]  # one per test on a shared floor


def an_instrument(symbol: Symbol = ACME) -> Instrument:
    return Instrument(
        symbol=symbol, name=f"{symbol} Corp", asset_class="us_equity", exchange="NASDAQ",
        kind="stock", tradable=True, fractionable=True, reference_price=Decimal("100"),
        daily_volatility=Decimal("0.02"), calibration_source="test", calibrated_from=symbol,
        proxied=False,
    )


def open_venue(directory: Path, clients: tuple[str, ...] = ("BROKER", "TRADER")) -> Venue:
    """Start the exchange (ACME and SYM1..SYM20, regular session) behind a FIX acceptor."""
    instruments = {s: an_instrument(s) for s in [ACME, *SYMBOLS]}
    exchange = SimulatedExchange(VenueId(VENUE), instruments)
    exchange.set_phase(MarketPhase.REGULAR, T0)
    street = Recorder()
    exchange.connect(STREET, street.reports.append, street.rejects.append)
    port = free_port()
    config = AcceptorConfig(VENUE, port, VENUE, clients, ("DROPCOPY",), directory / "venue")
    server = FixVenueServer(exchange, config, ManualClock(T0))
    server.start()
    return Venue(exchange, server, port, street)


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    opened = open_venue(tmp_path)
    yield opened
    opened.server.stop()


@dataclass
class Floor:
    """A venue and our logged-on client, shared by a module's tests (one symbol each)."""

    venue: Venue
    client: FixVenueClient
    seen: Recorder


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    directory = tmp_path_factory.mktemp("floor")
    opened = open_venue(directory)
    seen = Recorder()
    client = FixVenueClient(opened.client_config(directory))
    client.connect("oms", seen.reports.append, seen.rejects.append)
    client.start()
    try:
        assert client.wait_logged_on(WAIT_S)
        yield Floor(opened, client, seen)
    finally:
        client.stop()
        opened.server.stop()


_symbols = iter(SYMBOLS)


@pytest.fixture
def symbol() -> Symbol:
    """Give each test its own symbol, hence its own order book on a shared floor."""
    return next(_symbols)


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Callable[[Any], Any]]:
    """Start sessions for a test and stop them all at its end, whatever happens."""
    running: list[Any] = []

    def start(session: Any) -> Any:
        session.start()
        running.append(session)
        assert session.wait_logged_on(WAIT_S)
        return session

    yield start
    stop_all(running)


def stop_all(sessions: list[Any]) -> None:
    """Stop sessions side by side: each quickfix stop waits out its engine's 1 s poll."""
    stoppers = [threading.Thread(target=session.stop) for session in sessions]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join()


@pytest.fixture
def broker(venue: Venue, tmp_path: Path,
           started: Callable[[Any], Any]) -> tuple[FixVenueClient, Recorder]:
    recorder = Recorder()
    client = FixVenueClient(venue.client_config(tmp_path))
    client.connect("oms", recorder.reports.append, recorder.rejects.append)
    started(client)
    return client, recorder


@pytest.fixture
def drop_copy(venue: Venue, tmp_path: Path,
              started: Callable[[Any], Any]) -> FixDropCopyClient:
    result: FixDropCopyClient = started(FixDropCopyClient(venue.client_config(tmp_path,
                                                                              "DROPCOPY")))
    return result
