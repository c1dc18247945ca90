"""Across session boundaries with the real exchange: auctions, DAY expiry, GTC carry-over.

The platform follows the XNYS calendar on a manual clock: when the clock crosses the open or
the close, the session timer tells the exchange, which runs its auctions and expiries, and the
execution reports come back through the OMS, which books fills and releases holds.
"""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from brokerage.adapters.clock import ManualClock
from brokerage.domain.execution import NewOrderRequest
from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.ledger import customer_cash, dangling_holds
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderStatus, OrderType, Side, TimeInForce
from brokerage.service_layer import commands as cmd
from tests.builders import make_platform, new_customer

AAPL = Symbol("AAPL")
PRE_MARKET = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # Tue 08:00 New York
OPEN = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
MID_SESSION = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CLOSE = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
AFTER_POST = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 20:30 New York: closed
NEXT_OPEN = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
EARLY_CLOSE = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # day after Thanksgiving: 13:00 NY


@pytest.fixture
async def market(db_url: str, tmp_path):
    clock = ManualClock(PRE_MARKET)
    platform = make_platform(db_url, clock=clock, exchange_journal=tmp_path / "x.jsonl")
    await platform.start()
    await reach(platform, MarketPhase.PRE_MARKET)
    account = await new_customer(platform)
    await platform.execute(account, cmd.Deposit(AccountId(account), Decimal("1000")))
    platform.exchange.connect("lp", lambda report: None, lambda reject: None)
    yield platform, clock, account
    await platform.stop()


async def reach(platform, phase: MarketPhase) -> None:
    """Wait until the session timer has seen the clock's phase, then for the OMS to book."""
    for _ in range(400):
        if platform.phase == phase:
            break
        await asyncio.sleep(0.01)
    assert platform.phase == phase
    for partition in platform.partitions:
        await partition.drain()


async def move(platform, clock: ManualClock, when: datetime, phase: MarketPhase) -> None:
    clock.set(when)
    await reach(platform, phase)


async def at_venue(platform, account: str, order_id: str) -> None:
    """Wait until the venue has acknowledged the order (routing commits before it sends)."""
    for _ in range(400):
        if status(platform, account, order_id) != OrderStatus.ACCEPTED:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"order {order_id} never reached its venue")


def provide(platform, side: Side, qty: str, price: str, tif: TimeInForce, cl: str) -> None:
    """Another participant's order on the exchange (a liquidity provider)."""
    platform.exchange.submit("lp", NewOrderRequest(
        cl_ord_id=cl, symbol=AAPL, side=side, order_type=OrderType.LIMIT,
        quantity=Decimal(qty), time_in_force=tif, limit_price=Decimal(price),
        extended_hours=False, ts=platform.deps.clock.now()))


def order(account: str, qty: str, limit: str, tif: TimeInForce) -> cmd.PlaceOrder:
    return cmd.PlaceOrder(account_id=AccountId(account), symbol=AAPL, side=Side.BUY,
                          order_type=OrderType.LIMIT, time_in_force=tif,
                          quantity=Decimal(qty), limit_price=Decimal(limit))


def status(platform, account: str, order_id: str) -> OrderStatus:
    from brokerage.read_models import queries

    return OrderStatus(queries.get_order(platform, account, order_id)["status"])


def cash(platform, account: str):
    return platform.state_for(account).ledger.balance(customer_cash(AccountId(account)), "USD")


def assert_books_balance(platform) -> None:
    for partition in platform.partitions:
        state = partition.state
        state.ledger.check_invariants()
        assert state.ledger.totals("USD") == 0
        assert dangling_holds(state.ledger, set(state.orders)) == []


async def test_an_opg_order_crosses_in_the_opening_auction_and_its_remainder_expires(market):
    platform, clock, account = market
    placed = await platform.execute(account, order(account, "2", "431.00", TimeInForce.OPG))
    await at_venue(platform, account, placed.id)
    provide(platform, Side.SELL, "1", "429.00", TimeInForce.DAY, "lp-1")

    await move(platform, clock, OPEN, MarketPhase.REGULAR)

    assert status(platform, account, placed.id) == OrderStatus.EXPIRED
    position = platform.state_for(account).position(AccountId(account), AAPL)
    assert position.quantity == 1
    lot = position.lots[0]
    assert Decimal("429") <= lot.cost_per_share <= Decimal("431")  # one auction price
    balance = cash(platform, account)
    assert balance.posted == Decimal("1000") - lot.cost_basis
    assert balance.available == balance.posted  # the remainder's hold is released
    assert_books_balance(platform)


async def test_a_day_order_left_working_expires_at_the_close_and_frees_its_cash(market):
    platform, clock, account = market
    await move(platform, clock, MID_SESSION, MarketPhase.REGULAR)
    placed = await platform.execute(account, order(account, "2", "400.00", TimeInForce.DAY))
    await at_venue(platform, account, placed.id)
    await reach(platform, MarketPhase.REGULAR)
    assert cash(platform, account).available == Decimal("200.00")

    await move(platform, clock, CLOSE, MarketPhase.POST_MARKET)

    assert status(platform, account, placed.id) == OrderStatus.EXPIRED
    assert cash(platform, account).available == Decimal("1000")
    assert_books_balance(platform)


async def test_a_cls_order_fills_in_the_closing_auction(market):
    platform, clock, account = market
    await move(platform, clock, MID_SESSION, MarketPhase.REGULAR)
    placed = await platform.execute(account, order(account, "2", "432.00", TimeInForce.CLS))
    await at_venue(platform, account, placed.id)
    provide(platform, Side.SELL, "2", "430.00", TimeInForce.CLS, "lp-2")
    await reach(platform, MarketPhase.REGULAR)
    assert status(platform, account, placed.id) == OrderStatus.NEW

    await move(platform, clock, CLOSE, MarketPhase.POST_MARKET)

    assert status(platform, account, placed.id) == OrderStatus.FILLED
    position = platform.state_for(account).position(AccountId(account), AAPL)
    assert position.quantity == 2
    assert_books_balance(platform)


async def test_a_gtc_order_survives_the_night_and_trades_the_next_day(market):
    platform, clock, account = market
    await move(platform, clock, MID_SESSION, MarketPhase.REGULAR)
    placed = await platform.execute(account, order(account, "2", "420.00", TimeInForce.GTC))
    await at_venue(platform, account, placed.id)
    await move(platform, clock, AFTER_POST, MarketPhase.CLOSED)
    assert status(platform, account, placed.id) == OrderStatus.NEW

    await move(platform, clock, NEXT_OPEN, MarketPhase.REGULAR)
    provide(platform, Side.SELL, "2", "420.00", TimeInForce.DAY, "lp-3")
    await reach(platform, MarketPhase.REGULAR)

    assert status(platform, account, placed.id) == OrderStatus.FILLED
    assert_books_balance(platform)


async def test_day_orders_expire_at_an_early_close(market):
    platform, clock, account = market
    await move(platform, clock, datetime(2026, 11, 27, 15, 0, tzinfo=UTC), MarketPhase.REGULAR)
    placed = await platform.execute(account, order(account, "1", "400.00", TimeInForce.DAY))
    await at_venue(platform, account, placed.id)
    await reach(platform, MarketPhase.REGULAR)

    await move(platform, clock, EARLY_CLOSE, MarketPhase.POST_MARKET)

    assert status(platform, account, placed.id) == OrderStatus.EXPIRED
    assert cash(platform, account).available == Decimal("1000")

