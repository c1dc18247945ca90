"""`ws://HOST/v2/{iex,sip,test}`: Alpaca's real-time stock data protocol, as StockDataStream.

    <- [{"T": "success", "msg": "connected"}]
    -> {"action": "auth", "key": "...", "secret": "..."}
    <- [{"T": "success", "msg": "authenticated"}]     or [{"T": "error", "code": 402, ...}]
    -> {"action": "subscribe", "trades": ["AAPL"], "quotes": ["AMD"], "bars": ["*"]}
    <- [{"T": "subscription", "trades": ["AAPL"], "quotes": ["AMD"], "bars": ["*"], ...}]
    <- [{"T": "q", "S": "AMD", "bx": ..., "bp": ..., "t": ..., ...}, {"T": "t", ...}]

MessagePack when the upgrade request says `Content-Type: application/msgpack` (alpaca-py
does), JSON text otherwise; every server frame is an array of messages. All three feeds
serve the same data: ours (one simulated market; no separate IEX or SIP tape). Errors:
400 invalid syntax, 401 not authenticated, 402 auth failed, 403 already authenticated,
404 auth timeout, 405 symbol limit exceeded, 406 connection limit exceeded, 407 slow client.
"""

import asyncio
from typing import Any

import msgpack
import orjson
from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool

from brokerage.entrypoints.api.alpaca.market_shapes import tape
from brokerage.entrypoints.api.alpaca.stream_common import (
    pump,
    read_until_closed,
    receive_first,
)
from brokerage.entrypoints.api.alpaca.stream_data_hub import (
    DataClient,
    MarketDataHub,
    ProtocolError,
    parse_subscription,
)
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.identity import Principal

router = APIRouter(tags=["alpaca: streams"])
FEEDS = ("iex", "sip", "test")
AUTH_TIMEOUT_S = 10.0
MESSAGE_BYTES_MAX = 65_536
CLOSE_POLICY = 1008


def _array_header(count: int) -> bytes:
    if count < 16:
        return bytes([0x90 | count])
    if count < 1 << 16:
        return b"\xdc" + count.to_bytes(2, "big")
    return b"\xdd" + count.to_bytes(4, "big")


def frames(msgpack_: bool, batch: list[bytes]) -> list[bytes | str]:
    """Join encoded messages into one array frame: MessagePack (binary) or JSON (text)."""
    if msgpack_:
        return [_array_header(len(batch)) + b"".join(batch)]
    return [(b"[" + b",".join(batch) + b"]").decode()]


def _decode(raw: str | bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw) if isinstance(raw, str) or raw[:1] in b"{[" else None
        if body is None:
            body = msgpack.unpackb(raw)
    except (ValueError, msgpack.UnpackException) as exc:
        raise ProtocolError(400, "invalid syntax") from exc
    if not isinstance(body, dict):
        raise ProtocolError(400, "invalid syntax")
    return body


class DataStreamGateway:
    def __init__(self, platform: Any) -> None:
        self.platform = platform
        instruments = platform.deps.instruments
        self.hub = MarketDataHub(lambda s: tape(instruments[s].exchange)
                                 if s in instruments else "B")
        self._undo: Any = None

    async def start(self) -> None:
        self._undo = self.hub.attach(self.platform.deps.bus)

    async def stop(self) -> None:
        if self._undo is not None:
            self._undo()
            self._undo = None

    async def serve(self, websocket: WebSocket, client: DataClient) -> None:
        writer = asyncio.create_task(pump(websocket, client.outbox,
                                          lambda batch: frames(client.msgpack, batch)))
        try:
            await read_until_closed(websocket, writer, lambda raw: self._handle(client, raw))
        finally:
            self.hub.disconnect(client)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    def _handle(self, client: DataClient, raw: str | bytes) -> None:
        try:
            if len(raw) > MESSAGE_BYTES_MAX:
                raise ProtocolError(400, "invalid syntax")
            body = _decode(raw)
            action = body.get("action")
            if action == "auth":
                raise ProtocolError(403, "already authenticated")
            if action not in ("subscribe", "unsubscribe"):
                raise ProtocolError(400, "invalid syntax")
            self.hub.subscribe(client, parse_subscription(body), action == "subscribe")
        except ProtocolError as exc:
            self.hub.tell(client, exc.body)


async def _send(websocket: WebSocket, msgpack_: bool, *items: dict[str, Any]) -> None:
    if msgpack_:
        await websocket.send_bytes(msgpack.packb(list(items)))
    else:
        await websocket.send_text(orjson.dumps(list(items)).decode())


async def _authenticate(websocket: WebSocket, platform: Any, msgpack_: bool) -> Principal:
    """Wait for `auth`; raise ProtocolError (401, 402, 404) with what went wrong."""
    raw = await receive_first(websocket, AUTH_TIMEOUT_S)
    if raw is None:
        raise ProtocolError(404, "auth timeout")
    if len(raw) > MESSAGE_BYTES_MAX:
        raise ProtocolError(400, "invalid syntax")
    body = _decode(raw)
    if body.get("action") != "auth":
        raise ProtocolError(401, "not authenticated")
    key, secret = body.get("key"), body.get("secret")
    if not (isinstance(key, str) and isinstance(secret, str)):
        raise ProtocolError(402, "auth failed")
    try:
        return await run_in_threadpool(platform.identity.by_api_key, key, secret)  # type: ignore[no-any-return]
    except Refused as exc:
        raise ProtocolError(402, "auth failed") from exc


async def market_data(websocket: WebSocket) -> None:
    """Alpaca's stock data stream (see the module docstring)."""
    gateway: DataStreamGateway = websocket.app.state.alpaca_data_stream
    msgpack_ = websocket.headers.get("content-type", "").lower() == "application/msgpack"
    await websocket.accept()
    await _send(websocket, msgpack_, {"T": "success", "msg": "connected"})
    try:
        who = await _authenticate(websocket, gateway.platform, msgpack_)
        client = gateway.hub.connect(who.account_id, msgpack_)
    except ProtocolError as exc:
        await _send(websocket, msgpack_, exc.body)
        await websocket.close(CLOSE_POLICY, exc.body["msg"])
        return
    gateway.hub.tell(client, {"T": "success", "msg": "authenticated"})
    await gateway.serve(websocket, client)


for _feed in FEEDS:
    router.add_api_websocket_route(f"/v2/{_feed}", market_data, name=f"alpaca_stream_{_feed}")
