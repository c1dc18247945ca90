"""Routing decisions are durable before the order leaves, and a restart resumes through them."""

from datetime import timedelta

from sqlalchemy import func, select

from brokerage.adapters.db import tables
from brokerage.domain.orders.types import OrderStatus
from brokerage.read_models.queries import get_order
from brokerage.read_models.routing import order_routing
from tests.service.routing_builders import a_maker, build_world


async def test_the_decision_is_committed_before_the_venue_sees_the_order(db_url):
    world = await build_world(db_url, {"MM1": a_maker()})
    try:
        seen_in_db: list[int] = []
        maker = world.makers["MM1"]
        real_submit = maker.submit

        def submit(participant, request):
            d = tables.routing_decisions
            with world.platform.store.read() as conn:
                seen_in_db.append(conn.execute(select(func.count()).select_from(d).where(
                    d.c.order_id == request.cl_ord_id)).scalar_one())
            real_submit(participant, request)

        maker.submit = submit  # type: ignore[method-assign]
        order = await world.place("1")

        assert seen_in_db == [1]
        assert order.status == OrderStatus.FILLED
    finally:
        await world.platform.stop()


async def test_an_order_parked_when_the_process_stopped_is_routed_after_the_restart(db_url):
    first = await build_world(db_url, {"MM1": a_maker()}, with_exchange=False)
    first.makers["MM1"].go_down()
    order = await first.place("1")
    assert order.status == OrderStatus.ACCEPTED  # parked, in memory only
    await first.platform.stop()

    second = await build_world(db_url, {"MM1": a_maker()}, with_exchange=False,
                               fresh_account=False)
    try:
        await second.settle(timedelta(seconds=1))
        view = get_order(second.platform, order.account_id, order.id)
        assert view["status"] == "filled"
        assert view["fills"][0]["venue"] == "MM1"
        routing = order_routing(second.platform.store, order.account_id, order.id)
        assert [(d["outcome"], d["venue"]) for d in routing["decisions"]] == [
            ("parked", None), ("routed", "MM1")]
    finally:
        await second.platform.stop()


async def test_after_a_restart_open_orders_are_mapped_to_their_venue_from_the_decisions(db_url):
    first = await build_world(db_url, {"MM1": a_maker()})
    resting = await first.place("1", limit="429.00")
    assert first.router.holder_of(resting.id) == "XSIM"
    await first.platform.stop()

    second = await build_world(db_url, {"MM1": a_maker()}, fresh_account=False)
    try:
        assert second.router.holder_of(resting.id) == "XSIM"
    finally:
        await second.platform.stop()
