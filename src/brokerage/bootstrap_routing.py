"""Composition of the venues behind the smart order router (used by bootstrap only).

The exchange plus two in-process market makers with different parameters, each described to
the router by a profile. FIX venue clients replace the in-process venues here, unchanged
otherwise: the router only needs the `Venue` protocol and, optionally, an `is_up()` hook.
"""

import atexit
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from brokerage.adapters.db.drop_copies import SqlDropCopyStore
from brokerage.adapters.db.drop_copy_writer import ThreadedDropCopyWriter
from brokerage.adapters.scheduler import LoopScheduler
from brokerage.domain.execution import NewOrderRequest
from brokerage.domain.ids import VenueId
from brokerage.domain.routing import VenueProfile
from brokerage.read_models.routing import latest_venues
from brokerage.service_layer.handlers.routing import RecordRouting
from brokerage.service_layer.routing import SmartOrderRouter
from brokerage.service_layer.routing_records import ImmediateRecorder, PartitionRecorder
from brokerage.venues.fix.recovery import partitions_barrier
from brokerage.venues.market_maker import MarketMaker
from brokerage.venues.mm_models import ImprovementModel, MarketMakerConfig

MM1, MM2 = VenueId("MM1"), VenueId("MM2")
D = Decimal
MARKET_MAKERS: dict[VenueId, MarketMakerConfig] = {
    # Pays more for flow, improves less, takes smaller orders and refuses a few.
    MM1: MarketMakerConfig(rebate_per_share_usd=D("0.0020"), max_order_quantity=D("1000"),
                           reject_rate=0.02, latency=timedelta(milliseconds=2),
                           non_marketable="decline", seed=11),
    # Improves more, pays less, takes larger orders and forwards non-marketable ones.
    MM2: MarketMakerConfig(rebate_per_share_usd=D("0.0010"), max_order_quantity=D("5000"),
                           reject_rate=0.0, latency=timedelta(milliseconds=5),
                           non_marketable="forward", seed=12,
                           improvement=ImprovementModel(((D("0.0010"), 2), (D("0.0040"), 3),
                                                         (D("0.0080"), 2)))),
}


def exchange_profile(venue_id: str) -> VenueProfile:
    return VenueProfile(VenueId(venue_id), lit_exchange=True, needs_quote=False)


def market_maker_profile(mm: MarketMaker) -> VenueProfile:
    """Describe a market maker to the router from its own parameters."""
    config = mm.config
    return VenueProfile(mm.venue_id, improvement_per_share=mm.expected_improvement(),
                        fill_rate=D(1) - D(str(config.reject_rate)),
                        rebate_per_share=config.rebate_per_share_usd,
                        max_quantity=config.max_order_quantity)


def drop_copy_writer(store: Any, clock: Any) -> ThreadedDropCopyWriter:
    """Store the market makers' drop copies (flushed at exit) for `brokerage reconcile`."""
    writer = ThreadedDropCopyWriter(SqlDropCopyStore(store.engine, clock))
    atexit.register(writer.close)
    return writer


def build_router(exchange: Any, clock: Any, ids: Callable[[], str], scheduler: Any = None,
                 store: Any = None) -> SmartOrderRouter:
    """Put the exchange and the market makers behind one router (recorder set later)."""
    scheduler = scheduler or LoopScheduler(clock)
    copies = None if store is None else drop_copy_writer(store, clock)
    makers = [MarketMaker(venue_id, exchange, clock, scheduler, config, exchange=exchange,
                          drop_copy=copies)
              for venue_id, config in MARKET_MAKERS.items()]
    profiles = [exchange_profile(exchange.venue_id), *map(market_maker_profile, makers)]
    return SmartOrderRouter([exchange, *makers], profiles, market=exchange, clock=clock,
                            scheduler=scheduler, recorder=ImmediateRecorder(), ids=ids)


def attach_router(platform: Any) -> bool:
    """Connect a router that is the platform's venue: decisions commit with the OMS batches."""
    router = platform.deps.venue
    if not isinstance(router, SmartOrderRouter):
        return False
    router.recorder = PartitionRecorder(platform.partitions, RecordRouting)
    router.connect(platform.deps.participant_id, platform.on_report, platform.on_report)
    restore_routes(router, platform)
    if platform.sessions is not None:  # FIX sessions mark what the partitions committed
        platform.sessions.barrier = partitions_barrier(platform.partitions)
    return True


def restore_routes(router: SmartOrderRouter, platform: Any) -> None:
    """Map each open order to the venue its last stored decision sent it to."""
    sent = {o.id: o for p in platform.partitions for o in p.state.orders.values()
            if o.venue is not None}
    for order_id, venue_id in latest_venues(platform.store, list(sent)).items():
        order = sent[order_id]
        router.restore(NewOrderRequest(
            cl_ord_id=order.id, symbol=order.symbol, side=order.side,
            order_type=order.order_type, quantity=order.quantity or D(0),
            time_in_force=order.time_in_force, limit_price=order.limit_price,
            extended_hours=order.extended_hours, ts=order.created_at), VenueId(venue_id))
