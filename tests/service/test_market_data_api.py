"""The market data REST API: quotes, candles, trades, depth, status, alerts, notifications."""

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from brokerage.domain.execution import TradePrint
from brokerage.domain.ids import Symbol, VenueId
from brokerage.entrypoints.api.app import create_app
from tests.builders import make_platform, new_customer
from tests.fakes import FakeVenue

PASSWORD = "correct horse battery"


@pytest.fixture
async def api(db_url: str):
    platform = make_platform(db_url, venue=FakeVenue())
    await platform.start()
    await new_customer(platform)
    token = platform.identity.log_in("ann@example.com", PASSWORD)["token"]
    transport = httpx.ASGITransport(app=create_app(platform, manage_lifecycle=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        yield platform, client
    await platform.stop()


async def trade(platform, price: str) -> None:
    platform.market_data.on_trade_print(TradePrint(VenueId("XSIM"), Symbol("AAPL"),
                                                   Decimal(price), Decimal(5),
                                                   platform.deps.clock.now()))
    await platform.market_data.step()


async def test_quotes_keep_the_old_fields_and_add_the_pipeline_ones(api) -> None:
    platform, client = api
    await trade(platform, "430.10")
    body = (await client.get("/v1/quotes", params={"symbols": "aapl,MSFT"})).json()
    aapl = body["quotes"]["AAPL"]
    assert {"symbol", "bid", "bid_size", "ask", "ask_size", "last", "last_size", "last_ts",
            "previous_close"} <= set(aapl)
    assert (aapl["last"], aapl["stale"], aapl["status"]) == ("430.10", False, "trading")
    assert body["quotes"]["MSFT"]["stale"] is True  # no update ever


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/v1/quotes?symbols=", 422, "INVALID_SYMBOLS"),
    ("/v1/quotes?symbols=ZZZZ", 404, "ASSET_NOT_FOUND"),
    ("/v1/candles/ZZZZ", 404, "ASSET_NOT_FOUND"),
    ("/v1/candles/AAPL?interval=2m", 422, "INVALID_REQUEST"),
    ("/v1/candles/AAPL?start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z", 422,
     "INVALID_RANGE"),
    ("/v1/candles/AAPL?start=2026-01-01T00:00:00", 422, "INVALID_RANGE"),
    ("/v1/trades/AAPL?limit=0", 422, "INVALID_REQUEST"),
    ("/v1/depth/ZZZZ", 404, "ASSET_NOT_FOUND"),
    ("/v1/alerts/nope", 404, "ALERT_NOT_FOUND"),
])
async def test_bad_requests_get_a_code_and_a_message(api, path: str, status: int,
                                                     code: str) -> None:
    _, client = api
    response = await client.get(path)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]


async def test_candles_trades_and_status_are_served(api) -> None:
    platform, client = api
    await trade(platform, "430.10")
    await trade(platform, "430.30")
    daily = (await client.get("/v1/candles/AAPL", params={"interval": "1d"})).json()
    assert len(daily["candles"]) >= 240 and daily["candles"][-1]["close"] == "430.30"
    trades = (await client.get("/v1/trades/AAPL")).json()["trades"]
    assert [t["price"] for t in trades] == ["430.30", "430.10"]
    status = (await client.get("/v1/market/status")).json()
    assert (status["phase"], status["halts"], status["feed"]["accepted"]) == ("regular", [], 2)
    bands = (await client.get("/v1/market/status/AAPL")).json()["bands"]
    assert (bands["lower"], bands["upper"]) == ("408.60", "451.61")  # 430.10 -/+ 5%, to the penny


async def test_alerts_crud_and_the_notification_list(api) -> None:
    platform, client = api
    made = await client.post("/v1/alerts", json={"symbol": "aapl", "direction": "above",
                                                 "price": "431"})
    assert made.status_code == 201 and made.json()["status"] == "active"
    bad = await client.post("/v1/alerts", json={"symbol": "AAPL", "direction": "up",
                                                "price": "431"})
    assert bad.status_code == 422
    assert [a["id"] for a in (await client.get("/v1/alerts")).json()] == [made.json()["id"]]
    await trade(platform, "431.50")
    fired = (await client.get(f"/v1/alerts/{made.json()['id']}")).json()
    assert (fired["status"], fired["triggered_price"]) == ("triggered", "431.50")
    again = await client.delete(f"/v1/alerts/{made.json()['id']}")
    assert (again.status_code, again.json()["code"]) == (409, "ALERT_NOT_ACTIVE")
    notices = (await client.get("/v1/notifications")).json()
    assert [n["title"] for n in notices] == ["AAPL above 431.00"]


async def test_alerts_need_a_caller(api) -> None:
    _, client = api
    response = await client.get("/v1/alerts", headers={"Authorization": ""})
    assert response.status_code == 401


async def test_an_operator_halt_shows_in_the_market_status(api) -> None:
    platform, client = api
    await platform.market_data.halt("AAPL", "news pending")
    platform.deps.clock.advance(timedelta(seconds=1))
    halts = (await client.get("/v1/market/status")).json()["halts"]
    assert [(h["symbol"], h["status"], h["reason"]) for h in halts] == [
        ("AAPL", "halted", "news pending")]
    forbidden = await client.post("/v1/market/halts/MSFT", json={})
    assert forbidden.status_code == 403
