"""Every venue's quotes in the pipeline, and the synthetic feed for symbols no venue lists.

On a real database (SQLite and PostgreSQL): the market makers' quotes reach the quote cache
beside the exchange's, and a platform whose exchange lists only some symbols serves quotes,
prints and candles of the others from the synthetic consolidated feed (venue SYN).
"""

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from brokerage.adapters.db import tables
from brokerage.domain.market_data.candles import Interval
from brokerage.domain.orders.types import Side
from tests.builders import make_platform
from tests.service.routing_builders import ASK, BID, a_maker, build_world

AFTER_THE_CLOSE = datetime(2026, 11, 25, 1, 0, 30, tzinfo=UTC)  # 20:00:30 New York: closed


async def test_market_makers_quotes_reach_the_cache_and_the_nbbo_beside_the_exchanges(
        db_url: str) -> None:
    world = await build_world(db_url, {"MM1": a_maker(max_order_quantity=Decimal(1000)),
                                       "MM2": a_maker(max_order_quantity=Decimal(5000))})
    try:
        service = world.platform.market_data
        await service.step()
        quote = service.quotes(["AAPL"])["AAPL"]
        assert (quote["bid"], quote["ask"]) == (str(BID), str(ASK))
        assert quote["bid_venues"] == quote["ask_venues"] == ["MM1", "MM2", "XSIM"]
        assert quote["bid_size"] == "6100"  # 100 on the exchange, 1000 and 5000 quoted
        assert sorted(quote["venues"]) == ["MM1", "MM2", "XSIM"]
        assert quote["venues"]["MM2"]["ask_size"] == "5000"

        world.provide(Side.BUY, "100", "430.20", "lp-better-bid")
        world.makers["MM1"].go_down()
        await service.step()
        quote = service.quotes(["AAPL"])["AAPL"]
        assert (quote["bid"], quote["bid_venues"]) == ("430.20", ["MM2", "XSIM"])

        order = await world.place("2")  # a market buy: filled at or better than the offer
        fills = [e for e in order.history if e.kind.value == "filled"]
        assert fills and all(f.price <= Decimal(quote["ask"]) for f in fills)
    finally:
        await world.platform.stop()


@pytest.fixture
async def partly_listed(db_url: str, tmp_path):
    platform = make_platform(db_url, exchange_symbols=("AAPL",),
                             exchange_journal=tmp_path / "exchange.jsonl")
    await platform.start()
    yield platform
    await platform.stop()


async def run_for(platform, seconds: int) -> None:
    for _ in range(seconds):
        platform.deps.clock.advance(timedelta(seconds=1))
        await platform.market_data.step()


async def test_an_unlisted_symbol_gets_quotes_prints_and_candles_from_the_synthetic_feed(
        partly_listed) -> None:
    platform = partly_listed
    service = platform.market_data
    await run_for(platform, 75)  # crosses a minute boundary: one 1m candle is final
    quotes = service.quotes(["MSFT", "AAPL"])
    msft = quotes["MSFT"]
    assert msft["bid_venues"] == msft["ask_venues"] == ["SYN"] and list(msft["venues"]) == ["SYN"]
    assert Decimal(msft["bid"]) < Decimal(msft["ask"]) and msft["last_venue"] == "SYN"
    assert msft["stale"] is False
    assert quotes["AAPL"]["bid"] is None and quotes["AAPL"]["stale"] is True  # listed, idle
    trades = service.trades("MSFT", 5)
    assert trades and {t["venue"] for t in trades} == {"SYN"}
    with platform.store.read() as conn:
        stored = conn.execute(select(tables.candles).where(
            tables.candles.c.symbol == "MSFT", tables.candles.c.timeframe == "1m")).all()
    assert len(stored) == 1 and stored[0].source == "live" and stored[0].trades > 0
    now = platform.deps.clock.now()
    minutes = await asyncio.to_thread(service.candles, "MSFT", Interval.M1,
                                      now - timedelta(hours=1), now + timedelta(seconds=1), 10)
    assert [c["final"] for c in minutes] == [True, False]


async def test_a_synthetic_quote_turns_stale_once_the_feed_stops_at_the_close(
        partly_listed) -> None:
    platform = partly_listed
    service = platform.market_data
    await run_for(platform, 5)
    assert service.quotes(["MSFT"])["MSFT"]["stale"] is False
    platform.deps.clock.set(AFTER_THE_CLOSE)
    await run_for(platform, 11)
    assert service.quotes(["MSFT"])["MSFT"]["stale"] is True
