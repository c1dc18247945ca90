"""A fill the router's FIX session consumed but the OMS never committed is booked after a restart.

quickfix counts a report as received once our callback returns; the OMS commits it later. These
tests lose the report between the two (the process dies inside the OMS commit; the booking
handler breaks on it), restart the router on the same FIX stores and database, and see the
venue resend it (a standard ResendRequest from the session's booked-through mark, PossDupFlag
resends) and the OMS book it exactly once, with the hold released and the ledger balanced.
"""

import threading
from decimal import Decimal
from typing import Any

import pytest
from routed_world import WAIT_S, FixWorld, assert_books_balance, open_world

from brokerage.domain.execution import ExecType
from brokerage.domain.orders.types import OrderStatus, Side
from brokerage.read_models.queries import get_order
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.handlers import HANDLERS
from brokerage.service_layer.handlers.executions import apply_execution_report

pytestmark = pytest.mark.fix
LIMIT = "430.10"


class DyingCommits:
    """Stand in for the store's commit: each one hangs until `die()`, then never lands."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self._dead = threading.Event()

    def __call__(self, batch: Any) -> None:
        self.entered.set()
        self._dead.wait(WAIT_S)
        raise ConnectionError("the process died inside this commit")

    def die(self) -> None:
        self._dead.set()


def fills_of(world: FixWorld, order_id: str) -> list[tuple[str, Decimal, Decimal]]:
    view = get_order(world.platform, world.account, order_id)
    return [(f["venue"], Decimal(f["quantity"]), Decimal(f["price"])) for f in view["fills"]]


def status_of(world: FixWorld, order_id: str) -> str:
    return str(get_order(world.platform, world.account, order_id)["status"])


async def assert_booked_once_after_restart(db_url: str, first: FixWorld, order_id: str) -> None:
    second = await open_world(db_url, first.tmp, account=first.account)
    try:
        await second.until(lambda: status_of(second, order_id) == "filled")

        assert fills_of(second, order_id) == [("XSIM", Decimal(10), Decimal(LIMIT))]
        assert second.state_position() == 10
        assert second.ledger().open_holds(ref=order_id) == []  # the hold is released
        assert_books_balance(second.platform)
    finally:
        await second.platform.stop()


async def test_a_fill_the_session_consumed_while_the_process_died_in_the_commit_is_booked_once(
        db_url, tmp_path, monkeypatch):
    first = await open_world(db_url, tmp_path)
    xsim = first.client("XSIM")
    dying = DyingCommits()
    try:
        order = await first.place("10", limit=LIMIT)
        await first.until(lambda: order.status == OrderStatus.NEW)
        fill_seq = xsim.next_target_seq()  # the venue's next message: the fill
        monkeypatch.setattr(first.platform.store, "commit", dying)

        first.street(Side.SELL, "10", LIMIT, "street-s1")
        await first.until(lambda: dying.entered.is_set() and xsim.next_target_seq() > fill_seq,
                          drain=False)

        # The session took the fill (quickfix will not ask for it again); the OMS is inside
        # the commit that would book it when the process dies.
        assert xsim.processed_through() >= fill_seq > xsim.booked_through()
    finally:
        dying.die()  # nothing the dead process was committing lands
        await first.platform.stop()

    await assert_booked_once_after_restart(db_url, first, order.id)


async def test_a_fill_whose_booking_broke_is_booked_once_after_a_restart(
        sqlite_url, tmp_path, monkeypatch):
    broken: list[str] = []

    def breaks_on_the_first_fill(command: cmd.ApplyExecutionReport, ctx: Any) -> Any:
        if command.report.exec_type is ExecType.TRADE and not broken:
            broken.append(command.report.exec_id)
            raise RuntimeError("a bug while booking the fill")
        return apply_execution_report(command, ctx)

    monkeypatch.setitem(HANDLERS, cmd.ApplyExecutionReport, breaks_on_the_first_fill)
    first = await open_world(sqlite_url, tmp_path)
    try:
        order = await first.place("10", limit=LIMIT)
        await first.until(lambda: order.status == OrderStatus.NEW)
        first.street(Side.SELL, "10", LIMIT, "street-s1")
        await first.until(lambda: broken)

        assert fills_of(first, order.id) == []  # the running platform lost it
    finally:
        await first.platform.stop()

    await assert_booked_once_after_restart(sqlite_url, first, order.id)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'brokerage.db'}"
