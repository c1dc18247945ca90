"""A fill that arrives after the order closed is booked: it really happened (issue 3).

The fake venue confirms a cancel at once; the test then reports a fill for the canceled order,
as a venue does when the trade crossed the cancel on the wire.
"""

import dataclasses
from decimal import Decimal

import pytest
from sqlalchemy import select

from brokerage.adapters.db import tables
from brokerage.adapters.db.audit import verify_chain
from brokerage.domain.execution import ExecType
from brokerage.domain.ids import AccountId, ExecId, Symbol
from brokerage.domain.ledger import customer_cash, customer_securities, firm_customer_receivable
from brokerage.domain.orders.types import OrderStatus, OrderType, Side, TimeInForce
from brokerage.read_models.routing import fills_around
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.reconciliation import InProcessDropCopies, reconcile_day, trading_day
from tests.builders import SESSION_TIME, funded_world, settle

AAPL = Symbol("AAPL")


@pytest.fixture
async def world(db_url: str):
    async with funded_world(db_url) as world:
        yield world



async def place(platform, account: str, side: Side, quantity: str, limit: str | None = None):
    order = await platform.execute(account, cmd.PlaceOrder(
        account_id=AccountId(account), symbol=AAPL, side=side,
        order_type=OrderType.LIMIT if limit else OrderType.MARKET, time_in_force=TimeInForce.DAY,
        quantity=Decimal(quantity), limit_price=Decimal(limit) if limit else None))
    await settle(platform)
    return order


async def canceled_buy(platform, venue, account: str, quantity: str = "5"):
    """A buy at 100.00 that the venue confirmed canceled, and its request at the venue."""
    order = await place(platform, account, Side.BUY, quantity, "100.00")
    request = venue.submitted[-1]
    await platform.execute(account, cmd.CancelOrder(AccountId(account), order.id))
    await settle(platform)
    assert order.status == OrderStatus.CANCELED
    return order, request


def balance(platform, account: str, asset: str = "USD"):
    state = platform.state_for(account)
    ledger_account = (customer_cash(AccountId(account)) if asset == "USD"
                      else customer_securities(AccountId(account), asset))
    return state.ledger.balance(ledger_account, asset)


def assert_sound(platform) -> None:
    for partition in platform.partitions:
        state = partition.state
        state.ledger.check_invariants()
        assert state.ledger.totals("USD") == 0
        assert state.ledger.open_holds() == [h for h in state.ledger.open_holds()
                                             if h.ref in state.orders]
    assert verify_chain(platform.store.engine).ok


def audit_kinds(platform, entity_id: str) -> list[str]:
    t = tables.audit_events
    with platform.store.read() as conn:
        return [r.kind for r in conn.execute(select(t.c.kind).where(t.c.entity_id == entity_id)
                                             .order_by(t.c.seq))]


def stored_status(platform, order_id: str) -> tuple[str, Decimal]:
    t = tables.orders
    with platform.store.read() as conn:
        row = conn.execute(select(t.c.status, t.c.filled_quantity).where(t.c.id == order_id)).one()
    return row.status, row.filled_quantity


async def test_a_partial_fill_after_a_confirmed_cancel_is_booked_once_and_stays_canceled(world):
    platform, venue, account = world
    order, request = await canceled_buy(platform, venue, account)
    assert balance(platform, account).debits_pending == 0  # the hold is gone

    for _ in range(2):  # the venue resends it: booked once
        venue.fill(request, Decimal("2"), Decimal("99.00"), SESSION_TIME, exec_id="LATE-1")
        await settle(platform)

    assert (order.status, order.filled_quantity) == (OrderStatus.CANCELED, 2)
    assert stored_status(platform, order.id) == ("canceled", 2)
    assert platform.state_for(account).positions[(account, AAPL)].quantity == 2
    assert balance(platform, account).posted == Decimal("1000") - Decimal("198.00")
    assert audit_kinds(platform, order.id).count("order.late_fill") == 1
    assert_sound(platform)


async def test_a_late_fill_for_all_of_an_order_read_back_from_the_database_makes_it_filled(
        world):
    platform, venue, account = world
    order, request = await canceled_buy(platform, venue, account)
    state = platform.state_for(account)
    assert not state.closed_pins  # the cancel is durable
    state.closed.clear()  # forgotten: the fill must find the order in the database

    venue.fill(request, Decimal("5"), Decimal("100.00"), SESSION_TIME, exec_id="LATE-2")
    await settle(platform)

    booked = state.closed[order.id]
    assert (booked.status, booked.filled_quantity) == (OrderStatus.FILLED, 5)
    assert stored_status(platform, order.id) == ("filled", 5)
    assert state.positions[(account, AAPL)].quantity == 5
    assert balance(platform, account).posted == Decimal("500.00")
    assert_sound(platform)


async def test_a_late_buy_beyond_the_unheld_cash_is_booked_and_the_firm_advances_the_rest(
        world):
    platform, venue, account = world
    order, request = await canceled_buy(platform, venue, account)
    other = await place(platform, account, Side.BUY, "9", "100.00")  # holds $900 of the $1,000

    venue.fill(request, Decimal("5"), Decimal("100.00"), SESSION_TIME, exec_id="LATE-3")
    await settle(platform)

    cash = balance(platform, account)
    assert (cash.posted, cash.debits_pending, cash.available) == (Decimal("900"), 900, 0)
    owed = platform.state_for(account).ledger.balance(firm_customer_receivable(account), "USD")
    assert owed.posted == Decimal("-400.00")  # the customer's debit balance, for an operator
    assert order.status == OrderStatus.FILLED and other.status == OrderStatus.NEW
    assert {"order.late_fill", "order.late_fill_advance"} <= set(audit_kinds(platform, order.id))
    assert_sound(platform)


async def test_a_late_sell_fill_takes_the_shares_from_the_position(world):
    platform, venue, account = world
    bought = await place(platform, account, Side.BUY, "5")
    venue.fill(venue.submitted[-1], Decimal("5"), Decimal("100.00"), SESSION_TIME)
    await settle(platform)
    assert bought.status == OrderStatus.FILLED
    sell = await place(platform, account, Side.SELL, "5", "110.00")
    request = venue.submitted[-1]
    await platform.execute(account, cmd.CancelOrder(AccountId(account), sell.id))
    await settle(platform)

    venue.fill(request, Decimal("3"), Decimal("110.00"), SESSION_TIME, exec_id="LATE-4")
    await settle(platform)

    position = platform.state_for(account).positions[(account, AAPL)]
    assert (sell.status, sell.filled_quantity) == (OrderStatus.CANCELED, 3)
    assert (position.quantity, position.realized_pnl) == (2, Decimal("30.00"))
    assert balance(platform, account, "AAPL").posted == 2
    assert balance(platform, account).posted == Decimal("500.00") + Decimal("330.00")
    assert_sound(platform)


async def test_a_late_fill_leaves_no_break_in_reconciliation(world):
    platform, venue, account = world
    _, request = await canceled_buy(platform, venue, account)
    venue.fill(request, Decimal("1"), Decimal("99.50"), SESSION_TIME, exec_id="LATE-5")
    await settle(platform)
    day = trading_day(SESSION_TIME)

    result = reconcile_day(fills_around(platform.store, day), InProcessDropCopies([venue], "oms"),
                           day)

    assert (result["breaks"], result["our_fills"]) == ([], 1)


async def test_a_fill_for_an_order_nobody_knows_is_still_not_booked(world):
    platform, venue, account = world
    await canceled_buy(platform, venue, account)
    report = venue.reports[-1]
    stranger = dataclasses.replace(report, exec_type=ExecType.TRADE, cl_ord_id="not-ours",
                                   exec_id=ExecId("LATE-6"), last_qty=Decimal("1"),
                                   last_px=Decimal("99"))

    platform.on_report(stranger)
    await settle(platform)

    assert platform.state_for(account).positions.get((account, AAPL)) is None
    assert_sound(platform)
