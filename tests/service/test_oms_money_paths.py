"""The OMS on a real database (SQLite and PostgreSQL): every money path keeps its invariants."""

import asyncio
from decimal import Decimal

import pytest

from brokerage.adapters.db.audit import verify_chain
from brokerage.domain.ids import AccountId, ClientOrderId, Symbol
from brokerage.domain.ledger import customer_cash, dangling_holds
from brokerage.domain.orders.types import OrderStatus, OrderType, Side, TimeInForce
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import Refused
from tests.builders import SESSION_TIME, funded_world, settle

AAPL = Symbol("AAPL")


def buy(account: str, quantity: str, limit: str | None = None, **kw: object) -> cmd.PlaceOrder:
    return cmd.PlaceOrder(
        account_id=AccountId(account), symbol=AAPL, side=Side.BUY,
        order_type=OrderType.LIMIT if limit else OrderType.MARKET,
        time_in_force=TimeInForce.DAY, quantity=Decimal(quantity),
        limit_price=Decimal(limit) if limit else None, **kw)  # type: ignore[arg-type]


def sell(account: str, quantity: str) -> cmd.PlaceOrder:
    return cmd.PlaceOrder(account_id=AccountId(account), symbol=AAPL, side=Side.SELL,
                          order_type=OrderType.MARKET, time_in_force=TimeInForce.DAY,
                          quantity=Decimal(quantity))


@pytest.fixture
async def world(db_url: str):
    async with funded_world(db_url) as world:
        yield world


def cash(platform, account):
    state = platform.state_for(account)
    return state.ledger.balance(customer_cash(AccountId(account)), "USD")


def assert_books_balance(platform):
    for partition in platform.partitions:
        state = partition.state
        state.ledger.check_invariants()
        assert state.ledger.totals("USD") == 0
        open_refs = set(state.orders)
        assert dangling_holds(state.ledger, open_refs) == []



async def test_a_limit_buy_holds_its_cost_and_a_fill_posts_it(world):
    platform, venue, account = world
    order = await platform.execute(account, buy(account, "2", "150.00"))
    await settle(platform)
    assert order.status == OrderStatus.NEW
    assert cash(platform, account).debits_pending == Decimal("300.00")
    venue.fill(venue.submitted[0], Decimal("2"), Decimal("149.50"), platform.deps.clock.now())
    await settle(platform)
    assert order.status == OrderStatus.FILLED
    balance = cash(platform, account)
    assert balance.posted == Decimal("1000") - Decimal("299.00")
    assert balance.debits_pending == 0  # the unused $1.00 of the hold is released
    position = platform.state_for(account).positions[(account, AAPL)]
    assert position.quantity == 2
    assert_books_balance(platform)


async def test_a_duplicate_execution_is_booked_once(world):
    platform, venue, account = world
    await platform.execute(account, buy(account, "4", "100.00"))
    await settle(platform)
    report = venue.fill(venue.submitted[0], Decimal("1"), Decimal("99"),
                        platform.deps.clock.now(), exec_id="X1")
    platform.on_report(report)  # the venue resends it
    await settle(platform)
    position = platform.state_for(account).positions[(account, AAPL)]
    assert position.quantity == 1
    assert cash(platform, account).posted == Decimal("901")
    assert_books_balance(platform)


async def test_a_sell_realizes_profit_fifo_and_leaves_the_proceeds_unsettled(world):
    platform, venue, account = world
    await platform.execute(account, buy(account, "3", "100.00"))
    await settle(platform)
    venue.fill(venue.submitted[0], Decimal("3"), Decimal("100"), platform.deps.clock.now())
    await settle(platform)
    await platform.execute(account, sell(account, "2"))
    await settle(platform)
    venue.fill(venue.submitted[1], Decimal("2"), Decimal("110"), platform.deps.clock.now())
    await settle(platform)
    state = platform.state_for(account)
    position = state.positions[(account, AAPL)]
    assert position.quantity == 1
    assert position.realized_pnl == Decimal("20")
    assert state.unsettled_proceeds(AccountId(account)) == Decimal("220")
    assert_books_balance(platform)


async def test_cancel_releases_the_hold(world):
    platform, _, account = world
    order = await platform.execute(account, buy(account, "5", "100.00"))
    await settle(platform)
    await platform.execute(account, cmd.CancelOrder(AccountId(account), order.id))
    await settle(platform)
    assert order.status == OrderStatus.CANCELED
    assert cash(platform, account).available == Decimal("1000")
    assert_books_balance(platform)


async def test_a_buy_beyond_buying_power_is_rejected_and_stored(world):
    platform, _, account = world
    order = await platform.execute(account, buy(account, "100", "150.00"))
    assert order.status == OrderStatus.REJECTED
    assert order.reject_code == "RISK_INSUFFICIENT_BUYING_POWER"
    assert cash(platform, account).available == Decimal("1000")


async def test_malformed_orders_are_refused_and_change_nothing(world):
    platform, _, account = world
    batches = platform.partitions[0].batches_committed
    with pytest.raises(Refused) as refused:
        await platform.execute(account, buy(account, "-1", "150.00"))
    assert refused.value.code == "ORDER_INVALID_QUANTITY"
    assert platform.partitions[0].batches_committed == batches


async def test_a_client_order_id_retry_returns_the_first_order(world):
    platform, venue, account = world
    first = await platform.execute(account, buy(account, "1", "100.00",
                                                client_order_id=ClientOrderId("abc")))
    again = await platform.execute(account, buy(account, "1", "100.00",
                                                client_order_id=ClientOrderId("abc")))
    assert again.id == first.id
    assert len(venue.submitted) == 1


async def test_concurrent_orders_never_spend_the_same_dollar(world):
    platform, _, account = world
    # Each order needs 20% of the cash: exactly five fit.
    orders = await asyncio.gather(*(platform.execute(account, buy(account, "2", "100.00"))
                                    for _ in range(100)))
    accepted = [o for o in orders if o.status != OrderStatus.REJECTED]
    rejected = [o for o in orders if o.status == OrderStatus.REJECTED]
    assert len(accepted) == 5
    assert {o.reject_code for o in rejected} == {"RISK_INSUFFICIENT_BUYING_POWER"}
    assert cash(platform, account).available == 0
    assert_books_balance(platform)


async def test_reloading_from_the_database_gives_the_same_state(world, db_url):
    platform, venue, account = world
    await platform.execute(account, buy(account, "3", "100.00"))
    await settle(platform)
    venue.fill(venue.submitted[0], Decimal("1"), Decimal("99"), platform.deps.clock.now())
    await settle(platform)
    live = platform.state_for(account)
    reloaded = platform.loader(0)
    assert reloaded.ledger.balances() == live.ledger.balances()
    assert set(reloaded.orders) == set(live.orders)
    assert reloaded.positions[(account, AAPL)].lots == live.positions[(account, AAPL)].lots
    assert verify_chain(platform.store.engine).ok


async def test_settlement_makes_deposits_and_proceeds_withdrawable(world):
    platform, _, account = world
    await platform.execute(account, cmd.Deposit(AccountId(account), Decimal("5000")))
    with pytest.raises(Refused) as refused:
        await platform.execute(account, cmd.Withdraw(AccountId(account), Decimal("10")))
    assert refused.value.code == "FUNDING_INSUFFICIENT_WITHDRAWABLE"
    from datetime import timedelta

    platform.deps.clock.advance(timedelta(days=1))
    assert await platform.settle() == 2
    record = await platform.execute(account, cmd.Withdraw(AccountId(account), Decimal("10")))
    assert record.amount == Decimal("10")
    assert cash(platform, account).posted == Decimal("5990")
    assert_books_balance(platform)


async def test_a_replace_moves_the_hold_to_the_new_version(world):
    platform, _, account = world
    old = await platform.execute(account, buy(account, "2", "100.00"))
    await settle(platform)
    new = await platform.execute(account, cmd.ReplaceOrder(AccountId(account), old.id,
                                                           limit_price=Decimal("95.00")))
    await settle(platform)
    assert old.status == OrderStatus.REPLACED
    assert new.status == OrderStatus.NEW and new.replaces == old.id
    assert cash(platform, account).debits_pending == Decimal("190.00")
    assert platform.state_for(account).ledger.open_holds(ref=old.id) == []
    assert_books_balance(platform)


async def test_a_replace_needing_more_than_buying_power_is_refused_and_changes_nothing(world):
    platform, _, account = world
    old = await platform.execute(account, buy(account, "5", "100.00"))
    await settle(platform)
    with pytest.raises(Refused) as refused:
        await platform.execute(account, cmd.ReplaceOrder(AccountId(account), old.id,
                                                         quantity=Decimal("20")))
    assert refused.value.code == "RISK_INSUFFICIENT_BUYING_POWER"
    assert old.status == OrderStatus.NEW
    assert cash(platform, account).debits_pending == Decimal("500.00")
    assert_books_balance(platform)


async def test_a_notional_buy_filled_below_its_collar_completes_and_frees_the_rest(world):
    platform, venue, account = world
    order = await platform.execute(account, cmd.PlaceOrder(
        account_id=AccountId(account), symbol=AAPL, side=Side.BUY, order_type=OrderType.MARKET,
        time_in_force=TimeInForce.DAY, quantity=None, notional=Decimal("100")))
    await settle(platform)
    sent = venue.submitted[-1]  # sized at the collar price (last 100 + 5%)
    venue.fill(sent, sent.quantity, Decimal("99.00"), SESSION_TIME)
    await settle(platform)

    from brokerage.read_models import queries

    done = queries.get_order(platform, account, order.id)
    assert done["status"] == "filled"
    balance = cash(platform, account)
    assert balance.available == balance.posted  # nothing is held any more
    spent = Decimal("1000") - balance.posted
    assert spent == (sent.quantity * Decimal("99.00")).quantize(Decimal("0.0001"))
    assert_books_balance(platform)
