"""Issue 3's acceptance over real loopback FIX: the platform routes to venues behind acceptors.

Each test runs the real platform (OMS, router, ledger) with the exchange, MM1 and MM2 served
by FIX acceptors on free loopback ports, the router logged on to each as BROKERAGE.
"""

import dataclasses
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from routed_world import ASK, DEPOSIT, FixWorld, assert_books_balance, open_world

from brokerage.adapters.db.drop_copies import SqlDropCopyStore
from brokerage.bootstrap_routing import MARKET_MAKERS
from brokerage.domain.execution import ExecType
from brokerage.domain.ids import AccountId, ExecId, VenueId
from brokerage.domain.ledger import customer_cash, firm_pfof_revenue, firm_venue_receivable
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


async def test_a_limit_order_rests_on_the_exchange_partially_fills_is_replaced_then_canceled(
        sqlite_url, tmp_path):
    world = await open_world(sqlite_url, tmp_path)
    try:
        resting = await world.place("10", limit="430.10")
        await world.until(lambda: resting.status == OrderStatus.NEW)
        assert routing_of(world, resting.id)["venue"] == "XSIM"
        world.street(Side.SELL, "4", "430.10", "street-s1")
        await world.until(lambda: resting.status == OrderStatus.PARTIALLY_FILLED)

        # FIX 4.4: the new OrderQty (12) is the total, the 4 filled included.
        new = await world.platform.execute(world.account, cmd.ReplaceOrder(
            AccountId(world.account), resting.id, quantity=Decimal("12"),
            limit_price=Decimal("430.20")))
        await world.until(lambda: new.status == OrderStatus.NEW)
        assert world.ledger().balance(customer_cash(world.account), "USD").debits_pending == (
            8 * Decimal("430.20"))
        world.street(Side.SELL, "3", "430.20", "street-s2")
        await world.until(lambda: new.status == OrderStatus.PARTIALLY_FILLED)
        await world.platform.execute(world.account, cmd.CancelOrder(AccountId(world.account),
                                                                    new.id))
        await world.until(lambda: new.status == OrderStatus.CANCELED)

        reports = [r for r in world.client("XSIM").executions("oms")
                   if resting.id in (r.cl_ord_id, r.orig_cl_ord_id)
                   or new.id in (r.cl_ord_id, r.orig_cl_ord_id)]
        assert [(r.exec_type.value, r.cum_qty, r.leaves_qty) for r in reports] == [
            ("0", 0, 10), ("F", 4, 6), ("5", 4, 8), ("F", 7, 5), ("4", 7, 0)]
        new_ack, fill, replaced, fill2, canceled = reports
        assert (fill.cl_ord_id, fill.last_qty, fill.last_px) == (resting.id, 4, Decimal("430.10"))
        assert (replaced.cl_ord_id, replaced.orig_cl_ord_id) == (new.id, resting.id)
        assert (fill2.cl_ord_id, fill2.last_qty, fill2.last_px) == (new.id, 3, Decimal("430.20"))
        assert canceled.orig_cl_ord_id == new.id and canceled.cl_ord_id.startswith(new.id)
        assert {r.venue_order_id for r in reports} == {new_ack.venue_order_id}  # one OrderID
        avg = (4 * Decimal("430.10") + 3 * Decimal("430.20")) / 7
        assert abs(canceled.avg_px - avg) < Decimal("0.0001")

        assert (resting.status, resting.filled_quantity, resting.replaced_by) == (
            OrderStatus.REPLACED, 4, new.id)
        assert (new.replaces, new.filled_quantity, new.cum_quantity, new.total_quantity) == (
            resting.id, 3, 7, 12)
        assert fills_of(world, resting.id) == [("XSIM", Decimal(4), Decimal("430.10"))]
        assert fills_of(world, new.id) == [("XSIM", Decimal(3), Decimal("430.20"))]
        assert world.state_position() == 7
        cash = world.ledger().balance(customer_cash(world.account), "USD")
        spent = 4 * Decimal("430.10") + 3 * Decimal("430.20")
        assert (cash.posted, cash.debits_pending) == (DEPOSIT - spent, 0)  # the hold released
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()


async def test_a_fill_sent_after_the_venue_confirmed_a_cancel_is_booked_over_fix(
        sqlite_url, tmp_path):
    world = await open_world(sqlite_url, tmp_path)
    try:
        order = await world.place("10", limit="430.10")
        await world.until(lambda: order.status == OrderStatus.NEW)
        await world.platform.execute(world.account, cmd.CancelOrder(AccountId(world.account),
                                                                    order.id))
        await world.until(lambda: order.status == OrderStatus.CANCELED)
        [canceled] = [r for r in world.client("XSIM").executions("oms")
                      if r.orig_cl_ord_id == order.id]
        late = dataclasses.replace(canceled, exec_type=ExecType.TRADE, exec_id=ExecId("XSIM-L1"),
                                   last_qty=Decimal("2"), last_px=Decimal("430.10"),
                                   cum_qty=Decimal("2"), liquidity="added")

        # The venue's session sends it as it sends any report (a trade that crossed the cancel).
        server = next(s for s in world.served.deployment.servers if s.config.venue_id == "XSIM")
        participant, session_id = next((p, sid) for p, sid in server._sessions.items()
                                       if server.venue.order_status(p, canceled.cl_ord_id))
        server._report_sender(participant, session_id)(late)
        await world.until(lambda: order.filled_quantity == 2)

        assert order.status == OrderStatus.CANCELED
        assert fills_of(world, order.id) == [("XSIM", Decimal(2), Decimal("430.10"))]
        assert world.state_position() == 2
        cash = world.ledger().balance(customer_cash(world.account), "USD")
        assert (cash.posted, cash.debits_pending) == (DEPOSIT - 2 * Decimal("430.10"), 0)
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
