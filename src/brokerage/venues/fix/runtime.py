"""Wire venues to FIX sessions from configuration: servers for venues, clients for the OMS.

The layout on disk is `<var_dir>/fix/<venue>/{acceptor,oms,dropcopy}/` (quickfix `store/`,
`log/` and the generated `session.cfg` in each). Each venue accepts the OMS session
(`oms_comp_id` -> venue CompID), the drop-copy session (`drop_copy_comp_id`) and any extra
third-party CompIDs; the OMS side gets one FixVenueClient and one FixDropCopyClient per venue.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brokerage.venues.fix.acceptor import FixVenueServer
from brokerage.venues.fix.application import Clock
from brokerage.venues.fix.dropcopy import DropCopy, FixDropCopyClient
from brokerage.venues.fix.initiator import FixVenueClient
from brokerage.venues.fix.settings import DEFAULT_HEARTBEAT_S, AcceptorConfig, InitiatorConfig

OMS_COMP_ID = "BROKERAGE"
DROP_COPY_COMP_ID = "BROKERAGE-DC"
EXCHANGE_PORT = 9878  # market makers take the ports after it, in order
MARKET_DATA_SUFFIX = "-MD"  # a market maker's market-data session to the exchange: MM1-MD
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class FixVenueSpec:
    """Where one venue's acceptor listens and the CompID it answers as."""

    venue_id: str
    port: int
    comp_id: str = ""  # the venue's SenderCompID; defaults to its venue id
    host: str = LOOPBACK

    @property
    def sender(self) -> str:
        return self.comp_id or self.venue_id


@dataclass(frozen=True)
class FixLayout:
    """The CompIDs and directories shared by both ends of every venue session."""

    var_dir: Path = Path("var")
    oms_comp_id: str = OMS_COMP_ID
    drop_copy_comp_id: str = DROP_COPY_COMP_ID
    third_parties: tuple[str, ...] = ()  # extra counterparties every venue accepts
    heartbeat_s: int = DEFAULT_HEARTBEAT_S

    def directory(self, spec: FixVenueSpec, role: str) -> Path:
        return self.var_dir / "fix" / spec.venue_id / role

    def acceptor(self, spec: FixVenueSpec) -> AcceptorConfig:
        """Return the acceptor settings of a venue (CompIDs ending -MD: market data only)."""
        parties = (self.oms_comp_id, *self.third_parties)
        quotes = tuple(p for p in parties if p.endswith(MARKET_DATA_SUFFIX))
        return AcceptorConfig(
            spec.venue_id, spec.port, spec.sender, tuple(p for p in parties if p not in quotes),
            (self.drop_copy_comp_id,), self.directory(spec, "acceptor"), spec.host, quotes,
        )  # fmt: skip

    def client(self, spec: FixVenueSpec) -> InitiatorConfig:
        """Return the OMS's order session to a venue."""
        return InitiatorConfig(spec.venue_id, spec.port, self.oms_comp_id, spec.sender,
                               self.directory(spec, "oms"), spec.host, self.heartbeat_s)

    def drop_copy(self, spec: FixVenueSpec) -> InitiatorConfig:
        """Return the OMS's drop-copy session to a venue."""
        return InitiatorConfig(spec.venue_id, spec.port, self.drop_copy_comp_id, spec.sender,
                               self.directory(spec, "dropcopy"), spec.host, self.heartbeat_s)


def default_specs(market_makers: Iterable[str] = (), exchange_id: str = "XSIM",
                  exchange_port: int = EXCHANGE_PORT) -> list[FixVenueSpec]:
    """Lay the exchange and the market makers out on consecutive loopback ports."""
    names = [exchange_id, *market_makers]
    return [FixVenueSpec(name, exchange_port + i) for i, name in enumerate(names)]


def market_maker_comp_ids(names: Iterable[str]) -> tuple[str, ...]:
    """Return the CompIDs the exchange accepts for market makers: orders and market data."""
    return tuple(comp for name in names for comp in (name, f"{name}{MARKET_DATA_SUFFIX}"))


class LockedVenue:
    """Call a venue only while holding a lock (for in-process drivers of a served venue).

    A venue behind a FixVenueServer is driven by the server's worker under `server.lock`;
    anything else that calls it (liquidity agents, the phase timer, the router in the same
    process) goes through `LockedVenue(venue, server.lock)`. Attributes that are not
    callables are read as they are.
    """

    def __init__(self, venue: Any, lock: threading.RLock) -> None:
        self._venue = venue
        self._lock = lock

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._venue, name)
        if not callable(attribute):
            return attribute
        lock = self._lock

        def locked(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return attribute(*args, **kwargs)

        self.__dict__[name] = locked  # made once: later lookups skip __getattr__
        return locked


def start_venue_servers(
    layout: FixLayout, venues: Mapping[FixVenueSpec, Any], clock: Clock,
    lock: threading.RLock | None = None,
) -> list[FixVenueServer]:
    """Put every venue behind its acceptor and start them (one shared lock by default).

    One lock for all venues in a process, because a market maker forwards to the exchange
    and reads its quotes: two locks could be taken in opposite orders.
    """
    lock = lock or threading.RLock()
    servers = [FixVenueServer(venue, layout.acceptor(spec), clock, lock)
               for spec, venue in venues.items()]
    for server in servers:
        server.start()
    return servers


def make_clients(
    layout: FixLayout, specs: Iterable[FixVenueSpec],
    loop: asyncio.AbstractEventLoop | None = None,
    known_exec_ids: Iterable[str] = (),
    booked_marks: bool = False,
) -> dict[str, FixVenueClient]:
    """Make (not start) the OMS's client of each venue: connect() then start() each.

    `booked_marks`: each client keeps a booked-through mark (see `recovery`).
    """
    known = tuple(known_exec_ids)
    return {spec.venue_id: FixVenueClient(layout.client(spec), loop, known,
                                          booked_mark=booked_marks) for spec in specs}


def make_drop_copy_clients(
    layout: FixLayout, specs: Iterable[FixVenueSpec], sink: Callable[[list[DropCopy]], None] | None,
) -> list[FixDropCopyClient]:
    """Make (not start) a drop-copy client per venue, all writing to one sink."""
    return [FixDropCopyClient(layout.drop_copy(spec), sink) for spec in specs]


def stop_sessions(sessions: Iterable[Any]) -> None:
    """Stop sessions or servers side by side (each quickfix stop waits about a second)."""
    stoppers = [threading.Thread(target=s.stop, name="fix-stop") for s in sessions]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join()


@dataclass
class FixDeployment:
    """In-process venues served over FIX, and the OMS's sessions to them."""

    lock: threading.RLock  # serializes every served venue: in-process drivers take it too
    servers: list[FixVenueServer]
    clients: dict[str, FixVenueClient]  # by venue id: hand these to the router
    drop_copies: list[FixDropCopyClient]
    serving: bool = False  # the acceptors are started

    def locked(self, venue: Any) -> LockedVenue:
        """Wrap a served venue for an in-process caller (liquidity agents, phase timer)."""
        return LockedVenue(venue, self.lock)

    def serve(self) -> None:
        """Start every venue's acceptor (once)."""
        if not self.serving:
            for server in self.servers:
                server.start()
            self.serving = True

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Serve, then start every (connected) client and drop copy, delivering onto `loop`."""
        self.serve()
        for client in self.clients.values():
            client.use_loop(loop)
            client.start()
        for drop_copy in self.drop_copies:
            drop_copy.start()

    def start_sessions(
        self, participant_id: str, on_report: Callable[[Any], None],
        on_cancel_reject: Callable[[Any], None] | None = None,
    ) -> None:
        """Connect the OMS's callbacks, then start every client and drop-copy session."""
        self.serve()
        for client in self.clients.values():
            client.connect(participant_id, on_report, on_cancel_reject)
        for client in self.clients.values():
            client.start()
        for drop_copy in self.drop_copies:
            drop_copy.start()

    def logged_on(self) -> bool:
        """Tell whether every client and drop-copy session is logged on."""
        sessions = [*self.clients.values(), *self.drop_copies]
        return all(session.is_logged_on for session in sessions)

    def stop(self) -> None:
        """Log the OMS's sessions out, then stop the venues' acceptors."""
        stop_sessions([*self.clients.values(), *self.drop_copies])
        stop_sessions(self.servers)
        self.serving = False


def deploy(
    layout: FixLayout, venues: Mapping[FixVenueSpec, Any], clock: Clock,
    loop: asyncio.AbstractEventLoop | None = None, known_exec_ids: Iterable[str] = (),
    drop_copy_sink: Callable[[list[DropCopy]], None] | None = None,
    lock: threading.RLock | None = None, serve: bool = True, booked_marks: bool = False,
) -> FixDeployment:
    """Put `venues` behind acceptors on their specs and make (not start) the OMS's sessions.

    `serve=False` leaves the acceptors stopped until `start()` (nothing listens before the
    platform runs); `lock` is the one every in-process driver of these venues takes.
    """
    lock = lock or threading.RLock()
    servers = [FixVenueServer(venue, layout.acceptor(spec), clock, lock)
               for spec, venue in venues.items()]
    clients = make_clients(layout, venues, loop, known_exec_ids, booked_marks)
    drop_copies = make_drop_copy_clients(layout, venues, drop_copy_sink)
    deployment = FixDeployment(lock, servers, clients, drop_copies)
    if serve:
        deployment.serve()
    return deployment
