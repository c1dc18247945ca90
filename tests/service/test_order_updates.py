"""Committed order changes go out on the event bus (what streams and notifications listen to)."""

from decimal import Decimal

import pytest

from brokerage.service_layer.messagebus import OrderUpdated
from tests.builders import SESSION_TIME
from tests.service.test_oms_money_paths import buy, world  # noqa: F401  (fixture)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_placed_and_filled_order_is_announced_after_commit(world):  # noqa: F811
    platform, venue, account = world
    seen: list[OrderUpdated] = []
    platform.deps.bus.subscribe(OrderUpdated, seen.append)

    placed = await platform.execute(account, buy(account, "2", "100"))
    venue.fill(venue.submitted[-1], Decimal("2"), Decimal("99.5"), SESSION_TIME)
    await platform.partitions[0].drain()

    order_id = placed["id"] if isinstance(placed, dict) else placed.id
    mine = [u for u in seen if u.order_id == order_id]
    assert mine[0].event == "risk_accepted"
    fill = next(u for u in mine if u.event == "filled")
    assert fill.account_id == account
    assert fill.order["status"] == "filled"
    assert Decimal(fill.detail["price"]) == Decimal("99.5")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_nothing_is_built_when_nobody_listens(world):  # noqa: F811
    platform, _, account = world
    await platform.execute(account, buy(account, "1", "100"))
    assert not platform.deps.bus.has_listeners(OrderUpdated)
