"""Issue 3's acceptance over real loopback FIX: the platform routes to venues behind acceptors.

Each test runs the real platform (OMS, router, ledger) with the exchange, MM1 and MM2 served
by FIX acceptors on free loopback ports, the router logged on to each as BROKERAGE.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from routed_world import ASK, FixWorld, assert_books_balance, open_world

from brokerage.adapters.db.drop_copies import SqlDropCopyStore
from brokerage.bootstrap_routing import MARKET_MAKERS
from brokerage.domain.ids import AccountId, VenueId
from brokerage.domain.ledger import firm_pfof_revenue, firm_venue_receivable
from brokerage.domain.orders.types import OrderStatus, Side
from brokerage.read_models.queries import get_order
from brokerage.read_models.routing import order_routing
from brokerage.service_layer import commands as cmd
from tests.builders import SESSION_TIME

pytestmark = pytest.mark.fix


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'brokerage.db'}"


def routing_of(world: FixWorld, order_id: str) -> dict:
    return order_routing(world.platform.store, world.account, order_id)


def drop_copied(world: FixWorld, venue: str) -> set[str]:
    """Return the ExecIDs the venue's drop-copy session stored in `venue_drop_copies`."""
    store = SqlDropCopyStore(world.platform.store.engine, world.clock)
    day = SESSION_TIME.replace(hour=0)
    return {c.report.exec_id for c in store.between(day, day + timedelta(days=1), venue=venue)}


def fills_of(world: FixWorld, order_id: str) -> list[tuple[str, Decimal, Decimal]]:
    view = get_order(world.platform, world.account, order_id)
    return [(f["venue"], Decimal(f["quantity"]), Decimal(f["price"])) for f in view["fills"]]


async def test_a_market_order_fills_at_a_market_maker_with_improvement_and_a_booked_rebate(
        db_url, tmp_path):
    world = await open_world(db_url, tmp_path)
    try:
        order = await world.place("10")
        await world.until(lambda: order.status == OrderStatus.FILLED)

        [(venue, quantity, price)] = fills_of(world, order.id)
        assert venue in MARKET_MAKERS and quantity == 10 and price < ASK
        assert Decimal(routing_of(world, order.id)["fills"][0]["improvement_per_share"]) > 0
        rebate = MARKET_MAKERS[VenueId(venue)].rebate_per_share_usd * 10
        ledger = world.ledger()
        assert ledger.balance(firm_pfof_revenue(), "USD").posted == rebate
        assert ledger.balance(firm_venue_receivable(venue), "USD").posted == -rebate
        assert_books_balance(world.platform)
        [fill] = get_order(world.platform, world.account, order.id)["fills"]
        await world.until(lambda: fill["exec_id"] in drop_copied(world, venue))
    finally:
        await world.platform.stop()


async def test_a_limit_order_rests_on_the_exchange_is_replaced_partially_fills_and_is_canceled(
        sqlite_url, tmp_path):
    world = await open_world(sqlite_url, tmp_path)
    try:
        resting = await world.place("10", limit="430.10")
        await world.until(lambda: resting.status == OrderStatus.NEW)
        assert routing_of(world, resting.id)["venue"] == "XSIM"

        # The OMS replaces only an unfilled order: replace first, then trade against it.
        new = await world.platform.execute(world.account, cmd.ReplaceOrder(
            AccountId(world.account), resting.id, limit_price=Decimal("430.20")))
        await world.until(lambda: new.status == OrderStatus.NEW)
        world.street(Side.SELL, "4", "430.20", "street-s1")
        await world.until(lambda: new.status == OrderStatus.PARTIALLY_FILLED)
        await world.platform.execute(world.account, cmd.CancelOrder(AccountId(world.account),
                                                                    new.id))
        await world.until(lambda: new.status == OrderStatus.CANCELED)

        assert resting.status == OrderStatus.REPLACED
        assert new.filled_quantity == 4
        assert fills_of(world, new.id) == [("XSIM", Decimal(4), Decimal("430.20"))]
        assert fills_of(world, resting.id) == []
        assert world.state_position() == 4
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()


async def test_a_venue_killed_mid_day_trips_its_breaker_and_the_next_order_goes_elsewhere(
        sqlite_url, tmp_path):
    world = await open_world(sqlite_url, tmp_path)
    try:
        first = await world.place("10")
        await world.until(lambda: first.status == OrderStatus.FILLED)
        favourite = routing_of(world, first.id)["venue"]

        await world.kill_venues(favourite)
        second = await world.place("10")
        await world.until(lambda: second.status == OrderStatus.FILLED)

        assert world.router.breaker_states()[favourite] == "open"
        assert routing_of(world, second.id)["venue"] not in (favourite, None)
        candidates = routing_of(world, second.id)["decisions"][0]["candidates"]
        assert {c["venue"]: c["reason"] for c in candidates}[favourite] == "ROUTE_SESSION_DOWN"
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()


async def test_with_every_venue_down_orders_park_and_a_restart_of_the_venues_drains_them(
        sqlite_url, tmp_path):
    world = await open_world(sqlite_url, tmp_path)
    venues = tuple(world.served.deployment.clients)
    try:
        await world.kill_venues(*venues)
        parked = await world.place("5")
        await world.until(lambda: routing_of(world, parked.id)["state"] == "parked")
        assert parked.status == OrderStatus.ACCEPTED  # the customer sees it accepted

        await world.restart_venues(*venues)
        world.clock.advance(world.router.breakers[venues[0]].cool_down)  # breakers may probe
        await world.until(lambda: parked.status == OrderStatus.FILLED)

        outcomes = [d["outcome"] for d in routing_of(world, parked.id)["decisions"]]
        assert outcomes[0] == "parked" and outcomes[-1] == "routed"
        assert len(world.router.parked) == 0
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()


async def test_a_router_restart_resumes_sequence_numbers_and_books_each_fill_exactly_once(
        db_url, tmp_path):
    first = await open_world(db_url, tmp_path)
    try:
        order = await first.place("10", limit="430.10")
        await first.until(lambda: order.status == OrderStatus.NEW)
        first.street(Side.SELL, "4", "430.10", "street-s1")
        await first.until(lambda: order.status == OrderStatus.PARTIALLY_FILLED)
        seq_before = first.client("XSIM").next_sender_seq()
        await first.kill_router_session("XSIM")  # the router goes down; the venue trades on
        first.street(Side.SELL, "6", "430.10", "street-s2")
    finally:
        await first.platform.stop()
    # As if our store had lost its last writes: the venue resends all it sent, booked or not.
    rewind_expected_seq(tmp_path / "fix" / "XSIM" / "oms" / "store", to=1)

    second = await open_world(db_url, tmp_path, account=first.account)
    try:
        await second.until(lambda: status_of(second, order.id) == "filled")

        assert second.client("XSIM").next_sender_seq() > seq_before  # resumed, not reset
        assert sorted(q for _, q, _ in fills_of(second, order.id)) == [4, 6]
        assert second.state_position() == 10
        assert_books_balance(second.platform)
    finally:
        await second.platform.stop()


def status_of(world: FixWorld, order_id: str) -> str:
    return str(get_order(world.platform, world.account, order_id)["status"])


def rewind_expected_seq(store: Path, to: int) -> None:
    """Set the MsgSeqNum a quickfix FileStore expects next from its peer (sender seq kept)."""
    [seqnums] = store.glob("*.seqnums")
    sender, _ = seqnums.read_text().split(" : ")
    seqnums.write_text(f"{sender} : {to:020d}")
