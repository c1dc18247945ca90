"""Group commit with pipelining: a failed commit acknowledges nothing, and the batch applied
behind it is applied again on the reloaded state before it may commit."""

import asyncio
import threading
from decimal import Decimal

import pytest

from brokerage.adapters.db.audit import verify_chain
from brokerage.domain.execution import TradePrint
from brokerage.domain.ids import AccountId, VenueId
from brokerage.service_layer import commands as cmd
from tests.builders import SESSION_TIME, make_platform, new_customer
from tests.fakes import FakeVenue
from tests.service.test_oms_money_paths import AAPL, assert_books_balance, buy, cash


class FailingStore:
    """Fail the next commit, after holding it until the test lets it go."""

    def __init__(self, inner):
        self.inner = inner
        self.fail_next = False
        self.entered = threading.Event()
        self.release = threading.Event()

    def commit(self, batch):
        if self.fail_next:
            self.fail_next = False
            self.entered.set()
            self.release.wait(30)
            raise RuntimeError("the disk is full")
        self.inner.commit(batch)


@pytest.fixture
async def world(db_url: str):
    venue = FakeVenue()
    venue.last[AAPL] = TradePrint(VenueId("FAKE"), AAPL, Decimal("100"), Decimal("1"),
                                  SESSION_TIME)
    platform = make_platform(db_url, venue=venue)
    await platform.start()
    account = await new_customer(platform)
    await platform.execute(account, cmd.Deposit(AccountId(account), Decimal("1000")))
    store = FailingStore(platform.partitions[0]._store)
    platform.partitions[0]._store = store
    yield platform, venue, account, store
    store.release.set()
    await platform.stop()


async def until(predicate) -> None:
    for _ in range(3000):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_a_failed_commit_answers_with_the_error_and_keeps_nothing(world, db_url):
    platform, venue, account, store = world
    store.fail_next = True
    store.release.set()

    with pytest.raises(RuntimeError, match="disk is full"):
        await platform.execute(account, buy(account, "2", "100.00"))

    assert platform.state_for(account).orders == {}
    assert cash(platform, account).available == Decimal("1000")
    assert venue.submitted == []
    assert_books_balance(platform)


async def test_the_batch_behind_a_failed_commit_is_applied_again_and_committed(world, db_url):
    platform, venue, account, store = world
    partition = platform.partitions[0]
    store.fail_next = True
    first = asyncio.ensure_future(platform.execute(account, buy(account, "2", "100.00")))
    await until(store.entered.is_set)  # the first batch is committing
    second = asyncio.ensure_future(platform.execute(account, buy(account, "3", "100.00")))
    await until(lambda: not partition._commands)  # the second batch is applied behind it
    await asyncio.sleep(0.05)

    store.release.set()

    with pytest.raises(RuntimeError):
        await first
    order = await second
    assert set(platform.state_for(account).orders) == {order.id}
    assert cash(platform, account).available == Decimal("700")
    assert [r.cl_ord_id for r in venue.submitted] == [order.id]
    assert_books_balance(platform)
    reloaded = platform.loader(0)
    assert reloaded.ledger.balances() == platform.state_for(account).ledger.balances()
    assert verify_chain(platform.store.engine).ok
