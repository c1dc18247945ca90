"""A fill reaches the customer end to end: a stored notification, listed and pushed once."""

from decimal import Decimal

import httpx
from websockets.asyncio.client import connect

from brokerage.domain.ids import AccountId
from brokerage.service_layer import commands as cmd
from tests.builders import SESSION_TIME
from tests.integration.streams.test_stream_endpoint import Inbox, served  # noqa: F401
from tests.service.test_oms_money_paths import buy


async def test_a_fill_delivered_twice_is_pushed_and_listed_as_one_notification(served):  # noqa: F811
    platform, venue, made, url = served
    account = made["account_id"]
    await platform.execute(account, cmd.Deposit(AccountId(account), Decimal("1000")))
    async with connect(f"{url}?token={made['token']}") as ws:
        inbox = Inbox(ws)
        await inbox.next("welcome")
        await platform.execute(account, buy(account, "2", "100"))
        report = venue.fill(venue.submitted[-1], Decimal("2"), Decimal("99.5"), SESSION_TIME,
                            exec_id="E-TWICE")
        platform.on_report(report)  # delivered a second time (a FIX resend)
        await platform.execute(account, buy(account, "1", "100"))
        venue.fill(venue.submitted[-1], Decimal("1"), Decimal("99.25"), SESSION_TIME,
                   exec_id="E-NEXT")

        first = await inbox.next("notification")
        second = await inbox.next("notification")  # a duplicate of the first would come here

    assert (first["kind"], first["title"]) == ("fill", "Bought 2 AAPL at $99.50")
    assert first["data"]["exec_id"] == "E-TWICE" and first["data"]["order_status"] == "filled"
    assert (second["kind"], second["title"]) == ("fill", "Bought 1 AAPL at $99.25")
    base = url.replace("ws://", "http://").removesuffix("/v1/stream")
    async with httpx.AsyncClient(base_url=base) as http:
        listed = (await http.get("/v1/notifications", headers={
            "Authorization": f"Bearer {made['token']}"})).json()
    fills = [n for n in listed if n["kind"] == "fill"]
    assert sorted(n["id"] for n in fills) == sorted([first["id"], second["id"]])
