"""Cancels through the router: a fill that beats the cancel is booked; the final state is right."""

from datetime import timedelta
from decimal import Decimal

from brokerage.domain.orders.types import OrderStatus, Side
from tests.service.routing_builders import (
    AAPL,
    ASK,
    a_maker,
    assert_books_balance,
    build_world,
)


async def test_a_fill_that_beats_the_cancel_is_booked_and_the_order_ends_filled(db_url):
    world = await build_world(db_url, {"MM1": a_maker(latency=timedelta(seconds=1))})
    try:
        order = await world.place("2")
        await world.cancel(order.id)
        assert order.status == OrderStatus.PENDING_CANCEL

        await world.settle(timedelta(seconds=1))  # the fill, then "too late to cancel"

        assert order.status == OrderStatus.FILLED
        assert order.filled_quantity == 2
        assert world.state().positions[(world.account, AAPL)].quantity == 2
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()


async def test_a_partial_fill_before_the_cancel_is_kept_and_the_rest_is_canceled(db_url):
    world = await build_world(db_url, {"MM1": a_maker()})
    try:
        order = await world.place("2", limit="430.40")  # rests on the exchange
        world.provide(Side.SELL, "1", "430.40", "lp-cross")  # fills one share

        await world.cancel(order.id)

        assert order.status == OrderStatus.CANCELED
        assert order.filled_quantity == 1
        assert world.state().positions[(world.account, AAPL)].quantity == 1
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()


async def test_a_duplicate_report_from_a_venue_is_booked_once(db_url):
    world = await build_world(db_url, {"MM1": a_maker()})
    try:
        order = await world.place("1")
        fill = next(r for r in world.makers["MM1"].executions("oms") if r.last_qty > 0)

        world.platform.on_report(fill)  # resent after a reconnect
        await world.settle()

        assert world.state().positions[(world.account, AAPL)].quantity == 1
        assert order.filled_quantity == 1
        assert fill.last_px == ASK - Decimal("0.05")
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()
