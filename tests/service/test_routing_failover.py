"""Breakers, failover and the park queue: a sick venue is avoided, a dead market waits."""

from datetime import timedelta
from decimal import Decimal

from brokerage.domain.ids import AccountId
from brokerage.domain.ledger import customer_cash
from brokerage.domain.orders.types import OrderStatus
from brokerage.read_models.routing import order_routing
from tests.service.routing_builders import a_maker, assert_books_balance, build_world


def venues_tried(world, order_id: str) -> list[tuple[str, str, str | None]]:
    routing = order_routing(world.platform.store, world.account, order_id)
    return [(d["kind"], d["outcome"], d["venue"]) for d in routing["decisions"]]


async def test_a_venue_side_reject_fails_over_trips_the_breaker_and_the_next_order_avoids_it(
        db_url):
    world = await build_world(db_url, {
        "MM1": a_maker(improvement="0.05", reject_rate=1.0),
        "MM2": a_maker(improvement="0.02")})
    try:
        first = await world.place("1")
        second = await world.place("1")

        assert first.status == second.status == OrderStatus.FILLED
        assert venues_tried(world, first.id) == [("new", "routed", "MM1"),
                                                 ("failover", "routed", "MM2")]
        assert venues_tried(world, second.id) == [("new", "routed", "MM2")]
        candidates = order_routing(world.platform.store, world.account,
                                   second.id)["decisions"][0]["candidates"]
        assert {c["venue"]: c["reason"] for c in candidates}["MM1"] == "ROUTE_BREAKER_OPEN"
        assert world.router.breaker_states()["MM1"] == "open"
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()


async def test_a_venue_that_does_not_ack_in_time_trips_its_breaker(db_url):
    world = await build_world(db_url, {
        "MM1": a_maker(improvement="0.05", latency=timedelta(hours=1)),
        "MM2": a_maker(improvement="0.02")}, ack_timeout=timedelta(seconds=2))
    try:
        stuck = await world.place("1")
        await world.settle(timedelta(seconds=3))
        assert world.router.breaker_states()["MM1"] == "open"

        second = await world.place("1")

        assert stuck.status == OrderStatus.ACCEPTED  # still at MM1: it may yet fill there
        assert second.status == OrderStatus.FILLED
        assert venues_tried(world, second.id) == [("new", "routed", "MM2")]
        await world.settle(timedelta(hours=1))  # MM1 answers at last: the fill is booked
        assert stuck.status == OrderStatus.FILLED
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()


async def test_with_every_venue_down_orders_park_and_drain_when_one_returns(db_url):
    world = await build_world(db_url, {"MM1": a_maker(), "MM2": a_maker()},
                              with_exchange=False, cool_down=timedelta(seconds=5))
    try:
        for maker in world.makers.values():
            maker.go_down()
        kept = await world.place("1")
        dropped = await world.place("1")
        assert kept.status == dropped.status == OrderStatus.ACCEPTED
        assert venues_tried(world, kept.id) == [("new", "parked", None)]
        assert order_routing(world.platform.store, world.account, kept.id)["state"] == "parked"
        await world.cancel(dropped.id)
        assert dropped.status == OrderStatus.CANCELED

        world.makers["MM2"].come_up()
        await world.settle(timedelta(seconds=6))

        assert kept.status == OrderStatus.FILLED
        assert venues_tried(world, kept.id)[-1] == ("drain", "routed", "MM2")
        assert len(world.router.parked) == 0
        cash = world.state().ledger.balance(customer_cash(AccountId(world.account)), "USD")
        assert cash.debits_pending == 0
        assert cash.posted == Decimal("1000") - Decimal("430.45")
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()
