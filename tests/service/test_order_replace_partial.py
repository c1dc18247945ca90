"""Replacing a partially filled order through the in-process exchange (FIX 4.4 semantics).

The customer's new quantity is the new TOTAL; the old version keeps its fills, the new one
covers what is left and holds for it at its price. The exchange's book is 430.00 x 430.50.
"""

from decimal import Decimal

import pytest

from brokerage.adapters.db.audit import verify_chain
from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.ledger import customer_cash, customer_securities
from brokerage.domain.orders.types import OrderStatus, OrderType, Side, TimeInForce
from brokerage.read_models.queries import get_order
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import Refused
from tests.service.routing_builders import AAPL, World, assert_books_balance, build_world

DEPOSIT = Decimal("19000")
START = DEPOSIT + Decimal("1000")  # build_world deposits $1,000 first; all usable at once


@pytest.fixture
async def world(db_url):
    built = await build_world(db_url, {}, instant_deposit_limit_usd=START)
    await built.platform.execute(built.account, cmd.Deposit(AccountId(built.account), DEPOSIT))
    yield built
    await built.platform.stop()


async def limit(world: World, side: Side, quantity: str, price: str) -> object:
    order = await world.platform.execute(world.account, cmd.PlaceOrder(
        account_id=AccountId(world.account), symbol=AAPL, side=side, order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.DAY, quantity=Decimal(quantity), limit_price=Decimal(price)))
    await world.settle()
    return order


async def replace(world: World, order_id: str, quantity: str | None = None,
                  price: str | None = None) -> object:
    new = await world.platform.execute(world.account, cmd.ReplaceOrder(
        AccountId(world.account), order_id,  # type: ignore[arg-type]
        quantity=Decimal(quantity) if quantity else None,
        limit_price=Decimal(price) if price else None))
    await world.settle()
    return new


def cash(world: World):
    return world.state().ledger.balance(customer_cash(AccountId(world.account)), "USD")


def shares(world: World):
    account = customer_securities(AccountId(world.account), Symbol("AAPL"))
    return world.state().ledger.balance(account, "AAPL")


def assert_all_sound(world: World) -> None:
    assert_books_balance(world.platform)
    assert verify_chain(world.platform.store.engine).ok


async def a_partly_filled_buy(world: World) -> object:
    """A buy of 10 at 430.10 (the best bid) with 4 filled by the street."""
    old = await limit(world, Side.BUY, "10", "430.10")
    world.provide(Side.SELL, "4", "430.10", "street-s1")
    await world.settle()
    assert (old.status, old.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, 4)
    assert cash(world).debits_pending == 6 * Decimal("430.10")
    return old


async def test_a_partly_filled_buy_replaced_up_holds_the_rest_at_the_new_price_and_fills(world):
    old = await a_partly_filled_buy(world)

    new = await replace(world, old.id, quantity="12", price="430.20")

    assert (old.status, old.filled_quantity, old.replaced_by) == (
        OrderStatus.REPLACED, 4, new.id)
    assert (new.status, new.replaces, new.quantity, new.filled_quantity) == (
        OrderStatus.NEW, old.id, 8, 0)
    assert (new.prior_filled_quantity, new.total_quantity, new.cum_quantity) == (4, 12, 4)
    assert cash(world).debits_pending == 8 * Decimal("430.20")
    assert world.state().ledger.open_holds(ref=old.id) == []
    at_venue = world.exchange.order_status("oms", new.id)
    assert (at_venue.cum_qty, at_venue.leaves_qty) == (4, 8)  # FIX: CumQty carried over
    world.provide(Side.SELL, "8", "430.20", "street-s2")
    await world.settle()

    assert (new.status, new.filled_quantity, new.cum_quantity) == (OrderStatus.FILLED, 8, 12)
    assert world.state().positions[(world.account, AAPL)].quantity == 12
    spent = 4 * Decimal("430.10") + 8 * Decimal("430.20")
    assert (cash(world).posted, cash(world).debits_pending) == (START - spent, 0)
    views = [get_order(world.platform, world.account, o.id) for o in (old, new)]
    assert [len(v["fills"]) for v in views] == [1, 1]  # each version shows its own fills
    assert_all_sound(world)


async def test_a_partly_filled_buy_replaced_down_releases_part_of_its_hold_then_cancels(world):
    old = await a_partly_filled_buy(world)

    new = await replace(world, old.id, quantity="6", price="430.00")

    assert (new.status, new.quantity, new.total_quantity) == (OrderStatus.NEW, 2, 6)
    assert cash(world).debits_pending == 2 * Decimal("430.00")
    await world.cancel(new.id)

    assert (new.status, old.status) == (OrderStatus.CANCELED, OrderStatus.REPLACED)
    assert (cash(world).posted, cash(world).debits_pending) == (
        START - 4 * Decimal("430.10"), 0)
    assert world.state().positions[(world.account, AAPL)].quantity == 4
    assert_all_sound(world)


@pytest.mark.parametrize("quantity", ["4", "3"])
async def test_a_replace_at_or_below_the_filled_quantity_is_refused_and_changes_nothing(
        world, quantity):
    old = await a_partly_filled_buy(world)
    held = cash(world)
    orders = set(world.state().orders)

    with pytest.raises(Refused) as refused:
        await replace(world, old.id, quantity=quantity)

    assert refused.value.code == "ORDER_REPLACE_BELOW_FILLED"
    assert (old.status, old.filled_quantity, old.replaced_by) == (
        OrderStatus.PARTIALLY_FILLED, 4, None)
    assert cash(world) == held and set(world.state().orders) == orders
    at_venue = world.exchange.order_status("oms", old.id)
    assert (at_venue.cum_qty, at_venue.leaves_qty) == (4, 6)
    world.provide(Side.SELL, "6", "430.10", "street-s2")  # the old version still works
    await world.settle()
    assert old.status == OrderStatus.FILLED
    assert_all_sound(world)


async def test_a_partly_filled_sell_replaced_holds_only_the_shares_left(world):
    bought = await world.place("10")  # at the ask, 430.50
    assert bought.status == OrderStatus.FILLED
    old = await limit(world, Side.SELL, "10", "430.40")
    world.provide(Side.BUY, "3", "430.40", "street-b1")
    await world.settle()
    assert shares(world).debits_pending == 7

    new = await replace(world, old.id, quantity="8", price="430.45")

    assert (new.quantity, new.total_quantity, shares(world).debits_pending) == (5, 8, 5)
    world.provide(Side.BUY, "5", "430.45", "street-b2")
    await world.settle()
    assert (old.filled_quantity, new.status, new.filled_quantity) == (3, OrderStatus.FILLED, 5)
    assert world.state().positions[(world.account, AAPL)].quantity == 2
    assert shares(world).posted == 2 and shares(world).debits_pending == 0
    assert_all_sound(world)


async def test_replacing_a_replacement_carries_every_earlier_fill(world):
    first = await a_partly_filled_buy(world)
    second = await replace(world, first.id, quantity="10", price="430.20")
    world.provide(Side.SELL, "2", "430.20", "street-s2")
    await world.settle()

    third = await replace(world, second.id, quantity="9")

    assert (third.prior_filled_quantity, third.quantity, third.total_quantity) == (6, 3, 9)
    assert cash(world).debits_pending == 3 * Decimal("430.20")
    await world.cancel(third.id)
    assert [o.filled_quantity for o in (first, second, third)] == [4, 2, 0]
    assert world.state().positions[(world.account, AAPL)].quantity == 6
    assert cash(world).debits_pending == 0
    assert_all_sound(world)
