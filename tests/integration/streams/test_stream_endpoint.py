"""GET /v1/stream end to end: a real uvicorn on a loopback port, a real WebSocket client."""

import asyncio
import socket
from decimal import Decimal

import httpx
import orjson
import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from brokerage.domain.execution import TradePrint
from brokerage.domain.ids import AccountId, Symbol, VenueId
from brokerage.entrypoints.api.app import create_app
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.market_events import Channel, MarketUpdate
from brokerage.service_layer.streams import CLOSE_UNAUTHORIZED
from tests.builders import SESSION_TIME, make_platform
from tests.fakes import FakeVenue
from tests.service.test_oms_money_paths import buy

AAPL = Symbol("AAPL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """Messages of one connection, taken in order whatever frame they came in."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.waiting: list[dict] = []

    async def next(self, kind: str, timeout_s: float = 5.0) -> dict:
        async with asyncio.timeout(timeout_s):
            while True:
                while self.waiting:
                    message = self.waiting.pop(0)
                    if message["type"] == kind:
                        return message
                self.waiting.extend(orjson.loads(await self.ws.recv()))


@pytest.fixture
async def served(tmp_path):
    venue = FakeVenue()
    venue.last[AAPL] = TradePrint(VenueId("FAKE"), AAPL, Decimal("100"), Decimal("1"),
                                  SESSION_TIME)
    platform = make_platform(f"sqlite:///{tmp_path / 'brokerage.db'}", venue=venue)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(platform), host="127.0.0.1", port=port,
                                           log_level="warning", ws="websockets-sansio"))
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(30):
        while not server.started:
            await asyncio.sleep(0.01)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        made = (await http.post("/v1/auth/signup", json={
            "email": "ann@example.com", "password": "correct horse battery"})).json()
    yield platform, venue, made, f"ws://127.0.0.1:{port}/v1/stream"
    server.should_exit = True
    await task


def quote(**fields) -> MarketUpdate:
    return MarketUpdate(Channel.QUOTES, "AAPL", fields, SESSION_TIME)


async def test_subscribe_gives_a_snapshot_then_deltas_and_a_fill_arrives_as_a_fill(served):
    platform, venue, made, url = served
    platform.deps.bus.publish(quote(bp="99.90", ap="100.10", last="100.00"))
    async with connect(f"{url}?token={made['token']}") as ws:
        inbox = Inbox(ws)
        assert (await inbox.next("welcome"))["account_id"] == made["account_id"]
        await ws.send(orjson.dumps({"action": "subscribe", "quotes": ["AAPL"]}).decode())
        snapshot = await inbox.next("snapshot")
        assert snapshot["quotes"] == {"AAPL": {"bp": "99.90", "ap": "100.10", "last": "100.00"}}

        platform.deps.bus.publish(quote(bp="99.95", ap="100.10", last="100.00"))
        assert (await inbox.next("md"))["quotes"] == {"AAPL": {"bp": "99.95"}}

        account = made["account_id"]
        await platform.execute(account, cmd.Deposit(AccountId(account), Decimal("1000")))
        await platform.execute(account, buy(account, "2", "100"))
        venue.fill(venue.submitted[-1], Decimal("2"), Decimal("99.5"), SESSION_TIME)
        fill = await inbox.next("fill")
        assert fill["symbol"] == "AAPL" and fill["side"] == "buy"
        assert Decimal(fill["quantity"]) == 2 and Decimal(fill["price"]) == Decimal("99.5")
        assert (await inbox.next("order"))["order"]["status"] in ("filled", "partially_filled")


async def test_credentials_can_come_in_the_first_message(served):
    _, _, made, url = served
    async with connect(url) as ws:
        await ws.send(orjson.dumps({"action": "auth", "token": made["token"]}).decode())
        assert (await Inbox(ws).next("welcome"))["user_id"] == made["user_id"]


async def test_a_wrong_token_is_answered_with_an_error_and_closed_with_4001(served):
    _, _, _, url = served
    async with connect(f"{url}?token=wrong") as ws:
        error = await Inbox(ws).next("error")
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert error["code"] == "UNAUTHORIZED"
    assert closed.value.rcvd.code == CLOSE_UNAUTHORIZED
