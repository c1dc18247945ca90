"""Bracket, OCO and OTO orders on a real database: linked legs, one share hold, no double sale."""

from decimal import Decimal

import pytest

from brokerage.domain.execution import ExecType, VenueOrdStatus
from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.ledger import customer_securities
from brokerage.domain.orders.classes import LinkPhase
from brokerage.domain.orders.types import OrderStatus, OrderType, Side
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import Refused
from tests.builders import funded_world, linked_order, new_customer, settle, started_platform
from tests.fakes import FakeVenue
from tests.service.test_oms_money_paths import assert_books_balance, buy

AAPL = Symbol("AAPL")


class SlowCancelVenue(FakeVenue):
    """Records cancels and confirms them only when the test says so."""

    def cancel(self, participant_id, request):
        self.canceled.append(request)

    def confirm_cancel(self, request, ts):
        self._send(request.orig_cl_ord_id, None, request.symbol, request.side,
                   ExecType.CANCELED, VenueOrdStatus.CANCELED, Decimal(0), Decimal(0),
                   Decimal(0), ts)


@pytest.fixture
async def world(db_url: str):
    async with funded_world(db_url, venue=SlowCancelVenue()) as world:
        yield world


def shares(platform, account):
    state = platform.state_for(account)
    return state.ledger.balance(customer_securities(AccountId(account), AAPL), AAPL)


def now(platform):
    return platform.deps.clock.now()


def request_for(venue, order_id):
    return next(r for r in venue.submitted if r.cl_ord_id == order_id)


async def fill(platform, venue, order_id, quantity, price):
    venue.fill(request_for(venue, order_id), Decimal(quantity), Decimal(price), now(platform))
    await settle(platform)


async def bracket_filled(platform, venue, account, quantity="2"):
    entry = await platform.execute(account, linked_order(account, "bracket", quantity))
    await settle(platform)
    await fill(platform, venue, entry.id, quantity, "100")
    group = platform.state_for(account).links[entry.id]
    return entry, group


async def fire_stops(platform, price):
    await platform.broadcast(cmd.CheckStops({AAPL: Decimal(price)}))
    await settle(platform)


def order(platform, account, order_id):
    return platform.state_for(account).orders.get(order_id)


async def test_a_bracket_holds_its_exits_until_the_entry_fills(world):
    platform, venue, account = world
    entry = await platform.execute(account, linked_order(account, "bracket", "2"))
    await settle(platform)
    group = platform.state_for(account).links[entry.id]
    assert group.phase is LinkPhase.HELD
    assert [r.cl_ord_id for r in venue.submitted] == [entry.id]  # the exits wait
    assert order(platform, account, group.limit_leg) is None
    assert_books_balance(platform)


async def test_a_bracket_entry_fill_activates_both_exits_with_one_share_hold(world):
    platform, venue, account = world
    _, group = await bracket_filled(platform, venue, account)
    assert group.phase is LinkPhase.ACTIVE
    limit = request_for(venue, group.limit_leg)
    assert (limit.side, limit.order_type, limit.quantity) == (Side.SELL, OrderType.LIMIT, 2)
    stop = order(platform, account, group.stop_leg)
    assert stop.status is OrderStatus.ACCEPTED and stop.venue is None  # rests in the OMS
    assert shares(platform, account).available == 0  # 2 held once, not 4
    assert shares(platform, account).credits_pending + shares(platform, account).debits_pending \
        == Decimal("2")
    assert_books_balance(platform)


async def test_a_take_profit_fill_cancels_the_stop_and_releases_nothing_twice(world):
    platform, venue, account = world
    _, group = await bracket_filled(platform, venue, account)
    stop = order(platform, account, group.stop_leg)
    await fill(platform, venue, group.limit_leg, "2", "110")
    assert stop.status is OrderStatus.CANCELED
    assert group.phase is LinkPhase.DONE
    balance = shares(platform, account)
    assert (balance.posted, balance.available, balance.debits_pending) == (0, 0, 0)
    assert platform.state_for(account).positions[(account, AAPL)].quantity == 0
    assert_books_balance(platform)


async def test_a_fired_stop_cancels_the_limit_leg_first_and_routes_only_after(world):
    platform, venue, account = world
    _, group = await bracket_filled(platform, venue, account)
    await fire_stops(platform, "89")
    limit = order(platform, account, group.limit_leg)
    assert limit.status is OrderStatus.PENDING_CANCEL
    assert [c.orig_cl_ord_id for c in venue.canceled] == [group.limit_leg]
    assert group.stop_leg not in [r.cl_ord_id for r in venue.submitted]  # not yet
    assert shares(platform, account).available == 0
    venue.confirm_cancel(venue.canceled[0], now(platform))
    await settle(platform)
    stop_request = request_for(venue, group.stop_leg)
    assert (stop_request.order_type, stop_request.quantity) == (OrderType.MARKET, 2)
    await fill(platform, venue, group.stop_leg, "2", "89")
    assert platform.state_for(account).positions[(account, AAPL)].quantity == 0
    assert shares(platform, account).posted == 0
    assert_books_balance(platform)


async def test_a_partial_take_profit_then_a_stop_sells_only_the_rest(world):
    platform, venue, account = world
    _, group = await bracket_filled(platform, venue, account, quantity="3")
    await fill(platform, venue, group.limit_leg, "1", "110")
    await fire_stops(platform, "89")
    venue.confirm_cancel(venue.canceled[0], now(platform))
    await settle(platform)
    old_stop = platform.state_for(account).orders.get(group.stop_leg)
    assert old_stop is None  # replaced by a version for the unsold shares
    rest = venue.submitted[-1]
    assert (rest.side, rest.quantity) == (Side.SELL, 2)
    await fill(platform, venue, rest.cl_ord_id, "2", "89")
    assert platform.state_for(account).positions[(account, AAPL)].quantity == 0
    assert_books_balance(platform)


async def test_an_oco_on_a_position_holds_the_shares_once_and_cancels_together(world):
    platform, venue, account = world
    entry = await platform.execute(account, buy(account, "2", "100.00"))
    await settle(platform)
    await fill(platform, venue, entry.id, "2", "100")
    limit = await platform.execute(account, linked_order(account, "oco", "2", side="sell",
                                                         limit="110.00"))
    await settle(platform)
    group = platform.state_for(account).links[limit.id]
    stop = order(platform, account, group.stop_leg)
    assert (limit.status, stop.status) == (OrderStatus.NEW, OrderStatus.ACCEPTED)
    assert shares(platform, account).available == 0  # not -2: one hold for the pair
    await platform.execute(account, cmd.CancelOrder(AccountId(account), limit.id))
    venue.confirm_cancel(venue.canceled[0], now(platform))
    await settle(platform)
    assert (limit.status, stop.status) == (OrderStatus.CANCELED, OrderStatus.CANCELED)
    assert shares(platform, account).available == 2  # the hold is released, once
    assert_books_balance(platform)


async def test_an_oto_exit_is_for_the_filled_quantity_after_a_partial_entry(world):
    platform, venue, account = world
    entry = await platform.execute(account, linked_order(account, "oto", "4", take_profit=None,
                                                         stop=None, trail_percent="5"))
    await settle(platform)
    await fill(platform, venue, entry.id, "1", "100")
    await platform.execute(account, cmd.CancelOrder(AccountId(account), entry.id))
    venue.confirm_cancel(venue.canceled[0], now(platform))
    await settle(platform)
    group = platform.state_for(account).links[entry.id]
    stop = order(platform, account, group.stop_leg)
    assert (stop.order_type, stop.quantity) == (OrderType.TRAILING_STOP, 1)
    assert shares(platform, account).available == 0  # the lone exit carries the hold
    await fire_stops(platform, "90")
    await fill(platform, venue, stop.id, "1", "90")
    assert_books_balance(platform)


async def test_a_bracket_that_would_sell_short_is_refused_with_a_reason(world):
    platform, _, account = world
    with pytest.raises(Refused) as refused:
        await platform.execute(account, linked_order(account, "bracket", "1", side="sell"))
    assert refused.value.code == "ORDER_CLASS_SHORT_EXIT"


async def test_a_restarted_platform_keeps_the_links(db_url: str):
    venue = SlowCancelVenue()
    platform = await started_platform(db_url, venue)
    account = await new_customer(platform)
    await platform.execute(account, cmd.Deposit(AccountId(account), Decimal("1000")))
    entry = await platform.execute(account, linked_order(account, "bracket", "2"))
    await settle(platform)
    await platform.stop()
    platform = await started_platform(db_url, venue)
    try:
        assert platform.state_for(account).links[entry.id].phase is LinkPhase.HELD
        await fill(platform, venue, entry.id, "2", "100")
        group = platform.state_for(account).links[entry.id]
        await platform.stop()
        platform = await started_platform(db_url, venue)
        assert platform.state_for(account).links[group.stop_leg].phase is LinkPhase.ACTIVE
        await fill(platform, venue, group.limit_leg, "2", "110")
        stop = await_order_status(platform, account, group.stop_leg)
        assert stop == "canceled"
        assert_books_balance(platform)
    finally:
        await platform.stop()


def await_order_status(platform, account, order_id):
    from brokerage.read_models import alpaca as reads

    return reads.order(platform, account, order_id)["status"]


async def test_a_limit_leg_replaced_while_the_stop_fires_is_canceled_before_the_stop_routes(
        world):
    platform, venue, account = world
    _, group = await bracket_filled(platform, venue, account)
    replace = cmd.ReplaceOrder(AccountId(account), group.limit_leg, limit_price=Decimal("120"))
    venue.replace = lambda participant, request: venue.replaced.append(request)  # unanswered
    new = await platform.execute(account, replace)
    await fire_stops(platform, "89")
    assert group.stop_leg not in [r.cl_ord_id for r in venue.submitted]
    request = venue.replaced[0]
    venue._send(request.cl_ord_id, request.orig_cl_ord_id, request.symbol, request.side,
                ExecType.REPLACED, VenueOrdStatus.NEW, Decimal(0), Decimal(0),
                request.quantity, now(platform))
    await settle(platform)
    assert group.limit_leg == new.id
    assert [c.orig_cl_ord_id for c in venue.canceled] == [new.id]
    venue.confirm_cancel(venue.canceled[0], now(platform))
    await settle(platform)
    assert request_for(venue, group.stop_leg).quantity == 2
    await fill(platform, venue, group.stop_leg, "2", "89")
    assert platform.state_for(account).positions[(account, AAPL)].quantity == 0
    assert_books_balance(platform)
