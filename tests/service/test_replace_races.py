"""A fill that races a replace of a partially filled order (the fake venue plays the race).

The venue fills the old version before it sees our replace: the fill is the old version's,
and the new version, confirmed afterwards, covers (and holds for) only what is left then.
"""

from decimal import Decimal

import pytest

from brokerage.adapters.db.audit import verify_chain
from brokerage.domain.execution import ExecType, VenueOrdStatus
from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.ledger import customer_cash, dangling_holds
from brokerage.domain.orders.types import OrderStatus, OrderType, Side, TimeInForce
from brokerage.service_layer import commands as cmd
from tests.builders import SESSION_TIME, funded_world, settle

AAPL = Symbol("AAPL")
NOW = SESSION_TIME


@pytest.fixture
async def world(db_url: str):
    async with funded_world(db_url, at=NOW) as world:
        yield world



async def partly_filled_buy(platform, venue, account):
    """A buy of 10 at 100.00 (all the cash held) with 4 filled."""
    order = await platform.execute(account, cmd.PlaceOrder(
        account_id=AccountId(account), symbol=AAPL, side=Side.BUY, order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.DAY, quantity=Decimal("10"), limit_price=Decimal("100.00")))
    await settle(platform)
    request = venue.submitted[-1]
    venue.fill(request, Decimal("4"), Decimal("100.00"), NOW)
    await settle(platform)
    return order, request


def race(venue, then) -> None:
    """Make the venue fill 2 of the old version just before it handles the replace."""
    def replace(participant, request):
        venue.fill(next(r for r in venue.submitted if r.cl_ord_id == request.orig_cl_ord_id),
                   Decimal("2"), Decimal("100.00"), NOW, exec_id="RACE-1")
        then(participant, request)

    venue.replace = replace


def cash(platform, account):
    return platform.state_for(account).ledger.balance(customer_cash(AccountId(account)), "USD")


def assert_sound(platform) -> None:
    for partition in platform.partitions:
        partition.state.ledger.check_invariants()
        assert dangling_holds(partition.state.ledger, set(partition.state.orders)) == []
    assert verify_chain(platform.store.engine).ok


async def test_a_fill_racing_the_replace_shrinks_the_new_version_and_its_hold(world):
    platform, venue, account = world
    old, _ = await partly_filled_buy(platform, venue, account)
    race(venue, venue.replace)

    new = await platform.execute(account, cmd.ReplaceOrder(
        AccountId(account), old.id, quantity=Decimal("10"), limit_price=Decimal("99.00")))
    await settle(platform)

    assert (old.status, old.filled_quantity) == (OrderStatus.REPLACED, 6)
    assert (new.status, new.prior_filled_quantity, new.quantity, new.total_quantity) == (
        OrderStatus.NEW, 6, 4, 10)
    assert cash(platform, account).debits_pending == Decimal("396.00")
    venue.fill(venue.replaced[-1], Decimal("4"), Decimal("99.00"), NOW)
    await settle(platform)
    assert new.status == OrderStatus.FILLED
    assert (cash(platform, account).posted, cash(platform, account).debits_pending) == (
        Decimal("4.00"), 0)
    assert platform.state_for(account).positions[(account, AAPL)].quantity == 10
    assert_sound(platform)


async def test_a_venue_that_ends_the_order_instead_of_replacing_it_cancels_both_versions(world):
    platform, venue, account = world
    old, _ = await partly_filled_buy(platform, venue, account)

    def cancel_instead(participant, request):  # nothing is left above the new total of 6
        venue._send(request.cl_ord_id, request.orig_cl_ord_id, request.symbol, request.side,
                    ExecType.CANCELED, VenueOrdStatus.CANCELED, Decimal(0), Decimal(0),
                    Decimal(0), NOW)

    race(venue, cancel_instead)
    new = await platform.execute(account, cmd.ReplaceOrder(AccountId(account), old.id,
                                                           quantity=Decimal("6")))
    await settle(platform)

    assert (old.status, old.filled_quantity, new.status) == (
        OrderStatus.CANCELED, 6, OrderStatus.CANCELED)
    assert (cash(platform, account).posted, cash(platform, account).debits_pending) == (
        Decimal("400.00"), 0)
    assert_sound(platform)
