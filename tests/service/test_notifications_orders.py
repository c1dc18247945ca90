"""Fills (and the order endings a customer did not ask for) become stored notifications, once."""

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from brokerage.bootstrap_streams import build_order_notifier
from brokerage.domain.execution import ExecType, ExecutionReport, VenueOrdStatus
from brokerage.domain.ids import AccountId, ExecId, OrderId
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.market_events import Notification
from brokerage.service_layer.order_notices import OrderFact, notice_of
from tests.builders import SESSION_TIME
from tests.service.test_oms_money_paths import buy, world  # noqa: F401  (fixture)

LATER = SESSION_TIME + timedelta(seconds=1)


@pytest.fixture
async def notified(world):  # noqa: F811
    platform, venue, account = world
    notifier = build_order_notifier(platform)
    pushed: list[Notification] = []
    platform.deps.bus.subscribe(Notification, pushed.append)
    await notifier.start()
    yield platform, venue, account, notifier, pushed
    await notifier.stop()


async def settled(platform, notifier) -> None:
    """Wait until the OMS has applied every report and the notices of its events are stored."""
    for partition in platform.partitions:
        await partition.drain()
    await notifier.drain()


async def stored(platform, account: str, kind: str | None = None) -> list[dict]:
    rows = await platform.market_data.notifications(_user_of(platform, account), 100)
    return [r for r in rows if kind is None or r["kind"] == kind]


def _user_of(platform, account: str) -> str:
    from brokerage.adapters.db.order_notices_repo import SqlOrderNoticesRepository

    return SqlOrderNoticesRepository(platform.store.engine).users_of([account])[account]


def unsolicited(venue, request, exec_type: ExecType, status: VenueOrdStatus,
                text: str) -> ExecutionReport:
    """A report the venue sends on its own (an expiry, a cancel, a rejection)."""
    return ExecutionReport(
        venue=venue.venue_id, exec_id=ExecId(f"U-{request.cl_ord_id}-{exec_type.value}"),
        exec_type=exec_type, ord_status=status, cl_ord_id=request.cl_ord_id, orig_cl_ord_id=None,
        venue_order_id=f"V-{request.cl_ord_id}", symbol=request.symbol, side=request.side,
        last_qty=Decimal(0), last_px=Decimal(0), cum_qty=Decimal(0), leaves_qty=Decimal(0),
        avg_px=Decimal(0), ts=LATER, text=text)


async def test_each_fill_is_stored_for_its_user_and_pushed_once(notified):
    platform, venue, account, notifier, pushed = notified
    await platform.execute(account, buy(account, "5", "100"))
    venue.fill(venue.submitted[-1], Decimal("2"), Decimal("99.5"), LATER, exec_id="X-1")
    venue.fill(venue.submitted[-1], Decimal("3"), Decimal("99.75"), LATER, exec_id="X-2")
    await settled(platform, notifier)

    fills = sorted(await stored(platform, account, "fill"), key=lambda n: n["data"]["exec_id"])
    assert [n["title"] for n in fills] == ["Bought 2 AAPL at $99.50", "Bought 3 AAPL at $99.75"]
    first, last = (n["data"] for n in fills)
    assert first == {**first, "symbol": "AAPL", "side": "buy", "qty": "2", "price": "99.5",
                     "venue": "FAKE", "exec_id": "X-1", "filled_qty": "2", "order_qty": "5",
                     "order_status": "partially_filled", "partial": True}
    assert last["order_status"] == "filled" and last["partial"] is False
    assert "2 of 5 AAPL filled so far" in fills[0]["body"]
    assert fills[1]["body"] == "Your DAY limit order to buy 5 AAPL is filled."
    assert sorted(n.title for n in pushed if n.kind == "fill") == [
        "Bought 2 AAPL at $99.50", "Bought 3 AAPL at $99.75"]


async def test_an_execution_report_delivered_twice_notifies_once(notified):
    platform, venue, account, notifier, pushed = notified
    await platform.execute(account, buy(account, "4", "100"))
    report = venue.fill(venue.submitted[-1], Decimal("1"), Decimal("99"), LATER, exec_id="DUP")
    platform.on_report(report)  # the venue resends it (a FIX resend after a reconnect)
    await settled(platform, notifier)
    restarted = build_order_notifier(platform)  # a restart reads the fill from the log again
    await restarted.start()
    await restarted.stop()

    assert [n["data"]["exec_id"] for n in await stored(platform, account, "fill")] == ["DUP"]
    assert len([n for n in pushed if n.kind == "fill"]) == 1
    assert restarted.stats == {"stored": 0, "duplicates": 1, "overflows": 0}


async def test_the_same_committed_update_seen_twice_is_stored_and_pushed_once(notified):
    from brokerage.service_layer.messagebus import OrderUpdated

    platform, venue, account, notifier, pushed = notified
    seen: list[OrderUpdated] = []
    platform.deps.bus.subscribe(OrderUpdated, seen.append)
    await platform.execute(account, buy(account, "1", "100"))
    venue.fill(venue.submitted[-1], Decimal("1"), Decimal("98"), LATER, exec_id="ONCE")
    await settled(platform, notifier)

    notifier.on_order(next(u for u in seen if u.event == "filled"))  # a redelivery
    await notifier.drain()

    assert len(await stored(platform, account, "fill")) == 1
    assert len([n for n in pushed if n.kind == "fill"]) == 1
    assert notifier.stats["duplicates"] == 1


async def test_a_fill_the_live_path_missed_is_stored_at_the_next_start_and_only_once(notified):
    platform, venue, account, notifier, pushed = notified
    await notifier.stop()  # the process dies between the commit and the notice
    await platform.execute(account, buy(account, "2", "100"))
    venue.fill(venue.submitted[-1], Decimal("2"), Decimal("97"), LATER, exec_id="LOST")
    await settled(platform, notifier)
    assert await stored(platform, account, "fill") == []

    restarted = build_order_notifier(platform)
    await restarted.start()
    again = build_order_notifier(platform)
    await again.start()  # a second restart reads nothing new
    await restarted.stop()
    await again.stop()

    fills = await stored(platform, account, "fill")
    assert [(n["title"], n["data"]["order_status"]) for n in fills] == [
        ("Bought 2 AAPL at $97.00", "filled")]
    assert len([n for n in pushed if n.kind == "fill"]) == 1


async def test_expiry_rejection_and_unasked_cancel_notify_a_customer_cancel_does_not(notified):
    platform, venue, account, notifier, _ = notified
    acking = venue.submit
    venue.submit = lambda participant, request: venue.submitted.append(request)  # no ack
    refused = await platform.execute(account, buy(account, "1", "90"))
    venue.submit = acking
    orders = [refused] + [await platform.execute(account, buy(account, "1", "90"))
                          for _ in range(3)]
    rejected, expiring, dropped, _ = venue.submitted[-4:]
    platform.on_report(unsolicited(venue, expiring, ExecType.EXPIRED, VenueOrdStatus.EXPIRED,
                                   "DAY order expired at the close"))
    platform.on_report(unsolicited(venue, rejected, ExecType.REJECTED, VenueOrdStatus.REJECTED,
                                   "price outside the band"))
    venue.fill(dropped, Decimal("0.5"), Decimal("90"), LATER, exec_id="HALF")
    platform.on_report(unsolicited(venue, dropped, ExecType.CANCELED, VenueOrdStatus.CANCELED,
                                   "IOC remainder"))
    order_id = orders[3]["id"] if isinstance(orders[3], dict) else orders[3].id
    await platform.execute(account, cmd.CancelOrder(AccountId(account), OrderId(order_id)))
    await settled(platform, notifier)

    notes = {n["kind"]: n for n in await stored(platform, account) if n["kind"] != "fill"}
    assert sorted(notes) == ["order_canceled", "order_expired", "order_rejected"]
    assert notes["order_expired"]["title"] == "Order expired: buy 1 AAPL"
    assert "(DAY order expired at the close); nothing was filled." in notes[
        "order_expired"]["body"]
    assert notes["order_rejected"]["body"] == (
        "The venue rejected your DAY limit order to buy 1 AAPL: price outside the band.")
    assert "(IOC remainder); 0.5 of 1 were filled." in notes["order_canceled"]["body"]
    assert all(n["data"]["order_id"] != order_id for n in notes.values())


def fact(**order) -> OrderFact:
    base = {"symbol": "AAPL", "side": "buy", "order_type": "market", "time_in_force": "day",
            "quantity": "3", "notional": None, "status": "filled", "filled_quantity": "3"}
    return OrderFact("acc", "ord", "filled", {"quantity": "3", "price": "187.2", "venue": "XSIM",
                                             "exec_id": "E1"}, {**base, **order}, LATER)


@pytest.mark.parametrize(("changes", "detail", "title"), [
    ({}, {}, "Bought 3 AAPL at $187.20"),
    ({"side": "sell"}, {}, "Sold 3 AAPL at $187.20"),
    ({}, {"price": "0.1234", "quantity": "1000"}, "Bought 1000 AAPL at $0.1234"),
    ({}, {"price": "1250", "quantity": "0.50"}, "Bought 0.5 AAPL at $1,250.00"),
])
def test_fill_titles_read_as_a_customer_says_them(changes, detail, title):
    base = fact(**changes)
    made = notice_of(dataclasses.replace(base, detail={**base.detail, **detail}))
    assert made is not None and made.title == title and made.dedup_key == "fill:XSIM:E1"


def test_a_notional_order_partly_filled_says_how_much_of_what():
    made = notice_of(fact(quantity=None, notional="500", status="partially_filled",
                          filled_quantity="1.5"))
    assert made is not None
    assert made.body == "1.5 AAPL filled so far for your $500.00 order; the rest is still working."


@pytest.mark.parametrize("event", ["risk_accepted", "routed", "venue_accepted", "replaced",
                                   "cancel_requested", "risk_rejected"])
def test_other_order_events_make_no_notice(event):
    assert notice_of(dataclasses.replace(fact(), event=event)) is None


async def test_a_queue_overflow_reads_the_log_again_and_loses_nothing(notified):
    from brokerage.adapters.db.order_notices_repo import SqlOrderNoticesRepository
    from brokerage.service_layer.messagebus import EventBus, OrderUpdated
    from brokerage.service_layer.order_notifier import OrderNotifier

    platform, venue, account, notifier, _ = notified
    await notifier.stop()  # only the small one stores
    own_bus, pushed = EventBus(), []
    own_bus.subscribe(Notification, pushed.append)
    small = OrderNotifier(SqlOrderNoticesRepository(platform.store.engine), own_bus,
                          platform.deps.ids, platform.deps.clock.now, pending_max=1)
    await small.start()  # its cursor is now past everything logged so far
    seen: list[OrderUpdated] = []
    platform.deps.bus.subscribe(OrderUpdated, seen.append)
    for n in range(3):
        await platform.execute(account, buy(account, "1", "100"))
        venue.fill(venue.submitted[-1], Decimal("1"), Decimal("99"), LATER, exec_id=f"O-{n}")
    for partition in platform.partitions:
        await partition.drain()

    for update in [u for u in seen if u.event == "filled"]:  # faster than it can store
        small.on_order(update)
    await small.drain()
    await small.stop()

    assert small.stats["overflows"] == 1  # the second: the queue is dropped, the log re-read
    assert sorted(n.data["exec_id"] for n in pushed) == ["O-0", "O-1", "O-2"]
