"""Canceling a bracket / OTO exit by its own id, held or working (Alpaca's semantics)."""

from decimal import Decimal

import pytest

from brokerage.domain.ids import AccountId
from brokerage.domain.orders.classes import LinkPhase
from brokerage.domain.orders.types import OrderStatus
from brokerage.read_models import alpaca as reads
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import NotFound
from tests.builders import linked_order, new_customer, settle, started_platform
from tests.service.test_oms_money_paths import assert_books_balance
from tests.service.test_order_classes import (
    SlowCancelVenue,
    bracket_filled,
    fill,
    now,
    order,
    shares,
)


@pytest.fixture
async def world(db_url: str):
    venue = SlowCancelVenue()
    platform = await started_platform(db_url, venue)
    account = await new_customer(platform)
    await platform.execute(account, cmd.Deposit(AccountId(account), Decimal("1000")))
    yield platform, venue, account
    await platform.stop()


async def held_bracket(platform, account, order_class="bracket", **kw):
    entry = await platform.execute(account, linked_order(account, order_class, "2", **kw))
    await settle(platform)
    return entry, platform.state_for(account).links[entry.id]


def cancel(account, order_id):
    return cmd.CancelOrder(AccountId(account), order_id)


async def test_canceling_a_held_take_profit_cancels_both_exits_and_the_entry_works_on(world):
    platform, venue, account = world
    entry, group = await held_bracket(platform, account)
    assert reads.held_exit(platform, account, group.limit_leg)["status"] == "held"
    canceled = await platform.execute(account, cancel(account, group.limit_leg))
    await settle(platform)
    assert canceled.id == group.limit_leg and canceled.status is OrderStatus.CANCELED
    assert group.phase is LinkPhase.DONE
    assert entry.status is OrderStatus.NEW and entry.id not in platform.state_for(account).links
    for leg in (group.limit_leg, group.stop_leg):
        assert reads.order(platform, account, leg)["status"] == "canceled"
    await fill(platform, venue, entry.id, "2", "100")
    assert [r.cl_ord_id for r in venue.submitted] == [entry.id]  # no exit ever starts
    assert shares(platform, account).available == 2
    assert_books_balance(platform)


async def test_canceling_a_held_oto_exit_leaves_a_plain_entry(world):
    platform, _, account = world
    entry, group = await held_bracket(platform, account, "oto", take_profit=None)
    await platform.execute(account, cancel(account, group.stop_leg))
    await settle(platform)
    assert reads.order(platform, account, group.stop_leg)["status"] == "canceled"
    assert entry.status is OrderStatus.NEW and group.phase is LinkPhase.DONE
    assert_books_balance(platform)


async def test_a_held_exit_cannot_be_canceled_twice_or_by_another_account(world):
    platform, _, account = world
    _, group = await held_bracket(platform, account)
    other = await new_customer(platform, "bob@example.com")
    with pytest.raises(NotFound):
        await platform.execute(other, cancel(other, group.stop_leg))
    await platform.execute(account, cancel(account, group.stop_leg))
    await settle(platform)
    with pytest.raises(NotFound):
        await platform.execute(account, cancel(account, group.stop_leg))
    assert reads.held_exit(platform, account, group.stop_leg) is None


async def test_canceling_a_working_stop_exit_cancels_the_take_profit_and_frees_the_shares(
        world):
    platform, venue, account = world
    _, group = await bracket_filled(platform, venue, account)
    await platform.execute(account, cancel(account, group.stop_leg))
    await settle(platform)
    assert order(platform, account, group.stop_leg) is None  # done
    assert [c.orig_cl_ord_id for c in venue.canceled] == [group.limit_leg]
    venue.confirm_cancel(venue.canceled[0], now(platform))
    await settle(platform)
    assert reads.order(platform, account, group.limit_leg)["status"] == "canceled"
    assert shares(platform, account).available == 2
    assert_books_balance(platform)
