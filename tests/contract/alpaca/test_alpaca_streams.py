"""alpaca-py's TradingStream and StockDataStream follow a real server's streams."""

import asyncio
import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgpack
import pytest
from alpaca.data.live.stock import StockDataStream
from alpaca.trading.enums import OrderSide, TimeInForce
from alpaca.trading.requests import MarketOrderRequest
from alpaca.trading.stream import TradingStream
from websockets.sync.client import connect

from tests.contract.alpaca.conftest import wait_until

pytestmark = pytest.mark.e2e
WAIT_S = 20


class ObservedTradingStream(TradingStream):
    """alpaca-py's TradingStream, telling the test when the server acknowledged `listen`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listening = threading.Event()

    async def _dispatch(self, msg: dict[str, Any]) -> None:
        if msg.get("stream") == "listening":
            self.listening.set()
        await super()._dispatch(msg)


@contextmanager
def running(stream: Any) -> Iterator[None]:
    """Run a stream's loop in a thread; stop it and close its socket on the way out."""
    thread = threading.Thread(target=stream.run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        wait_until(lambda: stream._loop, lambda loop: loop is not None, WAIT_S)
        stream.stop()
        # Closing the socket ends the SDK's 5 s receive wait at once.
        asyncio.run_coroutine_threadsafe(stream.close(), stream._loop).result(WAIT_S)
        thread.join(WAIT_S)
        assert not thread.is_alive()


def ws_url(server: Any, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def test_a_fill_arrives_on_the_trade_updates_stream_with_the_rest_order_shape(
        server, new_trader):
    trader = new_trader("1000")
    stream = ObservedTradingStream(trader._api_key, trader._secret_key, paper=True,
                                   url_override=ws_url(server, "/stream"))
    updates: queue.Queue[Any] = queue.Queue()

    async def on_update(update: Any) -> None:
        updates.put(update)

    stream.subscribe_trade_updates(on_update)
    with running(stream):
        assert stream.listening.wait(WAIT_S)
        placed = trader.submit_order(MarketOrderRequest(
            symbol="AAL", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.DAY))
        seen = []
        while not seen or seen[-1].event not in ("fill", "rejected", "canceled"):
            seen.append(updates.get(timeout=WAIT_S))
    fill = seen[-1]
    assert fill.event == "fill" and fill.order.id == placed.id
    assert fill.execution_id is not None and fill.qty == 1 and fill.price > 0
    assert fill.position_qty == 1
    assert fill.order.model_dump() == trader.get_order_by_id(placed.id).model_dump()


def test_a_quote_arrives_on_the_market_data_stream(server, new_trader):
    trader = new_trader("0")
    stream = StockDataStream(trader._api_key, trader._secret_key,
                             url_override=ws_url(server, "/v2/iex"))
    quotes: queue.Queue[Any] = queue.Queue()

    async def on_quote(quote: Any) -> None:
        quotes.put(quote)

    stream.subscribe_quotes(on_quote, "AAPL")
    with running(stream):
        quote = quotes.get(timeout=WAIT_S)
    assert quote.symbol == "AAPL" and 0 < quote.bid_price < quote.ask_price
    assert quote.bid_size > 0 and quote.timestamp.tzinfo is not None


@contextmanager
def listen(server: Any, trader: Any, since: int | None = None) -> Iterator[Any]:
    """Open /stream with a plain WebSocket client, authenticate and listen (since `since`)."""
    with connect(ws_url(server, "/stream"), open_timeout=WAIT_S) as socket:
        socket.send(json.dumps({"action": "authenticate", "data": {
            "key_id": trader._api_key, "secret_key": trader._secret_key}}))
        assert json.loads(socket.recv(WAIT_S))["data"]["status"] == "authorized"
        ask: dict[str, Any] = {"streams": ["trade_updates"]}
        if since is not None:
            ask["since"] = since
        socket.send(json.dumps({"action": "listen", "data": ask}))
        yield socket


def test_a_reconnecting_client_gets_the_updates_it_missed_since_its_last_sequence(
        server, new_trader):
    trader = new_trader("1000")
    with listen(server, trader) as first:
        assert json.loads(first.recv(WAIT_S))["stream"] == "listening"
        trader.submit_order(MarketOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                               time_in_force=TimeInForce.DAY))
        seen = [json.loads(first.recv(WAIT_S))["data"]]
        while seen[-1]["event"] != "fill":
            seen.append(json.loads(first.recv(WAIT_S))["data"])
    missed = trader.submit_order(MarketOrderRequest(symbol="AAL", qty=1, side=OrderSide.SELL,
                                                    time_in_force=TimeInForce.DAY))
    wait_until(lambda: trader.get_order_by_id(missed.id), lambda o: o.status == "filled")
    with listen(server, trader, since=seen[-1]["seq"]) as again:
        ack = json.loads(again.recv(WAIT_S))["data"]
        replayed = [json.loads(again.recv(WAIT_S))["data"] for _ in range(ack["replayed"])]
    assert ack["gap"] is False and [u["seq"] for u in seen] == list(range(1, len(seen) + 1))
    assert [u["seq"] for u in replayed] == list(range(seen[-1]["seq"] + 1,
                                                      seen[-1]["seq"] + 1 + len(replayed)))
    assert {u["order"]["id"] for u in replayed} == {str(missed.id)}
    assert replayed[-1]["event"] == "fill" and replayed[-1]["position_qty"] == "0"


def test_a_wrong_key_pair_is_unauthorized_on_both_streams(server):
    with connect(ws_url(server, "/stream"), open_timeout=WAIT_S) as socket:
        socket.send(json.dumps({"action": "authenticate",
                                "data": {"key_id": "nope", "secret_key": "nope"}}))
        assert json.loads(socket.recv(WAIT_S))["data"]["status"] == "unauthorized"
    with connect(ws_url(server, "/v2/sip"), open_timeout=WAIT_S,
                 additional_headers={"Content-Type": "application/msgpack"}) as socket:
        assert msgpack.unpackb(socket.recv(WAIT_S)) == [{"T": "success", "msg": "connected"}]
        socket.send(msgpack.packb({"action": "auth", "key": "nope", "secret": "nope"}))
        assert msgpack.unpackb(socket.recv(WAIT_S)) == [
            {"T": "error", "code": 402, "msg": "auth failed"}]
