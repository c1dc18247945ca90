"""Two real processes share one feed: `brokerage serve` and a `brokerage gateway` beside it.

Both run as child processes on free ports against the same SQLite database and the local Redis
(a key prefix of their own, so parallel runs never meet on a channel). A WebSocket client on
each subscribes to AAPL; both must get live quotes, every one of them a state published on the
one Redis feed, and at least one and the same live state each.
"""

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from tests.e2e.server import Server, free_port

REDIS_URL = os.environ.get("BROKERAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SYMBOL = "AAPL"


class Gateway:
    """`brokerage gateway` in a child process."""

    def __init__(self, db_url: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "brokerage", "--db-url", db_url, "gateway", "--port",
             str(self.port)], stdout=log.open("ab"), stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})

    async def ready(self) -> dict:
        async with httpx.AsyncClient(base_url=self.base) as http, asyncio.timeout(60):
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gateway exited: {self.log.read_text()[-2000:]}")
                try:
                    return (await http.get("/v1/health", timeout=1)).json()
                except httpx.HTTPError:
                    await asyncio.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class Client:
    """One WebSocket client: the AAPL quote state after each market frame it got."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.state: dict | None = None
        self.live: list[bytes] = []  # states after each "md" frame, canonical JSON
        self.welcome: dict = {}

    async def pump(self) -> None:
        async for raw in self.ws:
            for message in orjson.loads(raw):
                self._take(message)

    def _take(self, message: dict) -> None:
        if message["type"] == "welcome":
            self.welcome = message
        if message["type"] not in ("snapshot", "md") or SYMBOL not in message.get("quotes", {}):
            return
        quote = message["quotes"][SYMBOL]
        merged = {**(self.state or {}), **quote}
        self.state = {k: v for k, v in merged.items() if v is not None}
        if message["type"] == "md":
            self.live.append(orjson.dumps(self.state, option=orjson.OPT_SORT_KEYS))


@pytest.fixture
def feed(monkeypatch):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail(f"the local Redis at {REDIS_URL} is not running")
    prefix = f"test:{uuid.uuid4().hex[:10]}:"
    monkeypatch.setenv("BROKERAGE_CACHE_URL", REDIS_URL)
    monkeypatch.setenv("BROKERAGE_CACHE_PREFIX", prefix)
    yield prefix
    r = redis.Redis.from_url(REDIS_URL)
    keys = list(r.scan_iter(match=prefix + "*", count=1000))
    if keys:
        r.delete(*keys)


async def test_serve_and_a_gateway_process_serve_the_same_live_quotes_from_one_feed(
        tmp_path, feed):
    import redis.asyncio as aioredis

    server = Server(tmp_path / "brokerage.db").start()
    gateway = Gateway(server.db_url, tmp_path / "gateway.log")
    published: set[bytes] = set()
    tasks: list[asyncio.Task] = []
    try:
        async with httpx.AsyncClient(base_url=server.base) as http:
            made = (await http.post("/v1/auth/signup", json={
                "email": "gia@example.com", "password": "correct horse battery"})).json()
        health = await gateway.ready()
        assert health["role"] == "gateway" and health["user_events"] is False

        async with aioredis.from_url(REDIS_URL) as r:
            listener = r.pubsub()
            await listener.subscribe(f"{feed}md:{SYMBOL}")  # before the clients: sees it all
            tasks.append(asyncio.create_task(_record(listener, published)))
            urls = [f"ws://127.0.0.1:{p}/v1/stream?token={made['token']}"
                    for p in (server.port, gateway.port)]
            async with connect(urls[0]) as on_serve, connect(urls[1]) as on_gateway:
                clients = [Client(on_serve), Client(on_gateway)]
                tasks += [asyncio.create_task(c.pump()) for c in clients]
                for ws in (on_serve, on_gateway):
                    await ws.send(orjson.dumps({"action": "subscribe",
                                                "quotes": [SYMBOL]}).decode())
                # The first live state of each may be a stored one older than the listener.
                await _until(lambda: _shared(clients) and all(len(c.live) >= 3
                                                              for c in clients))
                assert clients[1].welcome["user_events"] is False
                assert clients[0].welcome["user_events"] is True
                for client in clients:
                    await _until(lambda c=client: set(c.live[1:3]) <= published)
                await listener.aclose()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        gateway.stop()
        server.stop()


def _shared(clients: list[Client]) -> set[bytes]:
    """The live states (each client's first left out) that both clients were sent."""
    return set(clients[0].live[1:]) & set(clients[1].live[1:])


async def _record(listener, published: set[bytes]) -> None:
    async for message in listener.listen():
        if message["type"] == "message":
            body = orjson.loads(message["data"])
            if body["c"] == "quotes":
                state = {k: v for k, v in body["d"].items() if v is not None}
                published.add(orjson.dumps(state, option=orjson.OPT_SORT_KEYS))


async def _until(condition, timeout_s: float = 90) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.05)


def test_a_gateway_without_a_shared_feed_refuses_to_start(tmp_path, monkeypatch, capsys):
    from brokerage.entrypoints.cli import main

    monkeypatch.delenv("BROKERAGE_CACHE_URL", raising=False)
    assert main(["--db-url", f"sqlite:///{tmp_path / 'b.db'}", "gateway"]) == 1
    assert "set BROKERAGE_CACHE_URL" in capsys.readouterr().err


def test_a_gateway_on_a_database_without_the_schema_refuses_to_start(tmp_path, capsys):
    from brokerage.entrypoints.cli import main

    db = tmp_path / "empty.db"
    assert main(["--db-url", f"sqlite:///{db}", "gateway", "--cache-url", REDIS_URL]) == 1
    assert "start `brokerage serve`" in capsys.readouterr().err
