"""The composition root: the only place that picks concrete adapters and wires them."""

import json
import logging
import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from brokerage.adapters.calendar import XnysCalendar
from brokerage.adapters.clock import ManualClock, RealClock, SimulatedClock
from brokerage.adapters.db.loader import load_partition
from brokerage.adapters.db.migrate import upgrade
from brokerage.adapters.db.store import SqlStore, make_engine
from brokerage.adapters.instruments import load_instruments
from brokerage.config import Settings
from brokerage.domain.ids import VenueId
from brokerage.domain.risk import RiskLimits
from brokerage.service_layer.identity import Identity
from brokerage.service_layer.market_synthetic import listed_instruments
from brokerage.service_layer.platform import Platform, build_partitions
from brokerage.service_layer.state import Deps

log = logging.getLogger(__name__)
EXCHANGE_ID = VenueId("XSIM")


def new_id() -> str:
    """Return a random (version 4) UUID string, as str(uuid.uuid4()) does, several times faster.

    The OMS makes about ten ids per order; uuid.UUID's constructor was a tenth of its time.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def make_clock(settings: Settings, calendar: XnysCalendar) -> Any:
    """Pick the clock: real wall time, or simulated time that starts at a regular open."""
    if settings.clock == "real":
        return RealClock()
    wall = RealClock().now()
    start = (datetime.fromisoformat(settings.start) if settings.start
             else calendar.next_regular_open(wall) if calendar.phase(wall).value != "regular"
             else wall)
    if settings.clock == "manual":
        return ManualClock(start)
    return SimulatedClock(start, settings.speed)


class JournalFile:
    """The exchange's journal: one JSON line per accepted input, flushed at once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("a", encoding="utf-8")

    def __call__(self, entry: dict[str, Any]) -> None:
        self._file.write(json.dumps(entry, separators=(",", ":"), default=str) + "\n")
        self._file.flush()

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        with self.path.open(encoding="utf-8") as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    break  # a torn last line from a crash: everything before it stands
        return out

    def close(self) -> None:
        self._file.close()


def journal_path(settings: Settings) -> Path:
    if settings.exchange_journal is not None:
        return settings.exchange_journal
    url = settings.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///")).with_suffix(".exchange.jsonl")
    return settings.var_dir / "exchange.jsonl"


def build_platform(settings: Settings, clock: Any = None, venue: Any = None) -> Platform:
    """Wire the whole platform from settings: storage, calendar, venue, OMS, identity.

    `clock` and `venue` replace the configured ones (tests drive a manual clock; service
    tests may put a fake venue in the exchange's place).
    """
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    store = SqlStore(engine)
    calendar = XnysCalendar()
    clock = clock or make_clock(settings, calendar)
    instruments = load_instruments()
    exchange, entries = (venue, []) if venue is not None else build_exchange(settings,
                                                                             instruments)
    limits = RiskLimits(market_order_collar_pct=Decimal(settings.market_order_collar_pct))
    routed, market, served = route_venues(settings, exchange, clock, store, replaced=venue)
    deps = Deps(clock=clock, ids=new_id, calendar=calendar, instruments=instruments,
                venue=routed, market=market, limits=limits,
                instant_deposit_limit=settings.instant_deposit_limit_usd)
    liquidity = (build_liquidity(settings, exchange, instruments, clock.now(), bool(entries),
                                 served) if settings.liquidity and venue is None else None)

    def loader(index: int) -> Any:
        return load_partition(store, deps, index, settings.partitions)

    partitions = build_partitions(deps, store, settings.partitions, loader, settings.max_batch,
                                  settings.queue_limit)
    platform = Platform(deps=deps, identity=Identity(store, RealClock(), new_id), store=store,
                        partitions=partitions, exchange=market, liquidity=liquidity,
                        loader=loader, sessions=served)
    from brokerage.bootstrap_routing import attach_router

    if attach_router(platform):  # the router connects to every venue, the exchange included
        pass
    elif venue is None:  # the simulated exchange sends refused cancels (35=9) separately
        exchange.connect(deps.participant_id, platform.on_report, platform.on_report)
    else:
        exchange.connect(deps.participant_id, platform.on_report)
    handoff = served.handoff if served is not None else None  # venue threads -> the loop
    if hasattr(market, "add_trade_listener"):
        market.add_trade_listener(handoff(platform.on_trade) if handoff else platform.on_trade)
    from brokerage.bootstrap_market_data import build_market_data

    platform.market_data = build_market_data(platform, settings, handoff)
    return platform


def build_exchange(settings: Settings, instruments: Any) -> tuple[Any, list[Any]]:
    """Make the simulated exchange and recover its books from its journal."""
    from brokerage.venues.exchange import SimulatedExchange
    from brokerage.venues.exchange_journal import SegmentedJournal

    journal = SegmentedJournal(journal_path(settings))  # compacted: snapshot + newer segments
    entries = journal.entries()
    listed = listed_instruments(instruments, settings.exchange_symbols)
    exchange = SimulatedExchange(EXCHANGE_ID, listed, journal_sink=journal)
    if entries:
        exchange.recover(entries)  # replays silently: nothing is journaled again
    return exchange, entries


def build_liquidity(settings: Settings, exchange: Any, instruments: Any, now: datetime,
                    recovered: bool, served: Any) -> Any:
    """Let the liquidity agents quote on the exchange (under the venues' lock when served)."""
    from brokerage.venues.liquidity import LiquidityAgents

    listed = listed_instruments(instruments, settings.exchange_symbols)
    agents = LiquidityAgents(exchange, listed, seed=settings.liquidity_seed)
    agents.resume(now) if recovered else agents.seed_books(now)
    return agents if served is None else served.locked(agents)


def route_venues(settings: Settings, exchange: Any, clock: Any, store: Any,
                 replaced: Any) -> tuple[Any, Any, Any]:
    """Return (the OMS's venue, the market to quote from, the FIX-served venues or None).

    A `replaced` venue (tests) is used alone; otherwise the exchange and the market makers
    sit behind the smart order router, in process or each behind its FIX acceptor.
    """
    if replaced is not None:
        return exchange, exchange, None
    if settings.venue_transport == "fix":
        from brokerage.bootstrap_venues import serve_venues

        served = serve_venues(exchange, clock, new_id, store, settings)
        return served.router, served.exchange, served
    if settings.venue_transport != "inprocess":
        raise ValueError(f"venue_transport must be 'fix' or 'inprocess', not "
                         f"{settings.venue_transport!r}")
    from brokerage.bootstrap_routing import build_router

    return build_router(exchange, clock, new_id, store=store), exchange, None
