"""Two hubs (two API processes' worth) share one market feed through the local Redis."""

import asyncio
import os
import uuid
from datetime import UTC, datetime

import orjson
import pytest

from brokerage.adapters.stream_fanout import RedisFanout
from brokerage.entrypoints.api.ws import StreamGateway
from brokerage.service_layer.market_events import Channel, MarketUpdate
from brokerage.service_layer.messagebus import EventBus
from brokerage.service_layer.streams import StreamHub

REDIS_URL = os.environ.get("BROKERAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TS = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


class Node:
    """One process's side: its own bus, hub and Redis connection."""

    def __init__(self, prefix: str) -> None:
        self.bus = EventBus()
        self.hub = StreamHub(on_watch=lambda symbol, on: self.fanout.watch(symbol, on))
        self.prefix = prefix
        self.fanout = RedisFanout(REDIS_URL, self.hub.on_market, self.hub.seed, prefix=prefix)
        self.bus.subscribe(MarketUpdate, self.fanout.publish)
        self.client = self.hub.connect("acc", "usr", lambda: None)
        self.seen: list[dict] = []
        self.now = 0.0

    def subscribe(self, *symbols: str) -> None:
        self.hub.handle(self.client, orjson.dumps({"action": "subscribe", "quotes": symbols}))

    def pump(self) -> None:
        """Flush the hub (time moves 1 s a call) and keep the market messages it sent."""
        self.now += 1.0
        self.hub.flush(self.now)
        while (frame := self.client.take()) is not None:
            self.seen.extend(m for m in orjson.loads(frame) if m["type"] in ("md", "snapshot"))


async def until(condition, nodes, timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.01)
            for node in nodes:
                node.pump()


@pytest.fixture
async def nodes():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail(f"the local Redis at {REDIS_URL} is not running")
    prefix = f"test:{uuid.uuid4().hex[:8]}:md:"
    pair = [Node(prefix), Node(prefix)]
    for node in pair:
        await node.fanout.start()
    yield pair
    for node in pair:
        await node.fanout.stop()
    keys = redis.Redis.from_url(REDIS_URL).keys(prefix + "*")
    if keys:
        redis.Redis.from_url(REDIS_URL).delete(*keys)


async def listening(channel: str, processes: int, timeout_s: float = 5.0) -> None:
    """Wait until `processes` connections have SUBSCRIBEd to the channel."""
    import redis.asyncio as aioredis

    async with aioredis.from_url(REDIS_URL) as r, asyncio.timeout(timeout_s):
        while dict(await r.pubsub_numsub(channel)).get(channel.encode(), 0) < processes:
            await asyncio.sleep(0.01)


def quotes_of(node, symbol):
    return [m["quotes"][symbol] for m in node.seen if symbol in m.get("quotes", {})]


async def test_an_update_published_once_reaches_the_clients_of_both_processes(nodes):
    first, second = nodes
    for node in nodes:
        node.subscribe("AAPL")
    await listening(first.prefix + "AAPL", 2)

    first.bus.publish(MarketUpdate(Channel.QUOTES, "AAPL", {"bp": "187.45"}, TS))

    await until(lambda: quotes_of(first, "AAPL") and quotes_of(second, "AAPL"), nodes)
    assert quotes_of(first, "AAPL") == quotes_of(second, "AAPL") == [{"bp": "187.45"}]


async def test_a_process_whose_first_client_comes_late_snapshots_from_redis(nodes):
    first, second = nodes
    first.subscribe("MSFT")
    await listening(first.prefix + "MSFT", 1)
    first.bus.publish(MarketUpdate(Channel.QUOTES, "MSFT", {"bp": "410.00"}, TS))
    await until(lambda: quotes_of(first, "MSFT"), nodes)

    second.subscribe("MSFT")

    await until(lambda: quotes_of(second, "MSFT"), nodes)
    assert quotes_of(second, "MSFT") == [{"bp": "410.00"}]


async def test_symbols_nobody_watches_here_are_not_received(nodes):
    first, second = nodes
    first.subscribe("TSLA")
    await listening(first.prefix + "TSLA", 1)
    second.bus.publish(MarketUpdate(Channel.QUOTES, "TSLA", {"bp": "300"}, TS))
    second.bus.publish(MarketUpdate(Channel.QUOTES, "TSLA", {"bp": "301"}, TS))
    await until(lambda: first.fanout.received == 2, nodes)
    assert second.fanout.received == 0


class BusOnly:
    """All a gateway needs of the platform: its bus."""

    def __init__(self) -> None:
        self.deps = type("Deps", (), {"bus": EventBus()})()


async def test_two_api_gateways_with_a_cache_url_serve_their_clients_from_one_feed():
    symbol = f"Z{uuid.uuid4().hex[:6].upper()}"
    gateways = [StreamGateway(BusOnly(), cache_url=REDIS_URL) for _ in range(2)]
    for gateway in gateways:
        await gateway.start()
    try:
        clients = [g.hub.connect("acc", "usr", lambda: None) for g in gateways]
        for gateway, client in zip(gateways, clients, strict=True):
            gateway.hub.subscribe(client, (("quotes", symbol),))
        await listening("brokerage:md:" + symbol, 2)

        gateways[0].platform.deps.bus.publish(
            MarketUpdate(Channel.QUOTES, symbol, {"bp": "1.23"}, TS))

        seen: list[list[dict]] = [[], []]
        async with asyncio.timeout(5):
            while not all(seen):
                await asyncio.sleep(0.01)
                for got, client in zip(seen, clients, strict=True):
                    while (frame := client.take()) is not None:
                        got.extend(m for m in orjson.loads(frame) if m["type"] == "md")
        assert seen[0][0]["quotes"] == seen[1][0]["quotes"] == {symbol: {"bp": "1.23"}}
    finally:
        for gateway in gateways:
            await gateway.stop()
        import redis

        redis.Redis.from_url(REDIS_URL).delete(f"brokerage:md:last:{symbol}")
