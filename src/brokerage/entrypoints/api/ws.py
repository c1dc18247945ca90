"""`GET /v1/stream`: the WebSocket gateway in front of the stream hub.

The hub does the thinking (subscriptions, conflation, overflow policy); this module only
authenticates, moves text between the socket and the hub, and drives `flush` from a timer.
Each connection has a reader (client messages into the hub) and a writer (frames out, one at
a time, so what waits in the hub's queue is exactly the client's lag).
"""

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from brokerage.service_layer.errors import Refused
from brokerage.service_layer.identity import Principal
from brokerage.service_layer.market_events import MarketUpdate
from brokerage.service_layer.streams import (
    CLOSE_UNAUTHORIZED,
    SnapshotProvider,
    StreamClient,
    StreamHub,
    StreamLimits,
)
from brokerage.service_layer.streams.encode import messages
from brokerage.service_layer.streams.protocol import Auth, ProtocolError, parse

log = logging.getLogger(__name__)
router = APIRouter(tags=["streams"])
AUTH_TIMEOUT_S = 10.0
FLUSH_EVERY_S = 0.01


class StreamGateway:
    """The hub of one API process, its flush timer and (optionally) the shared Redis feed."""

    def __init__(self, platform: Any, limits: StreamLimits | None = None,
                 cache_url: str | None = None, snapshot: SnapshotProvider | None = None,
                 monotonic: Callable[[], float] = time.monotonic,
                 cache_prefix: str | None = None, user_events: bool = True) -> None:
        self.platform = platform
        self._cache_url = cache_url
        self._cache_prefix = cache_prefix
        # False in a stream-only gateway: no cross-process bus brings orders and notifications.
        self.user_events = user_events
        self._monotonic = monotonic
        self.fanout: Any = None
        self.hub = StreamHub(limits, snapshot=snapshot, on_watch=self._watch)
        self._undo: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen to the bus (or the shared feed) and start flushing."""
        bus = self.platform.deps.bus
        # Read at start, never at import: bootstrap owns settings, this is its one fallback.
        url = self._cache_url or os.environ.get("BROKERAGE_CACHE_URL")
        if url:
            from brokerage.adapters.stream_fanout import RedisFanout

            prefix = (self._cache_prefix or os.environ.get("BROKERAGE_CACHE_PREFIX")
                      or "brokerage:")
            self.fanout = RedisFanout(url, self.hub.on_market, self.hub.seed,
                                      prefix=prefix + "md:")
            await self.fanout.start()
            self._undo.append(bus.subscribe(MarketUpdate, self.fanout.publish))
            for symbol in self.hub.watched_symbols():
                self.fanout.watch(symbol, True)
        self._undo.append(self.hub.attach(bus, market=self.fanout is None))
        self._task = asyncio.get_running_loop().create_task(self._flusher(), name="streams")

    async def stop(self) -> None:
        for undo in self._undo:
            undo()
        self._undo.clear()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.fanout is not None:
            await self.fanout.stop()

    def _watch(self, symbol: str, watched: bool) -> None:
        if self.fanout is not None:
            self.fanout.watch(symbol, watched)

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            try:
                self.hub.flush(self._monotonic())
            except Exception:
                log.exception("stream flush failed")

    async def serve(self, websocket: WebSocket, who: Principal) -> None:
        """Run one authenticated connection until either side closes it."""
        wake = asyncio.Event()
        client = self.hub.connect(who.account_id, who.user_id, wake.set)
        self.hub.tell(client, {"type": "welcome", "user_id": who.user_id,
                               "account_id": who.account_id, "tier": client.tier_ms,
                               "tiers": list(self.hub.limits.tiers_ms),
                               "subscriptions_max": self.hub.limits.subscriptions_max,
                               "user_events": self.user_events})
        writer = asyncio.create_task(_write(websocket, client, wake))
        try:
            await _read(websocket, self.hub, client, writer)
        finally:
            self.hub.disconnect(client)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)


async def _read(websocket: WebSocket, hub: StreamHub, client: StreamClient,
                writer: asyncio.Task[None]) -> None:
    receive = asyncio.ensure_future(websocket.receive())
    try:
        while True:
            done, _ = await asyncio.wait({receive, writer}, return_when=asyncio.FIRST_COMPLETED)
            if writer in done:
                return  # the hub closed the connection (slow consumer, protocol errors)
            event = receive.result()
            if event["type"] == "websocket.disconnect":
                return
            raw = event.get("text") or event.get("bytes")
            if raw:
                hub.handle(client, raw)
            receive = asyncio.ensure_future(websocket.receive())
    finally:
        receive.cancel()


async def _write(websocket: WebSocket, client: StreamClient, wake: asyncio.Event) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while True:
            await wake.wait()
            wake.clear()
            while client.closed is None and (frame := client.take()) is not None:
                await websocket.send_text(frame)
            if client.closed is not None:
                code, reason = client.closed
                await websocket.close(code, reason)
                return


async def _authenticate(websocket: WebSocket, platform: Any) -> Principal | None:
    """Take credentials from the query, the headers or a first `auth` message."""
    params, headers = websocket.query_params, websocket.headers
    bearer = headers.get("authorization", "")
    credentials = Auth(
        token=params.get("token") or (bearer[7:].strip() if bearer[:7].lower() == "bearer "
                                      else None),
        key_id=params.get("key_id") or headers.get("apca-api-key-id"),
        secret_key=params.get("secret_key") or headers.get("apca-api-secret-key"))
    try:
        if not (credentials.token or credentials.key_id):
            raw = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT_S)
            first = parse(raw, 4096, ())
            if not isinstance(first, Auth):
                raise ProtocolError("UNAUTHORIZED", 'send {"action": "auth", "token": ...} '
                                    "first, or ?token= in the URL")
            credentials = first
        return await run_in_threadpool(_resolve, platform, credentials)
    except (Refused, ProtocolError) as exc:
        code = getattr(exc, "code", "UNAUTHORIZED")
        await websocket.send_text(messages({"type": "error", "code": code,
                                            "message": exc.message}))
    except TimeoutError:
        await websocket.send_text(messages({"type": "error", "code": "UNAUTHORIZED",
                                            "message": "no credentials within 10 s"}))
    await websocket.close(CLOSE_UNAUTHORIZED, "unauthorized")
    return None


def _resolve(platform: Any, credentials: Auth) -> Principal:
    identity = platform.identity
    if credentials.token:
        return identity.by_token(credentials.token)  # type: ignore[no-any-return]
    if credentials.key_id and credentials.secret_key:
        return identity.by_api_key(credentials.key_id,  # type: ignore[no-any-return]
                                   credentials.secret_key)
    raise ProtocolError("UNAUTHORIZED", "send a token, or key_id and secret_key")


@router.websocket("/v1/stream")
async def stream(websocket: WebSocket) -> None:
    """Market data and the caller's own orders, fills and notifications (see README)."""
    gateway: StreamGateway = websocket.app.state.streams
    await websocket.accept()
    who = await _authenticate(websocket, gateway.platform)
    if who is not None:
        await gateway.serve(websocket, who)
