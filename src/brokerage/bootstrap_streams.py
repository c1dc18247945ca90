"""Composition of the streams' side: order notifications, and the stream-only gateway role.

`build_order_notifier` wires the notifier onto a built platform (the API's lifespan runs it).
`build_stream_gateway` wires a stream gateway process (`brokerage gateway`): no OMS, no venues,
no market data pipeline; bearer tokens and API keys are checked against the shared database
(reads only, no migration) and market data comes from the Redis feed that `brokerage serve`
publishes when `BROKERAGE_CACHE_URL` is set.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect

from brokerage.config import Settings
from brokerage.service_layer.messagebus import EventBus
from brokerage.service_layer.order_notifier import OrderNotifier


def build_order_notifier(platform: Any) -> OrderNotifier:
    """Store and push order notifications from the platform's committed order events."""
    from brokerage.adapters.db.order_notices_repo import SqlOrderNoticesRepository

    deps = platform.deps
    return OrderNotifier(SqlOrderNoticesRepository(platform.store.engine), deps.bus, deps.ids,
                         deps.clock.now)


@dataclass
class GatewayDeps:
    """What a stream gateway has of a platform's deps: a bus of its own (nothing on it but
    what the shared feed brings; user events have no cross-process bus yet)."""

    bus: EventBus = field(default_factory=EventBus)


@dataclass
class StreamOnlyPlatform:
    """The part of a platform a stream gateway serves from: identity and a local bus."""

    identity: Any
    deps: GatewayDeps
    cache_url: str
    cache_prefix: str


class GatewayNotReady(Exception):
    """The gateway cannot serve: no shared feed configured, or no schema in the database."""


def build_stream_gateway(settings: Settings) -> StreamOnlyPlatform:
    """Wire a stream-only process: read-only identity on the shared database, no writers."""
    from brokerage.adapters.clock import RealClock
    from brokerage.adapters.db.store import SqlStore, make_readonly_engine
    from brokerage.bootstrap import new_id
    from brokerage.service_layer.identity import Identity

    if not settings.cache_url:
        raise GatewayNotReady("a stream gateway serves the shared feed: set BROKERAGE_CACHE_URL "
                              "(the Redis that `brokerage serve` publishes to)")
    engine = make_readonly_engine(settings.database_url)
    missing = {"sessions", "api_keys", "users", "accounts"} - set(inspect(engine).get_table_names())
    if missing:
        raise GatewayNotReady(f"the database {settings.database_url} has no {sorted(missing)}; "
                              "start `brokerage serve` (or `brokerage migrate`) on it first")
    identity = Identity(SqlStore(engine), RealClock(), new_id)
    return StreamOnlyPlatform(identity, GatewayDeps(), settings.cache_url, settings.cache_prefix)
