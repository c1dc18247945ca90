"""Builders for stream hub tests: fixed ids, a manual `now`, frames decoded to messages."""

from datetime import UTC, datetime
from typing import Any

import orjson

from brokerage.service_layer.market_events import Channel, MarketUpdate, Notification
from brokerage.service_layer.messagebus import OrderUpdated
from brokerage.service_layer.streams import StreamClient, StreamHub, StreamLimits

TS = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def hub_with(**limits: Any) -> StreamHub:
    return StreamHub(StreamLimits(**limits))


def connect(hub: StreamHub, account: str = "acc-1", user: str = "usr-1",
            tier: int | None = None) -> StreamClient:
    return hub.connect(account, user, lambda: None, tier)


def subscribe(hub: StreamHub, client: StreamClient, **shape: Any) -> None:
    hub.handle(client, orjson.dumps({"action": "subscribe", **shape}))


def quote(symbol: str, **fields: Any) -> MarketUpdate:
    return MarketUpdate(Channel.QUOTES, symbol, dict(fields), TS)


def trade(symbol: str, price: str, size: str = "1") -> MarketUpdate:
    return MarketUpdate(Channel.TRADES, symbol, {"price": price, "size": size}, TS)


def bar(symbol: str, interval: str, close: str) -> MarketUpdate:
    return MarketUpdate(Channel.BARS, symbol, {"interval": interval, "close": close}, TS)


def order_update(account: str, event: str, **detail: Any) -> OrderUpdated:
    order = {"id": "ord-1", "symbol": "AAPL", "side": "buy", "status": "filled",
             "quantity": "2", "filled_quantity": "2"}
    return OrderUpdated(account, "ord-1", event, order, dict(detail), TS)


def note(user: str, title: str) -> Notification:
    return Notification("n-1", user, "alert", title, "crossed", {"symbol": "TSLA"}, TS)


def frames(client: StreamClient) -> list[str]:
    """Take every frame waiting for the client, as the transport would."""
    out = []
    while (frame := client.take()) is not None:
        out.append(frame)
    return out


def drain(client: StreamClient) -> list[dict[str, Any]]:
    """Every message waiting for the client, in order (frames are arrays of messages)."""
    return [msg for frame in frames(client) for msg in orjson.loads(frame)]


def of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == kind]
