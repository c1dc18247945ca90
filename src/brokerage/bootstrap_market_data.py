"""Composition of the market data service (used by bootstrap only).

Picks the quote cache (Redis when `cache_url` is set, else in memory), builds the feed, the
trading status board (sharing the risk state's set of halted symbols) and the service, and
subscribes it to every venue that publishes prints or quotes.
"""

from collections.abc import Callable
from typing import Any

from brokerage.adapters.db.market_data_repo import SqlMarketDataRepository
from brokerage.adapters.instruments import load_daily_bars
from brokerage.adapters.quote_cache import InMemoryQuoteCache, RedisQuoteCache
from brokerage.adapters.session_windows import XnysSessionWindows
from brokerage.config import Settings
from brokerage.domain.ids import Symbol
from brokerage.domain.market_data.ticks import price_text, to_ticks
from brokerage.domain.orders.types import Side
from brokerage.service_layer.market_data import MarketDataDeps, MarketDataService
from brokerage.service_layer.market_feed import MarketFeed
from brokerage.service_layer.market_status import TradingStatusBoard, tier_of


def build_market_data(platform: Any, settings: Settings,
                      handoff: Callable[[Any], Any] | None = None) -> MarketDataService:
    """Wire the market data service onto a built platform and its venues.

    `handoff` wraps the listeners of venues that call back on their own thread (FIX-served
    venues), so the pipeline, which has no lock, only ever runs on the event loop.
    """
    deps = platform.deps
    instruments = deps.instruments
    windows = XnysSessionWindows(deps.calendar)
    cache: Any = (RedisQuoteCache(settings.cache_url) if settings.cache_url
                  else InMemoryQuoteCache())
    closes = {s: to_ticks(i.reference_price) or 1 for s, i in instruments.items()}
    board = TradingStatusBoard(closes, {s: tier_of(i) for s, i in instruments.items()},
                               deps.halted_symbols)
    service = MarketDataService(
        MarketDataDeps(clock=deps.clock, calendar=deps.calendar, windows=windows,
                       repo=SqlMarketDataRepository(platform.store.engine), cache=cache,
                       bus=deps.bus, ids=deps.ids, instruments=instruments,
                       daily_bars=lambda s: load_daily_bars(Symbol(s)),
                       holders=lambda s: holders(platform, s),
                       depth=depth_of(platform.exchange),
                       stale_after_s=settings.quote_stale_after_s),
        MarketFeed(instruments, windows), board)
    hand = handoff or (lambda listener: listener)
    for venue in feed_venues(platform):
        if hasattr(venue, "add_trade_listener"):
            venue.add_trade_listener(hand(service.on_trade_print))
        if hasattr(venue, "add_quote_listener"):
            venue.add_quote_listener(hand(service.on_top_of_book))
    return service


def feed_venues(platform: Any) -> list[Any]:
    """Return the exchange and every other venue behind the router, each once."""
    venues = {id(platform.exchange): platform.exchange}
    for venue in getattr(platform.deps.venue, "venues", {}).values():
        venues.setdefault(id(venue), venue)
    return list(venues.values())


def holders(platform: Any, symbol: str) -> set[str]:
    """Return the accounts holding a symbol (from the partitions' in-memory positions)."""
    out: set[str] = set()
    for partition in platform.partitions:
        for (account_id, held), position in list(partition.state.positions.items()):
            if held == symbol and position.quantity != 0:
                out.add(account_id)
    return out


def depth_of(exchange: Any) -> Any:
    if not hasattr(exchange, "depth"):
        return None

    def depth(symbol: str, levels: int) -> dict[str, Any]:
        sides = {"bids": Side.BUY, "asks": Side.SELL}
        return {"symbol": symbol, "venue": str(exchange.venue_id),
                **{name: [{"price": price_text(to_ticks(p) or 0),
                           "size": format(q.normalize(), "f")}
                          for p, q in exchange.depth(Symbol(symbol), side, levels)]
                   for name, side in sides.items()}}

    return depth
