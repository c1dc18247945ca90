"""`brokerage venue exchange`: the simulated exchange as its own process, behind FIX 4.4.

The exchange, its liquidity agents and its journal live here; the OMS (or anyone with a
configured CompID) reaches it only through the FIX acceptor. One lock serializes the venue:
the FIX worker holds it for each request, and the driver below holds it for each phase
change and liquidity step.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from brokerage.config import Settings
from brokerage.venues.fix.runtime import FixLayout, FixVenueSpec

log = logging.getLogger(__name__)

TICK_S = 0.05  # how often the driver looks at the clock (wall seconds)
LIQUIDITY_STEP_S = 1.0


@dataclass(frozen=True)
class ExchangeProcess:
    settings: Settings
    spec: FixVenueSpec
    layout: FixLayout


def run_exchange(process: ExchangeProcess, stop: threading.Event | None = None) -> int:
    """Serve the exchange over FIX until SIGINT/SIGTERM (or `stop` is set)."""
    from brokerage.adapters.calendar import XnysCalendar
    from brokerage.adapters.instruments import load_instruments
    from brokerage.bootstrap import make_clock
    from brokerage.domain.ids import VenueId
    from brokerage.venues.exchange import SimulatedExchange
    from brokerage.venues.exchange_journal import SegmentedJournal
    from brokerage.venues.fix.acceptor import FixVenueServer

    stop = stop or _stop_on_signals()
    settings, spec, layout = process.settings, process.spec, process.layout
    calendar = XnysCalendar()
    clock = make_clock(settings, calendar)
    instruments = load_instruments()
    journal = SegmentedJournal(layout.var_dir / "fix" / spec.venue_id / "exchange.jsonl")
    exchange = SimulatedExchange(VenueId(spec.venue_id), instruments, journal_sink=journal)
    lock = threading.RLock()
    with lock:
        agents = _start_exchange(exchange, journal.entries(), instruments, settings, clock,
                                 calendar)
    config = layout.acceptor(spec)
    server = FixVenueServer(exchange, config, clock, lock)
    server.start()
    print(f"venue {spec.venue_id}: FIX 4.4 acceptor on {spec.host}:{spec.port} as "
          f"{spec.sender}; sessions {', '.join(config.clients + config.market_data_clients)}; "
          f"drop copy {', '.join(config.drop_copy_clients)}; {clock.name} clock now "
          f"{clock.now().isoformat()}", flush=True)
    try:
        _drive(exchange, agents, calendar, clock, lock, stop)
    finally:
        server.stop()
        journal.close()
    return 0


def _start_exchange(exchange: Any, entries: list[Any], instruments: Any, settings: Settings,
                    clock: Any, calendar: Any) -> Any:
    """Recover the books from the journal, set the phase, then let the agents quote."""
    if entries:
        exchange.recover(entries)
    now = clock.now()
    exchange.set_phase(calendar.phase(now), now)
    if not settings.liquidity:
        return None
    from brokerage.venues.liquidity import LiquidityAgents

    agents = LiquidityAgents(exchange, instruments, seed=settings.liquidity_seed)
    agents.resume(now) if entries else agents.seed_books(now)
    return agents


def _drive(exchange: Any, agents: Any, calendar: Any, clock: Any, lock: threading.RLock,
           stop: threading.Event) -> None:
    """Follow the calendar and step the liquidity agents, holding the venue lock each time."""
    next_step = time.monotonic()
    while not stop.wait(TICK_S):
        now = clock.now()
        try:
            with lock:
                phase = calendar.phase(now)
                if phase != exchange.phase:
                    exchange.set_phase(phase, now)
                if agents is not None and time.monotonic() >= next_step:
                    agents.step(now)
                    next_step = time.monotonic() + LIQUIDITY_STEP_S
        except Exception:
            log.exception("exchange driver step failed")


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


@dataclass(frozen=True)
class MarketMakerProcess:
    settings: Settings
    spec: FixVenueSpec  # this market maker's acceptor
    layout: FixLayout
    exchange: FixVenueSpec  # where the NBBO comes from and non-marketable orders go
    config: Any  # MarketMakerConfig
    symbols: tuple[str, ...] = ()  # whose NBBO to follow; default: every instrument


def run_market_maker(process: MarketMakerProcess, stop: threading.Event | None = None) -> int:
    """Serve a market maker over FIX; it reads the exchange's NBBO over FIX market data."""
    from brokerage.adapters.instruments import load_instruments
    from brokerage.adapters.thread_scheduler import ThreadScheduler
    from brokerage.domain.ids import VenueId
    from brokerage.venues.fix.acceptor import FixVenueServer
    from brokerage.venues.fix.runtime import stop_sessions
    from brokerage.venues.market_maker import MarketMaker

    stop = stop or _stop_on_signals()
    spec, layout = process.spec, process.layout
    clock = _clock(process.settings)
    lock = threading.RLock()
    scheduler = ThreadScheduler(clock, lock)
    symbols = process.symbols or tuple(sorted(load_instruments()))
    market, forward = _exchange_sessions(process, symbols, scheduler)
    maker = MarketMaker(VenueId(spec.venue_id), market, clock, scheduler, process.config,
                        exchange=forward)
    server = FixVenueServer(maker, layout.acceptor(spec), clock, lock)
    sessions = [s for s in (market, forward) if s is not None]
    scheduler.start()
    for session in sessions:
        session.start()
    server.start()
    print(f"venue {spec.venue_id}: FIX 4.4 acceptor on {spec.host}:{spec.port} as "
          f"{spec.sender}; NBBO from {process.exchange.venue_id} at "
          f"{process.exchange.host}:{process.exchange.port}", flush=True)
    try:
        stop.wait()
    finally:
        stop_sessions([server, *sessions])
        scheduler.stop()
    return 0


def _clock(settings: Settings) -> Any:
    """Make the clock; the XNYS calendar (slow to load) only when it picks the start."""
    from brokerage.adapters.clock import ManualClock, RealClock, SimulatedClock

    if settings.clock == "real":
        return RealClock()
    if settings.start is None:
        from brokerage.adapters.calendar import XnysCalendar
        from brokerage.bootstrap import make_clock

        return make_clock(settings, XnysCalendar())
    start = datetime.fromisoformat(settings.start)
    if settings.clock == "manual":
        return ManualClock(start)
    return SimulatedClock(start, settings.speed)


def _exchange_sessions(process: MarketMakerProcess, symbols: tuple[Any, ...],
                       scheduler: Any) -> tuple[Any, Any]:
    """Make the market-data session to the exchange, and the order session if it forwards."""
    from brokerage.venues.fix.initiator import FixVenueClient
    from brokerage.venues.fix.marketdata import FixMarketDataClient
    from brokerage.venues.fix.runtime import MARKET_DATA_SUFFIX
    from brokerage.venues.fix.settings import InitiatorConfig

    name, exchange = process.spec.venue_id, process.exchange
    directory = process.layout.var_dir / "fix" / name
    market = FixMarketDataClient(InitiatorConfig(
        exchange.venue_id, exchange.port, f"{name}{MARKET_DATA_SUFFIX}", exchange.sender,
        directory / "marketdata", exchange.host), symbols)
    if process.config.non_marketable != "forward":
        return market, None
    # The exchange's reports reach the market maker on the scheduler's thread, under the
    # venue lock (the scheduler stands in for an event loop).
    forward = FixVenueClient(InitiatorConfig(exchange.venue_id, exchange.port, name,
                                             exchange.sender, directory / "forward",
                                             exchange.host), loop=scheduler)
    return market, forward
