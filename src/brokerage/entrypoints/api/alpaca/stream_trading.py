"""`ws://HOST/stream`: Alpaca's trading stream (`trade_updates`), as alpaca-py's TradingStream.

    -> {"action": "authenticate", "data": {"key_id": "...", "secret_key": "..."}}
    <- {"stream": "authorization", "data": {"status": "authorized", "action": "authenticate"}}
    -> {"action": "listen", "data": {"streams": ["trade_updates"], "since": 41}}
    <- {"stream": "listening", "data": {"streams": ["trade_updates"]}}
    <- {"stream": "trade_updates", "data": {"event": "fill", "seq": 42, "order": {...}, ...}}

One message per binary frame, JSON by default (as Alpaca's paper stream sends them); a client
that speaks MessagePack (a binary frame that is not JSON) is answered in MessagePack. `since`
(in the listen message or `?since=` in the URL) is our addition: replay the updates numbered
after it (see read_models/alpaca_trade_updates.py for how far back they go). A client with
1,000 updates waiting is closed with 4008; it reconnects with `since` and loses nothing.
"""

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import msgpack
import orjson
from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool

from brokerage.entrypoints.api.alpaca import serializers
from brokerage.entrypoints.api.alpaca.stream_common import (
    CLOSE_SLOW_CONSUMER,
    Outbox,
    pump,
    read_until_closed,
    receive_first,
)
from brokerage.read_models.alpaca_trade_updates import TradeUpdate, TradeUpdateLog
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.identity import Principal

router = APIRouter(tags=["alpaca: streams"])
AUTH_TIMEOUT_S = 10.0
UPDATES_WAITING_MAX = 1000
BYTES_WAITING_MAX = 16_000_000
MESSAGE_BYTES_MAX = 4096
CLOSE_UNAUTHORIZED = 4001
STREAMS = ("trade_updates",)
EXECUTION_NAMESPACE = uuid.UUID("0b7e7f3e-3c7a-4d55-8f0e-5d1f2a9c6b21")


def trade_update(update: TradeUpdate) -> dict[str, Any]:
    """Shape a trade update as Alpaca does; the order exactly as REST serializes it."""
    data: dict[str, Any] = {"event": update.event, "seq": update.seq,
                            "timestamp": serializers.rfc3339(update.timestamp),
                            "order": serializers.order(update.order)}
    if update.execution_id is not None:  # alpaca-py wants a UUID: ours map to one, stably
        data["execution_id"] = str(uuid.uuid5(EXECUTION_NAMESPACE, update.execution_id))
        data["price"] = _text(update.price)
        data["qty"] = _text(update.qty)
        data["position_qty"] = _text(update.position_qty)
    return {"stream": "trade_updates", "data": data}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


class Codec:
    """JSON or MessagePack, whichever the client spoke first."""

    def __init__(self, msgpack_: bool) -> None:
        self.msgpack = msgpack_

    @staticmethod
    def decode(raw: str | bytes) -> tuple[Any, "Codec"]:
        try:
            return orjson.loads(raw), Codec(False)
        except orjson.JSONDecodeError:
            if isinstance(raw, str):
                raise ValueError("not JSON") from None
        try:
            return msgpack.unpackb(raw), Codec(True)
        except (ValueError, msgpack.UnpackException) as exc:
            raise ValueError("neither JSON nor MessagePack") from exc

    def encode(self, body: dict[str, Any]) -> bytes:
        return msgpack.packb(body) if self.msgpack else orjson.dumps(body)  # type: ignore[no-any-return]


class TradingStreamGateway:
    """The trade update log of this process and the connections that follow it."""

    def __init__(self, platform: Any) -> None:
        self.platform = platform
        self.log = TradeUpdateLog(position_of=self._position_of)
        self._undo: Any = None

    def _position_of(self, account_id: str, symbol: str) -> Decimal | None:
        position = self.platform.state_for(account_id).positions.get((account_id, symbol))
        return None if position is None else position.quantity

    async def start(self) -> None:
        self._undo = self.log.attach(self.platform.deps.bus)

    async def stop(self) -> None:
        if self._undo is not None:
            self._undo()
            self._undo = None

    async def serve(self, websocket: WebSocket, who: Principal, codec: Codec) -> None:
        session = _Session(self.log, who.account_id, codec, websocket.query_params.get("since"))
        session.tell({"stream": "authorization",
                      "data": {"status": "authorized", "action": "authenticate"}})
        writer = asyncio.create_task(pump(websocket, session.outbox, lambda batch: [*batch]))
        try:
            await read_until_closed(websocket, writer, session.handle)
        finally:
            session.stop_listening()
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)


class _Session:
    """One authenticated connection: what it listens to, and its outbox."""

    def __init__(self, log: TradeUpdateLog, account_id: str, codec: Codec,
                 since: str | None) -> None:
        self.log, self.account_id, self.codec = log, account_id, codec
        self.outbox = Outbox(UPDATES_WAITING_MAX, BYTES_WAITING_MAX)
        self.since = int(since) if since and since.isdigit() else None
        self._undo: Any = None

    def tell(self, body: dict[str, Any]) -> None:
        if not self.outbox.put(self.codec.encode(body)):
            self.stop_listening()
            self.outbox.close(CLOSE_SLOW_CONSUMER, "slow consumer: re-listen with since")

    def handle(self, raw: str | bytes) -> None:
        try:
            if len(raw) > MESSAGE_BYTES_MAX:
                raise ValueError("message too large")
            body, _ = Codec.decode(raw)
            if not isinstance(body, dict):
                raise ValueError("send a JSON object with an action")
        except ValueError as exc:
            self.tell({"stream": "error", "data": {"error_message": str(exc)}})
            return
        if body.get("action") == "listen":
            self.listen(body.get("data") or {})
        elif body.get("action") in ("authenticate", "auth"):
            self.tell(_authorization("authenticate", "authorized"))
        else:
            self.tell({"stream": "error", "data": {
                "error_message": f"unknown action {body.get('action')!r}"}})

    def listen(self, data: dict[str, Any]) -> None:
        """Listen to exactly the streams asked for; replay from `since` if asked."""
        asked = data.get("streams") if isinstance(data.get("streams"), list) else []
        streams = [s for s in STREAMS if s in asked]
        since = data.get("since", self.since)
        self.stop_listening()
        if not streams:
            self.tell({"stream": "listening", "data": {"streams": []}})
            return
        ack: dict[str, Any] = {"streams": streams}
        replay = None
        if isinstance(since, int) and not isinstance(since, bool) and since >= 0:
            replay = self.log.since(self.account_id, since)
            ack.update(since=since, replayed=len(replay.updates), gap=replay.gap)
        # Replay and subscription happen in one step on the event loop: no update is missed
        # or repeated between them.
        self.tell({"stream": "listening", "data": ack})
        for update in replay.updates if replay else ():
            self.on_update(update)
        self._undo = self.log.listen(self.account_id, self.on_update)

    def on_update(self, update: TradeUpdate) -> None:
        self.tell(trade_update(update))

    def stop_listening(self) -> None:
        if self._undo is not None:
            self._undo()
            self._undo = None


def _authorization(action: str, status: str) -> dict[str, Any]:
    return {"stream": "authorization", "data": {"status": status, "action": action}}


async def _authenticate(websocket: WebSocket, platform: Any) -> tuple[Principal, Codec] | None:
    """Take the first message: it must be `authenticate` with a valid key pair."""
    raw = await receive_first(websocket, AUTH_TIMEOUT_S)
    codec, action = Codec(False), "authenticate"
    try:
        if raw is None or len(raw) > MESSAGE_BYTES_MAX:
            raise ValueError("no credentials")
        body, codec = Codec.decode(raw)
        if not isinstance(body, dict) or body.get("action") not in ("authenticate", "auth"):
            action = str(body.get("action")) if isinstance(body, dict) else action
            raise ValueError("authenticate first")
        data = body.get("data") or {}
        key, secret = data.get("key_id"), data.get("secret_key")
        if not (isinstance(key, str) and isinstance(secret, str)):
            raise ValueError("send key_id and secret_key")
        who = await run_in_threadpool(platform.identity.by_api_key, key, secret)
        return who, codec
    except (ValueError, Refused):
        await websocket.send_bytes(codec.encode(_authorization(action, "unauthorized")))
        await websocket.close(CLOSE_UNAUTHORIZED, "unauthorized")
        return None


@router.websocket("/stream")
async def trade_updates(websocket: WebSocket) -> None:
    """Alpaca's trading stream: the caller's trade updates (see the module docstring)."""
    gateway: TradingStreamGateway = websocket.app.state.alpaca_trading_stream
    await websocket.accept()
    authenticated = await _authenticate(websocket, gateway.platform)
    if authenticated is not None:
        await gateway.serve(websocket, *authenticated)
