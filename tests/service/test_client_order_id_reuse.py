"""Reusing a client_order_id after its order is terminal (opt-in), on both databases."""


import pytest
from sqlalchemy import select

from brokerage.adapters.db import tables
from brokerage.domain.ids import AccountId, ClientOrderId, Symbol
from brokerage.domain.orders.types import OrderStatus
from brokerage.read_models import alpaca as reads
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import Refused
from tests.builders import funded_world, settle, started_platform
from tests.service.test_oms_money_paths import assert_books_balance, buy

AAPL = Symbol("AAPL")
CID = ClientOrderId("bot-order-1")


@pytest.fixture
async def world(db_url: str):
    async with funded_world(db_url) as (platform, venue, account):
        yield platform, venue, account, db_url


def limit_buy(account, reuse):
    return buy(account, "1", "90.00", client_order_id=CID, reuse_client_order_id=reuse)


async def canceled_order(platform, venue, account):
    first = await platform.execute(account, limit_buy(account, reuse=False))
    await settle(platform)
    await platform.execute(account, cmd.CancelOrder(AccountId(account), first.id))
    await settle(platform)
    assert first.status is OrderStatus.CANCELED
    return first


def stored_uses(platform, account):
    t = tables.orders
    query = (select(t.c.id, t.c.client_order_seq)
             .where(t.c.account_id == account, t.c.client_order_id == CID)
             .order_by(t.c.client_order_seq))
    with platform.store.read() as conn:
        return [(r.id, r.client_order_seq) for r in conn.execute(query)]


async def test_a_terminal_orders_client_id_is_refused_without_the_opt_in(world):
    platform, venue, account, _ = world
    first = await canceled_order(platform, venue, account)
    with pytest.raises(Refused) as refused:
        await platform.execute(account, limit_buy(account, reuse=False))
    assert refused.value.code == "DUPLICATE_CLIENT_ORDER_ID" and refused.value.status == 409
    assert stored_uses(platform, account) == [(first.id, 0)]


async def test_an_open_orders_client_id_is_never_reused_even_with_the_opt_in(world):
    platform, _, account, _ = world
    first = await platform.execute(account, limit_buy(account, reuse=False))
    await settle(platform)
    again = await platform.execute(account, limit_buy(account, reuse=True))
    assert again is first  # the retry answers with the working order, as before
    assert stored_uses(platform, account) == [(first.id, 0)]


async def test_with_the_opt_in_a_terminal_orders_client_id_places_a_new_order(world):
    platform, venue, account, _ = world
    first = await canceled_order(platform, venue, account)
    second = await platform.execute(account, limit_buy(account, reuse=True))
    await settle(platform)
    assert second.id != first.id and second.status is OrderStatus.NEW
    assert (second.client_order_id, second.client_order_seq) == (CID, 1)
    assert stored_uses(platform, account) == [(first.id, 0), (second.id, 1)]
    assert reads.order_by_client_id(platform, account, CID)["id"] == second.id
    assert_books_balance(platform)


async def test_the_newest_use_survives_a_restart_and_can_be_reused_again(world):
    platform, venue, account, db_url = world
    await canceled_order(platform, venue, account)
    second = await platform.execute(account, limit_buy(account, reuse=True))
    await settle(platform)
    await platform.stop()
    platform = await started_platform(db_url, venue)
    try:
        again = await platform.execute(account, limit_buy(account, reuse=True))
        assert again.id == second.id  # still open: the same order, not a third
        await platform.execute(account, cmd.CancelOrder(AccountId(account), second.id))
        await settle(platform)
        third = await platform.execute(account, limit_buy(account, reuse=True))
        await settle(platform)
        assert third.client_order_seq == 2
        assert [seq for _, seq in stored_uses(platform, account)] == [0, 1, 2]
        assert_books_balance(platform)
    finally:
        await platform.stop()
