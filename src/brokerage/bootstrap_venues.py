"""Composition of the venues served over FIX 4.4 in the platform's process (bootstrap only).

With `venue_transport="fix"` the exchange (XSIM) and the market makers (MM1, MM2) each sit
behind their own acceptor on a loopback port (the exchange on `fix_base_port`, the market
makers on the next ports), and the smart order router reaches them only through
FixVenueClients (our CompID BROKERAGE; drop copies on BROKERAGE-DC, stored in
`venue_drop_copies`). One lock serializes the served venues: their FIX workers, the market
makers' latency scheduler and every in-process driver (liquidity agents, the phase timer,
quote reads) take it. Venue callbacks meant for the loop's code (trade and quote listeners)
are handed over to the event loop; nothing listens or logs on before the platform starts.
Each router session keeps a booked-through mark, advanced by a checkpointer once the OMS has
committed what the session handed over (`barrier`, set when the platform is assembled), so a
restart asks the venues again for what a crash left unbooked (`venues/fix/recovery.py`).
"""

import asyncio
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brokerage.adapters.db.booked_fills import booked_exec_ids
from brokerage.adapters.db.drop_copies import SqlDropCopyStore
from brokerage.adapters.scheduler import LoopScheduler
from brokerage.adapters.thread_scheduler import ThreadScheduler
from brokerage.bootstrap_routing import MARKET_MAKERS, exchange_profile, market_maker_profile
from brokerage.config import Settings
from brokerage.service_layer.routing import SmartOrderRouter
from brokerage.service_layer.routing_records import ImmediateRecorder
from brokerage.venues.fix.dropcopy import DropCopy
from brokerage.venues.fix.initiator import EXEC_ID_MEMORY
from brokerage.venues.fix.recovery import CHECKPOINT_S, Barrier, Checkpointer
from brokerage.venues.fix.runtime import FixDeployment, FixLayout, FixVenueSpec, deploy
from brokerage.venues.market_maker import MarketMaker

log = logging.getLogger(__name__)
LOGON_WAIT_S = 5.0  # how long start() waits for every session to log on before going on
LOGON_POLL_S = 0.01


class LoopHandoff:
    """Run callbacks on the event loop: at once when already on it (or before it runs)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._thread = loop, threading.get_ident()

    def __call__(self, callback: Callable[..., None]) -> Callable[..., None]:
        """Wrap `callback` so that a venue thread only schedules it on the loop."""

        def handed_over(*args: Any) -> None:
            loop = self._loop
            if loop is None or threading.get_ident() == self._thread:
                callback(*args)
                return
            try:
                loop.call_soon_threadsafe(callback, *args)
            except RuntimeError:  # the loop is closed: shutting down
                log.debug("loop closed; %s not delivered", getattr(callback, "__name__", ""))

        return handed_over


@dataclass
class ServedVenues:
    """The venues served over FIX here, the router's sessions to them, and their lifecycle."""

    deployment: FixDeployment
    scheduler: ThreadScheduler  # the market makers' latency, under the venues' lock
    router: SmartOrderRouter
    exchange: Any  # the exchange for in-process callers: every call takes the lock
    handoff: LoopHandoff = field(default_factory=LoopHandoff)
    logon_wait_s: float = LOGON_WAIT_S
    barrier: Barrier | None = None  # resolves once the OMS committed what it was handed
    checkpoint_s: float = CHECKPOINT_S
    _started: bool = False
    _checkpointer: Checkpointer | None = None
    _checkpoints: asyncio.Task[None] | None = None

    def locked(self, venue: Any) -> Any:
        return self.deployment.locked(venue)

    async def start(self) -> None:
        """Listen, log on (waiting up to `logon_wait_s`), delivering onto the running loop."""
        loop = asyncio.get_running_loop()
        self.handoff.bind(loop)
        self.scheduler.start()
        self._started = True
        self.deployment.start(loop)
        if self.barrier is not None:
            self._checkpointer = Checkpointer(self.deployment.clients.values(), self.barrier,
                                              self.checkpoint_s)
            self._checkpoints = loop.create_task(self._checkpointer.run(), name="fix-marks")
        deadline = loop.time() + self.logon_wait_s
        while not self.deployment.logged_on() and loop.time() < deadline:
            await asyncio.sleep(LOGON_POLL_S)
        down = [v for v, c in self.deployment.clients.items() if not c.is_logged_on]
        if down:
            log.warning("FIX sessions not logged on after %ss: %s", self.logon_wait_s, down)

    async def stop(self) -> None:
        """Log every session out and stop the acceptors, then the market makers' timer."""
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            await asyncio.gather(self._checkpoints, return_exceptions=True)
            self._checkpoints = None
        await asyncio.to_thread(self.deployment.stop)
        if self._checkpointer is not None:  # the OMS books the last reports: mark them
            await self._checkpointer.final()
            self._checkpointer = None
        if self._started:
            await asyncio.to_thread(self.scheduler.stop)
            self._started = False

    def ports(self) -> dict[str, int]:
        return {s.config.venue_id: s.config.port for s in self.deployment.servers}


def fix_var_dir(settings: Settings) -> Path:
    """Return where FIX stores and logs go: `fix_dir`, else beside a SQLite file, else var."""
    if settings.fix_dir is not None:
        return settings.fix_dir
    url = settings.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///")).parent
    return settings.var_dir


def venue_specs(settings: Settings, names: list[str]) -> list[FixVenueSpec]:
    """Lay venues out from the base port (0: any free loopback ports)."""
    base = settings.fix_base_port
    return [FixVenueSpec(name, base + i if base else free_port()) for i, name in enumerate(names)]


class FixPortInUse(OSError):
    """A venue's FIX port is taken (another server, or a venue process, listens on it)."""


def check_free(specs: list[FixVenueSpec]) -> None:
    """Fail early and clearly when a port is taken, not later inside quickfix's start."""
    for spec in specs:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the acceptor does
            try:
                s.bind((spec.host, spec.port))
            except OSError as exc:
                raise FixPortInUse(f"FIX port {spec.host}:{spec.port} of {spec.venue_id} is "
                                   f"in use ({exc.strerror})") from exc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_venues(exchange: Any, clock: Any, ids: Callable[[], str], store: Any,
                 settings: Settings) -> ServedVenues:
    """Put the exchange and the market makers behind acceptors and the router behind clients."""
    lock = threading.RLock()
    scheduler = ThreadScheduler(clock, lock)
    makers = [MarketMaker(venue_id, exchange, clock, scheduler, config, exchange=exchange)
              for venue_id, config in MARKET_MAKERS.items()]
    specs = venue_specs(settings, [str(exchange.venue_id), *MARKET_MAKERS])
    check_free(specs)
    known = booked_exec_ids(store.engine, [s.venue_id for s in specs], EXEC_ID_MEMORY)
    copies = SqlDropCopyStore(store.engine, clock)

    def keep_copies(batch: list[DropCopy]) -> None:
        copies.add_many([(copy.venue, copy.participant, copy.report) for copy in batch])

    layout = FixLayout(fix_var_dir(settings), third_parties=settings.fix_clients)
    deployment = deploy(layout, dict(zip(specs, [exchange, *makers], strict=True)), clock,
                        known_exec_ids=known, drop_copy_sink=keep_copies, lock=lock, serve=False,
                        booked_marks=True)
    market = deployment.locked(exchange)
    profiles = [exchange_profile(exchange.venue_id), *map(market_maker_profile, makers)]
    router = SmartOrderRouter(list(deployment.clients.values()), profiles, market=market,
                              clock=clock, scheduler=LoopScheduler(clock),
                              recorder=ImmediateRecorder(), ids=ids)
    for client in deployment.clients.values():
        client.add_session_listener(lambda venue_id, up: router.venue_state_changed())
    return ServedVenues(deployment, scheduler, router, market)
