"""POST /v1/orders takes Alpaca's order classes: bracket, oco and oto, errors {code, message}."""

from decimal import Decimal

import httpx
import pytest

from brokerage.domain.execution import TradePrint
from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.orders.classes import LinkPhase, OrderClass
from brokerage.entrypoints.api.app import create_app
from tests.builders import SESSION_TIME, make_platform, new_customer, settle
from tests.fakes import FakeVenue
from tests.service.test_oms_money_paths import assert_books_balance

AAPL = Symbol("AAPL")
PASSWORD = "correct horse battery"
BRACKET = {"symbol": "AAPL", "side": "buy", "type": "limit", "time_in_force": "gtc",
           "qty": "2", "limit_price": "100", "order_class": "bracket",
           "take_profit": {"limit_price": "110"}, "stop_loss": {"stop_price": "90"}}


@pytest.fixture
async def api(db_url: str):
    venue = FakeVenue()
    venue.last[AAPL] = TradePrint(VenueId("FAKE"), AAPL, Decimal("100"), Decimal("1"),
                                  SESSION_TIME)
    platform = make_platform(db_url, venue=venue)
    await platform.start()
    account = await new_customer(platform)
    token = platform.identity.log_in("ann@example.com", PASSWORD)["token"]
    transport = httpx.ASGITransport(app=create_app(platform, manage_lifecycle=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        paid = await client.post("/v1/transfers", json={"direction": "deposit",
                                                        "amount": "1000"})
        assert paid.status_code == 201, paid.text
        yield client, platform, venue, account
    await platform.stop()


async def test_a_bracket_holds_its_exits_until_the_entry_fills_then_sells_them(api):
    client, platform, venue, account = api
    placed = await client.post("/v1/orders", json=BRACKET)
    assert placed.status_code == 201, placed.text
    entry = placed.json()
    group = platform.state_for(account).links[entry["id"]]
    assert (group.order_class, group.phase) == (OrderClass.BRACKET, LinkPhase.HELD)
    await settle(platform)
    venue.fill(venue.submitted[0], Decimal("2"), Decimal("100"), platform.deps.clock.now())
    await settle(platform)
    open_orders = (await client.get("/v1/orders", params={"status": "open"})).json()
    assert {(o["id"], o["side"]) for o in open_orders} == {(group.limit_leg, "sell"),
                                                           (group.stop_leg, "sell")}
    assert_books_balance(platform)


async def test_an_oto_takes_a_trailing_stop_exit(api):
    client, platform, _, account = api
    body = {**BRACKET, "order_class": "oto", "take_profit": None,
            "stop_loss": {"trail_percent": "5"}}
    placed = await client.post("/v1/orders", json=body)
    assert placed.status_code == 201, placed.text
    group = platform.state_for(account).links[placed.json()["id"]]
    assert group.take_profit is None and group.stop_loss.trail_percent == Decimal("5")


@pytest.mark.parametrize(("change", "code"), [
    ({"side": "sell"}, "ORDER_CLASS_SHORT_EXIT"),
    ({"stop_loss": None}, "ORDER_CLASS_EXITS_MISSING"),
    ({"take_profit": {"limit_price": "85"}}, "ORDER_CLASS_PRICES_CROSSED"),
    ({"qty": None, "notional": "200"}, "ORDER_CLASS_QUANTITY_REQUIRED"),
    ({"order_class": "oco"}, "ORDER_CLASS_ENTRY_TYPE"),
    ({"order_class": "simple"}, "INVALID_REQUEST"),
    ({"order_class": "trailing"}, "INVALID_REQUEST"),
    ({"stop_loss": {"stop_price": "90", "oops": 1}}, "INVALID_REQUEST"),
])
async def test_a_bad_linked_order_is_refused_with_a_code_and_changes_nothing(api, change, code):
    client, platform, venue, account = api
    refused = await client.post("/v1/orders", json={**BRACKET, **change})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == code and refused.json()["message"]
    assert (await client.get("/v1/orders", params={"status": "all"})).json() == []
    assert venue.submitted == [] and not platform.state_for(account).links


async def test_an_oco_without_the_shares_is_refused_for_them(api):
    client, platform, _, account = api
    body = {**BRACKET, "side": "sell", "order_class": "oco"}
    refused = await client.post("/v1/orders", json=body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "RISK_INSUFFICIENT_SHARES"
    assert not platform.state_for(account).links
