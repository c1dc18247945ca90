"""Orders through real FIX 4.4 sessions to the simulated exchange: fills, amends, IOC/FOK.

The tests share one venue and one logged-on client (a session costs seconds to stop); each
test trades its own symbol, so each has its own order book, and its own ClOrdIDs.
"""

from decimal import Decimal

import pytest
from fix_harness import T0, an_order, wait_for

from brokerage.domain.execution import CancelRequest, ExecType, ReplaceRequest, VenueOrdStatus
from brokerage.domain.orders.types import Side, TimeInForce

pytestmark = pytest.mark.fix


def test_a_limit_order_rests_partially_fills_is_replaced_then_canceled(floor, symbol):
    client, seen = floor.client, floor.seen
    o1, o1r, o1c = f"{symbol}-o1", f"{symbol}-o1-r", f"{symbol}-o1-c"
    client.submit("oms", an_order(o1, qty="100", price="100.00", symbol=symbol))
    wait_for(lambda: seen.for_order(o1))
    floor.venue.street_order(an_order(f"{symbol}-s1", Side.SELL, "40", "100.00", symbol=symbol))
    wait_for(lambda: len(seen.for_order(o1)) == 2)
    client.replace("oms", ReplaceRequest(o1r, o1, symbol, Side.BUY, Decimal(150),
                                         Decimal("100.05"), TimeInForce.DAY, T0))
    wait_for(lambda: seen.for_order(o1r))
    client.cancel("oms", CancelRequest(o1c, o1r, symbol, Side.BUY, T0))
    wait_for(lambda: seen.for_order(o1c))

    new, fill, replaced, canceled = seen.for_symbol(symbol)
    assert (new.exec_type, new.ord_status, new.leaves_qty) == (
        ExecType.NEW, VenueOrdStatus.NEW, Decimal(100))
    assert (fill.exec_type, fill.ord_status) == (ExecType.TRADE, VenueOrdStatus.PARTIALLY_FILLED)
    assert (fill.last_qty, fill.last_px, fill.cum_qty, fill.leaves_qty, fill.avg_px) == (
        Decimal(40), Decimal(100), Decimal(40), Decimal(60), Decimal(100))
    assert (replaced.exec_type, replaced.cl_ord_id, replaced.orig_cl_ord_id) == (
        ExecType.REPLACED, o1r, o1)
    assert (replaced.cum_qty, replaced.leaves_qty) == (Decimal(40), Decimal(110))
    assert (canceled.exec_type, canceled.ord_status, canceled.orig_cl_ord_id) == (
        ExecType.CANCELED, VenueOrdStatus.CANCELED, o1r)
    assert (canceled.cum_qty, canceled.leaves_qty, canceled.avg_px) == (
        Decimal(40), Decimal(0), Decimal(100))
    assert {r.venue_order_id for r in (new, fill, replaced, canceled)} == {new.venue_order_id}
    assert len({r.exec_id for r in (new, fill, replaced, canceled)}) == 4


def test_an_ioc_order_takes_what_is_there_and_expires_the_rest(floor, symbol):
    floor.venue.street_order(an_order(f"{symbol}-s1", Side.SELL, "30", "100.00", symbol=symbol))

    floor.client.submit("oms", an_order(f"{symbol}-ioc", qty="50", price="100.00",
                                        tif=TimeInForce.IOC, symbol=symbol))

    expired = wait_for(lambda: last_of(floor.seen.for_symbol(symbol), ExecType.EXPIRED))
    fill = last_of(floor.seen.for_symbol(symbol), ExecType.TRADE)
    assert (fill.last_qty, fill.cum_qty) == (Decimal(30), Decimal(30))
    assert (expired.ord_status, expired.cum_qty, expired.leaves_qty) == (
        VenueOrdStatus.EXPIRED, Decimal(30), Decimal(0))


def test_a_fok_order_fills_whole_or_not_at_all(floor, symbol):
    seen = floor.seen
    big, fits = f"{symbol}-fok-big", f"{symbol}-fok-fits"
    floor.venue.street_order(an_order(f"{symbol}-s1", Side.SELL, "30", "100.00", symbol=symbol))

    floor.client.submit("oms", an_order(big, qty="50", tif=TimeInForce.FOK, symbol=symbol))
    floor.client.submit("oms", an_order(fits, qty="30", tif=TimeInForce.FOK, symbol=symbol))

    killed = wait_for(lambda: last_of(seen.for_order(big), ExecType.EXPIRED))
    filled = wait_for(lambda: last_of(seen.for_order(fits), ExecType.TRADE))
    assert last_of(seen.for_order(big), ExecType.TRADE) is None
    assert (killed.cum_qty, killed.leaves_qty) == (Decimal(0), Decimal(0))
    assert (filled.ord_status, filled.cum_qty, filled.last_px) == (
        VenueOrdStatus.FILLED, Decimal(30), Decimal(100))


def test_canceling_an_unknown_order_comes_back_as_a_cancel_reject(floor, symbol):
    cancel = f"{symbol}-c1"

    floor.client.cancel("oms", CancelRequest(cancel, f"{symbol}-nope", symbol, Side.BUY, T0))

    [reject] = wait_for(lambda: floor.seen.rejects_of(cancel))
    assert (reject.orig_cl_ord_id, reject.reason) == (f"{symbol}-nope", "unknown order")
    assert reject.venue == "XSIM"
    assert floor.seen.for_symbol(symbol) == []


def test_a_replace_the_venue_refuses_is_a_cancel_reject_and_the_order_stays(floor, symbol):
    o1, o1r = f"{symbol}-o1", f"{symbol}-o1-r"
    floor.client.submit("oms", an_order(o1, qty="10", price="100.00", symbol=symbol))
    wait_for(lambda: floor.seen.for_order(o1))

    floor.client.replace("oms", ReplaceRequest(o1r, o1, symbol, Side.BUY, Decimal(10),
                                               Decimal("100.001"), TimeInForce.DAY, T0))

    [reject] = wait_for(lambda: floor.seen.rejects_of(o1r))
    assert reject.orig_cl_ord_id == o1 and "tick" in reject.reason
    assert floor.client.order_status("oms", o1).ord_status is VenueOrdStatus.NEW


def test_an_order_the_venue_rejects_comes_back_rejected_with_its_reason(floor, symbol):
    floor.client.submit("oms", an_order(f"{symbol}-bad", qty="10", price="100.001",
                                        symbol=symbol))

    [rejected] = wait_for(lambda: floor.seen.for_symbol(symbol))
    assert (rejected.exec_type, rejected.ord_status) == (ExecType.REJECTED,
                                                         VenueOrdStatus.REJECTED)
    assert "tick" in rejected.text


def test_a_status_request_for_an_order_the_client_never_sent_finds_nothing(floor, symbol):
    assert floor.client.order_status("oms", f"{symbol}-never-sent") is None


def last_of(reports, exec_type):
    """Return the last report of a kind, or None."""
    return next((r for r in reversed(reports) if r.exec_type is exec_type), None)
