"""Market updates shared between API processes: Redis pub/sub, one channel per symbol.

Every process publishes the updates its own pipeline makes to `{prefix}{symbol}` and also
keeps the latest state of each (stream, symbol) in the hash `{prefix}last:{symbol}`, so a
process whose first client subscribes late still sends a snapshot. Each process SUBSCRIBEs
only to the symbols its own clients watch and hands what arrives to its hub.

Overflow policy: the outbox is bounded (`outbox_max`); when Redis cannot keep up the oldest
waiting updates are dropped and counted in `dropped`. A dropped state is harmless once a newer
one for the same key follows (each update carries the whole state); a dropped trade print is
lost to other processes and shows in `dropped`.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from brokerage.service_layer.market_events import Channel, MarketUpdate

log = logging.getLogger(__name__)
PUBLISH_BATCH_MAX = 1000


def encode(update: MarketUpdate) -> bytes:
    return orjson.dumps({"c": update.channel.value, "s": update.symbol, "d": update.data,
                         "ts": update.ts.isoformat()}, default=str)


def decode(payload: bytes) -> MarketUpdate:
    body = orjson.loads(payload)
    return MarketUpdate(Channel(body["c"]), body["s"], body["d"],
                        datetime.fromisoformat(body["ts"]))


def _field(update: MarketUpdate) -> str:
    if update.channel == Channel.BARS:
        return f"bars.{update.data.get('interval', '')}"
    return update.channel.value


class RedisFanout:
    def __init__(self, url: str, deliver: Callable[[MarketUpdate], None],
                 seed: Callable[[MarketUpdate], None], prefix: str = "brokerage:md:",
                 outbox_max: int = 100_000) -> None:
        self._url = url
        self._deliver = deliver
        self._seed = seed
        self._prefix = prefix
        self._outbox: deque[MarketUpdate] = deque(maxlen=outbox_max)
        self._changes: deque[tuple[str, bool]] = deque()
        self._wake_out = asyncio.Event()
        self._wake_watch = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._redis: Any = None
        self._pubsub: Any = None
        self.dropped = 0
        self.received = 0

    # --- called from the event loop by the bus and the hub (never block) ------------------

    def publish(self, update: MarketUpdate) -> None:
        """Queue a local update for every process (drop-oldest when the outbox is full)."""
        if len(self._outbox) == self._outbox.maxlen:
            self.dropped += 1
        self._outbox.append(update)
        self._wake_out.set()

    def watch(self, symbol: str, watched: bool) -> None:
        """Follow (or stop following) a symbol's channel: the hub's watch listener."""
        self._changes.append((symbol, watched))
        self._wake_watch.set()

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(self._url)
        self._pubsub = self._redis.pubsub()
        await self._pubsub.subscribe(self._prefix + "~")  # keeps the listener subscribed
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._publisher(), name="fanout-publish"),
                       loop.create_task(self._listener(), name="fanout-listen"),
                       loop.create_task(self._watcher(), name="fanout-watch")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        if self._redis is not None:
            await self._redis.aclose()

    # --- tasks ----------------------------------------------------------------------------

    async def _publisher(self) -> None:
        while True:
            await self._wake_out.wait()
            self._wake_out.clear()
            while self._outbox:
                try:
                    await self._publish_batch()
                except Exception:
                    log.exception("publishing market updates to Redis failed; retrying")
                    await asyncio.sleep(0.5)

    async def _publish_batch(self) -> None:
        batch = [self._outbox.popleft()
                 for _ in range(min(len(self._outbox), PUBLISH_BATCH_MAX))]
        pipe = self._redis.pipeline(transaction=False)
        for update in batch:
            payload = encode(update)
            pipe.publish(self._prefix + update.symbol, payload)
            if update.channel != Channel.TRADES:
                pipe.hset(f"{self._prefix}last:{update.symbol}", _field(update), payload)
        await pipe.execute()

    async def _listener(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True,
                                                          timeout=1.0)
            except Exception:
                log.exception("reading the Redis market feed failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") != "message":
                continue
            self.received += 1
            try:
                self._deliver(decode(message["data"]))
            except Exception:
                log.exception("a market update from Redis was malformed and is skipped")

    async def _watcher(self) -> None:
        while True:
            await self._wake_watch.wait()
            self._wake_watch.clear()
            try:
                await self._apply_watch_changes()
            except Exception:
                log.exception("changing Redis subscriptions failed")

    async def _apply_watch_changes(self) -> None:
        wanted: dict[str, bool] = {}
        while self._changes:
            symbol, watched = self._changes.popleft()
            wanted[symbol] = watched
        on = [s for s, w in wanted.items() if w]
        off = [s for s, w in wanted.items() if not w]
        if off:
            await self._pubsub.unsubscribe(*(self._prefix + s for s in off))
        if on:
            await self._pubsub.subscribe(*(self._prefix + s for s in on))
            for symbol in on:  # after subscribing, so nothing falls in between
                stored = await self._redis.hgetall(f"{self._prefix}last:{symbol}")
                for payload in stored.values():
                    self._seed(decode(payload))
