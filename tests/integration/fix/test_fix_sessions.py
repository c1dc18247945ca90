"""FIX session behaviour over loopback: logon/logout, restarts that resume, resends honoured."""

import asyncio
from pathlib import Path

import pytest
import quickfix as fix
from fix_harness import Recorder, an_order, stop_all, wait_for

from brokerage.domain.execution import ExecType, VenueOrdStatus
from brokerage.domain.orders.types import Side
from brokerage.venues.fix.initiator import FixVenueClient, VenueSessionDown

pytestmark = pytest.mark.fix


def test_a_client_logs_on_and_out_and_the_venue_sees_both(venue, tmp_path):
    changes: list[tuple[str, bool]] = []
    client = FixVenueClient(venue.client_config(tmp_path))
    client.connect("oms", Recorder().reports.append)
    client.add_session_listener(lambda venue_id, up: changes.append((venue_id, up)))

    client.start()
    assert client.wait_logged_on(5)
    wait_for(lambda: venue.server.logged_on() == {"BROKER"})
    client.stop()

    assert not client.is_logged_on
    wait_for(lambda: venue.server.logged_on() == set())
    assert changes == [("XSIM", True), ("XSIM", False)]


def test_sending_while_logged_out_raises_instead_of_queueing(venue, tmp_path):
    client = FixVenueClient(venue.client_config(tmp_path))
    client.connect("oms", Recorder().reports.append)

    with pytest.raises(VenueSessionDown):
        client.submit("oms", an_order("o1"))


def test_a_restarted_client_resumes_its_sequence_and_gets_a_missed_fill_once(venue, tmp_path):
    first = Recorder()
    client = started_client(venue, tmp_path, first)
    client.submit("oms", an_order("o1", qty="100"))
    client.submit("oms", an_order("o2", qty="5", price="99.00"))
    wait_for(lambda: len(first.reports) == 2)
    client.stop()
    venue.street_order(an_order("s1", Side.SELL, qty="60", price="100.00"))  # fills o1 offline

    second = Recorder()
    again = started_client(venue, tmp_path, second)
    try:
        fill = wait_for(lambda: second.for_order("o1") and second.for_order("o1")[0])
        status = again.order_status("oms", "o2")  # not seen this run: asks the venue (35=H)
        missing = again.order_status("oms", "never-sent")
    finally:
        again.stop()

    assert [r.exec_type for r in second.reports] == [ExecType.TRADE]
    assert (fill.last_qty, fill.cum_qty, fill.leaves_qty) == (60, 60, 40)
    assert status is not None and status.ord_status is VenueOrdStatus.NEW
    assert status.venue_order_id == first.for_order("o2")[0].venue_order_id
    assert missing is None


def test_a_restarted_client_carries_on_from_the_stored_sequence_numbers(venue, tmp_path):
    client = started_client(venue, tmp_path, Recorder())
    client.submit("oms", an_order("o1"))
    wait_for(lambda: client.executions("oms"))
    before = client.next_sender_seq()
    client.stop()

    again = started_client(venue, tmp_path, Recorder())
    after = again.next_sender_seq()
    again.stop()

    assert after > before  # the logon carried the next number, not 1: no reset


def test_a_resend_request_is_answered_and_the_resent_reports_are_not_delivered_twice(
        venue, tmp_path):
    seen = Recorder()
    client = started_client(venue, tmp_path, seen)
    try:
        client.submit("oms", an_order("o1"))
        client.submit("oms", an_order("o2"))
        wait_for(lambda: len(seen.reports) == 2)

        fix.Session.sendToTarget(resend_request(1), client.session_id)
        wait_for(lambda: resent_reports(tmp_path) >= 2)
        client.submit("oms", an_order("o3"))
        wait_for(lambda: len(seen.reports) == 3)
    finally:
        client.stop()

    assert [r.cl_ord_id for r in seen.reports] == ["o1", "o2", "o3"]


def test_reports_reach_the_event_loop_thread(venue, tmp_path):
    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        arrived: asyncio.Queue[str] = asyncio.Queue()
        client = FixVenueClient(venue.client_config(tmp_path), loop=loop)
        client.connect("oms", lambda report: arrived.put_nowait(report.cl_ord_id))
        client.start()
        try:
            assert await loop.run_in_executor(None, client.wait_logged_on, 5)
            client.submit("oms", an_order("o1"))
            return [await asyncio.wait_for(arrived.get(), 5)]
        finally:
            await loop.run_in_executor(None, stop_all, [client])

    assert asyncio.run(scenario()) == ["o1"]


def started_client(venue, tmp_path: Path, recorder: Recorder) -> FixVenueClient:
    client = FixVenueClient(venue.client_config(tmp_path))
    client.connect("oms", recorder.reports.append, recorder.rejects.append)
    client.start()
    assert client.wait_logged_on(5)
    return client


def resend_request(begin: int) -> fix.Message:
    """Build a ResendRequest (35=2) for everything from `begin` on."""
    message = fix.Message()
    message.getHeader().setField(fix.MsgType(fix.MsgType_ResendRequest))
    message.setField(fix.BeginSeqNo(begin))
    message.setField(fix.EndSeqNo(0))
    return message


def resent_reports(tmp_path: Path) -> int:
    """Count the ExecutionReports the client received flagged PossDupFlag=Y."""
    log = tmp_path / "BROKER" / "log" / "FIX.4.4-BROKER-XSIM.messages.current.log"
    lines = log.read_text(encoding="latin-1").splitlines() if log.exists() else []
    return sum(1 for line in lines if "\x0135=8\x01" in line and "\x0143=Y\x01" in line)


def test_a_restarted_client_ignores_resends_of_reports_already_booked(venue, tmp_path):
    first = Recorder()
    client = started_client(venue, tmp_path, first)
    client.submit("oms", an_order("o1"))
    wait_for(lambda: first.reports)
    client.stop()

    second = Recorder()
    booked = [r.exec_id for r in first.reports]  # what the OMS has on its books
    again = FixVenueClient(venue.client_config(tmp_path), known_exec_ids=booked)
    again.connect("oms", second.reports.append)
    again.start()
    try:
        assert again.wait_logged_on(5)
        fix.Session.sendToTarget(resend_request(1), again.session_id)
        wait_for(lambda: resent_reports(tmp_path) >= 1)
        again.submit("oms", an_order("o2"))
        wait_for(lambda: second.reports)
    finally:
        again.stop()

    assert [r.cl_ord_id for r in second.reports] == ["o2"]
