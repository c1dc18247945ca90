"""Composition of the market data service (used by bootstrap only).

Picks the quote cache (Redis when `cache_url` is set, else in memory), builds the feed, the
trading status board (sharing the risk state's set of halted symbols) and the service, and
subscribes it to every venue that publishes prints or quotes (the exchange and the market
makers). Instruments the exchange does not list get the synthetic consolidated feed (SYN),
advanced by the service's timer.
"""

from collections.abc import Callable
from typing import Any

from brokerage.adapters.db.market_data_repo import SqlMarketDataRepository
from brokerage.adapters.instruments import load_daily_bars
from brokerage.adapters.quote_cache import InMemoryQuoteCache, RedisQuoteCache
from brokerage.adapters.session_windows import XnysSessionWindows
from brokerage.config import Settings
from brokerage.domain.ids import Symbol
from brokerage.domain.market_data.synthetic import SyntheticModel
from brokerage.domain.market_data.ticks import price_text, to_ticks
from brokerage.domain.orders.types import Side
from brokerage.service_layer.market_data import MarketDataDeps, MarketDataService
from brokerage.service_layer.market_feed import MarketFeed
from brokerage.service_layer.market_status import TradingStatusBoard, tier_of
from brokerage.service_layer.market_synthetic import (
    SyntheticFeed,
    listed_instruments,
    synthetic_references,
)


def build_market_data(platform: Any, settings: Settings,
                      handoff: Callable[[Any], Any] | None = None) -> MarketDataService:
    """Wire the market data service onto a built platform and its venues.

    `handoff` wraps the listeners of venues that call back on their own thread (FIX-served
    venues), so the pipeline, which has no lock, only ever runs on the event loop.
    """
    deps = platform.deps
    instruments = deps.instruments
    windows = XnysSessionWindows(deps.calendar)
    cache: Any = (RedisQuoteCache(settings.cache_url, settings.cache_prefix) if settings.cache_url
                  else InMemoryQuoteCache())
    closes = {s: to_ticks(i.reference_price) or 1 for s, i in instruments.items()}
    board = TradingStatusBoard(closes, {s: tier_of(i) for s, i in instruments.items()},
                               deps.halted_symbols)
    feed = MarketFeed(instruments, windows)
    synthetic = synthetic_feed(settings, instruments, feed, deps)
    service = MarketDataService(
        MarketDataDeps(clock=deps.clock, calendar=deps.calendar, windows=windows,
                       repo=SqlMarketDataRepository(platform.store.engine), cache=cache,
                       bus=deps.bus, ids=deps.ids, instruments=instruments,
                       daily_bars=lambda s: load_daily_bars(Symbol(s)),
                       holders=lambda s: holders(platform, s),
                       depth=depth_of(platform.exchange),
                       stale_after_s=settings.quote_stale_after_s,
                       feeds=(synthetic,) if synthetic is not None else ()),
        feed, board)
    hand = handoff or (lambda listener: listener)
    for venue in feed_venues(platform):
        if hasattr(venue, "add_trade_listener"):
            venue.add_trade_listener(hand(service.on_trade_print))
        if hasattr(venue, "add_quote_listener"):
            venue.add_quote_listener(hand(service.on_top_of_book))
            prime_quotes(service, venue, instruments)
    return service


def synthetic_feed(settings: Settings, instruments: Any, feed: MarketFeed,
                   deps: Any) -> SyntheticFeed | None:
    """Return the synthetic consolidated feed of the instruments the exchange does not list."""
    listed = listed_instruments(instruments, settings.exchange_symbols)
    unlisted = sorted(str(s) for s in instruments if s not in listed)
    if not unlisted:
        return None
    model = SyntheticModel(synthetic_references(instruments, unlisted), settings.synthetic_seed)
    return SyntheticFeed(model, feed, deps.calendar, deps.halted_symbols)


def feed_venues(platform: Any) -> list[Any]:
    """Return each venue that publishes prints or quotes, once per venue id.

    The exchange and the venues behind the router (in process); with FIX-served venues, the
    served venues themselves (under the venues' lock): the router's FIX sessions carry orders,
    not market data.
    """
    served = getattr(platform, "sessions", None)
    candidates = [platform.exchange, *getattr(platform.deps.venue, "venues", {}).values()]
    if served is not None:
        candidates += [served.locked(server.venue) for server in served.deployment.servers]
    venues: dict[str, Any] = {}
    for venue in candidates:
        if hasattr(venue, "venues"):
            continue  # a router (tests put one in the exchange's place): its venues are listed
        if hasattr(venue, "add_trade_listener") or hasattr(venue, "add_quote_listener"):
            venues.setdefault(str(getattr(venue, "venue_id", id(venue))), venue)
    return list(venues.values())


def prime_quotes(service: MarketDataService, venue: Any, instruments: Any) -> None:
    """Take a venue's current quotes once: it publishes changes only, from now on."""
    if not hasattr(venue, "top_of_book"):
        return
    for symbol in instruments:
        quote = venue.top_of_book(symbol)
        if quote is not None:
            service.on_top_of_book(quote)


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
