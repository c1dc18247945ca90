"""Best-execution evidence: the routing endpoint, the daily report and reconciliation."""

from decimal import Decimal

import httpx
from sqlalchemy import update

from brokerage.adapters.db import tables
from brokerage.domain.execution import NewOrderRequest
from brokerage.domain.ids import AccountId
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.entrypoints.api.app import create_app
from brokerage.read_models.routing import best_execution, fills_around, order_routing
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.reconciliation import (
    InProcessDropCopies,
    reconcile_day,
    trading_day,
    venues_of,
)
from tests.service.routing_builders import AAPL, a_maker, build_world

PASSWORD = "correct horse battery"


async def test_the_routing_endpoint_shows_the_nbbo_every_candidate_and_the_fills(db_url):
    world = await build_world(db_url, {"MM1": a_maker(improvement="0.05")})
    try:
        order = await world.place("1")
        token = world.platform.identity.log_in("ann@example.com", PASSWORD)["token"]
        app = create_app(world.platform, manage_lifecycle=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test",
                                     headers={"Authorization": f"Bearer {token}"}) as client:
            response = await client.get(f"/v1/orders/{order.id}/routing")
            missing = await client.get("/v1/orders/nope/routing")

        assert response.status_code == 200
        body = response.json()
        assert (body["order_id"], body["status"], body["venue"], body["state"]) == (
            order.id, "filled", "MM1", "routed")
        decision = body["decisions"][0]
        assert set(decision) == {"ts", "kind", "outcome", "venue", "nbbo", "candidates"}
        assert [c["venue"] for c in decision["candidates"]] == ["MM1", "XSIM"]
        assert set(decision["candidates"][0]) == {"venue", "eligible", "reason",
                                                  "expected_price", "fill_rate",
                                                  "rebate_per_share", "capacity"}
        assert body["fills"][0]["venue"] == "MM1"
        assert Decimal(body["fills"][0]["improvement_per_share"]) == Decimal("0.05")
        assert missing.status_code == 404
    finally:
        await world.platform.stop()


async def test_the_best_execution_report_shows_improvement_and_rebates_per_order(db_url):
    world = await build_world(db_url, {"MM1": a_maker(improvement="0.05", rebate="0.0020")})
    try:
        await world.place("1")
        await world.place("1", side=Side.SELL)
        await world.place("1", limit="429.00")  # rests unfilled: not in the report

        report = best_execution(world.platform.store, trading_day(world.clock.now()))

        assert [(o["side"], o["venue"], Decimal(o["improvement_per_share"]))
                for o in report["orders"]] == [("buy", "MM1", Decimal("0.05")),
                                               ("sell", "MM1", Decimal("0.05"))]
        summary = report["summary"]
        assert summary["orders_filled"] == 2
        assert Decimal(summary["pct_at_nbbo_or_better"]) == 100
        assert Decimal(summary["total_improvement_usd"]) == Decimal("0.10")
        assert Decimal(summary["rebates_usd"]) == Decimal("0.0040")
    finally:
        await world.platform.stop()


async def test_reconciliation_lists_every_break_against_the_drop_copies(db_url):
    world = await build_world(db_url, {"MM1": a_maker()})
    try:
        clean = await world.place("1")
        tampered = await world.place("1")
        day = trading_day(world.clock.now())
        source = InProcessDropCopies(venues_of(world.router), "oms")
        assert reconcile_day(fills_around(world.platform.store, day), source, day)["breaks"] == []
        with world.platform.store.engine.begin() as conn:  # force a break on our side
            conn.execute(update(tables.fills).where(tables.fills.c.order_id == tampered.id)
                         .values(price=Decimal("431.00")))
        world.makers["MM1"].submit("oms", NewOrderRequest(  # a fill we never booked
            cl_ord_id="not-ours", symbol=AAPL, side=Side.BUY, order_type=OrderType.MARKET,
            quantity=Decimal("1"), time_in_force=TimeInForce.DAY, limit_price=None,
            extended_hours=False, ts=world.clock.now()))
        await world.settle()

        result = reconcile_day(fills_around(world.platform.store, day), source, day)

        kinds = sorted((b["kind"], b["order_id"]) for b in result["breaks"])
        assert kinds == sorted([("RECON_PRICE_MISMATCH", tampered.id),
                                ("RECON_MISSING_IN_BOOKS", "not-ours")])
        assert clean.id not in {b["order_id"] for b in result["breaks"]}
        assert result["venues"] == ["MM1", "XSIM"]
    finally:
        await world.platform.stop()


async def test_a_replacement_is_mapped_to_the_venue_that_holds_the_order(db_url):
    world = await build_world(db_url, {"MM1": a_maker()})
    try:
        order = await world.place("1", limit="429.00")  # rests on the exchange
        new = await world.platform.execute(world.account, cmd.ReplaceOrder(
            AccountId(world.account), order.id, limit_price=Decimal("429.50")))
        await world.settle()

        routing = order_routing(world.platform.store, world.account, new.id)
        assert (routing["status"], routing["venue"], routing["state"]) == (
            "new", "XSIM", "replaced at venue")
        await world.cancel(new.id)
        assert new.status.value == "canceled"
    finally:
        await world.platform.stop()
