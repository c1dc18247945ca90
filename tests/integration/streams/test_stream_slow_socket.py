"""Over real sockets: a client that stops reading is conflated harder, then closed with 4008,
while a client that reads keeps its tier and its updates."""

import asyncio
import socket
from datetime import UTC, datetime

import orjson
import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from brokerage.entrypoints.api.app import create_app
from brokerage.entrypoints.api.ws import StreamGateway
from brokerage.service_layer.market_events import Channel, MarketUpdate
from brokerage.service_layer.streams import CLOSE_SLOW_CONSUMER, StreamLimits
from tests.builders import make_platform
from tests.fakes import FakeVenue

SYMBOLS = [f"S{i:03d}" for i in range(100)]
TS = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
# Fast tiers and a short queue, so that a stalled reader is found out in seconds.
LIMITS = StreamLimits(tiers_ms=(50, 100, 200), lag_frames=2, market_frames_max=6)


def small_buffer_listener() -> socket.socket:
    """A listening socket whose accepted sockets keep a small send buffer (Linux inherits it),
    so a client that stops reading blocks the server's writer after a few frames."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16_384)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


async def feed(bus) -> None:
    """Change every symbol's quote every 10 ms, with enough fields to make frames large."""
    tick = 0
    while True:
        tick += 1
        for symbol in SYMBOLS:
            bus.publish(MarketUpdate(Channel.QUOTES, symbol, {
                "bp": str(tick), **{f"f{i}": f"{tick}-{i}" for i in range(20)}}, TS))
        await asyncio.sleep(0.01)


@pytest.fixture
async def served(tmp_path):
    platform = make_platform(f"sqlite:///{tmp_path / 'brokerage.db'}", venue=FakeVenue())
    app = create_app(platform)
    app.state.streams = StreamGateway(platform, limits=LIMITS)
    listener = small_buffer_listener()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio",
                                           ws_per_message_deflate=False))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    async with asyncio.timeout(30):
        while not server.started:
            await asyncio.sleep(0.01)
    made = platform.identity.sign_up("ann@example.com", "correct horse battery")
    token = platform.identity.log_in("ann@example.com", "correct horse battery")["token"]
    port = listener.getsockname()[1]
    yield platform, app, f"ws://127.0.0.1:{port}/v1/stream?token={token}", made
    server.should_exit = True
    await task


async def open_reader(url: str, receive_buffer: int | None = None):
    sock = socket.socket()
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", int(url.split("/")[2].split(":")[1])))
    sock.setblocking(False)
    # A small client queue too: websockets stops reading once 4 messages wait unread.
    return await connect(url, sock=sock, compression=None, max_queue=4, max_size=2**24)


async def test_a_stalled_reader_is_slowed_then_closed_while_a_reader_keeps_its_pace(served):
    platform, app, url, _ = served
    subscribe = orjson.dumps({"action": "subscribe", "quotes": SYMBOLS}).decode()
    fast = await open_reader(url)
    slow = await open_reader(url, receive_buffer=4096)
    for ws in (fast, slow):
        await ws.send(subscribe)
    feeder = asyncio.create_task(feed(platform.deps.bus))
    hub = app.state.streams.hub
    fast_messages: list[dict] = []
    try:
        async with asyncio.timeout(60):
            while hub.stats["slow_disconnects"] == 0:
                fast_messages.extend(orjson.loads(await fast.recv()))
            for _ in range(20):  # the reader goes on being served after the drop
                fast_messages.extend(orjson.loads(await fast.recv()))
    finally:
        feeder.cancel()

    with pytest.raises(ConnectionClosed) as closed:  # what it had not read, then the close
        async with asyncio.timeout(30):
            while True:
                await slow.recv()
    assert closed.value.rcvd.code == CLOSE_SLOW_CONSUMER
    assert closed.value.rcvd.reason == "slow consumer: market data queue full"
    assert hub.stats["demotions"] == 2  # 50 ms -> 100 ms -> 200 ms, then dropped
    assert not [m for m in fast_messages if m["type"] == "tier"]
    assert sum(1 for m in fast_messages if m["type"] == "md") >= 20
    await fast.close()
