"""The simulated exchange: FIX-shaped reports, validation, cancel/replace, market data."""

import json
from decimal import Decimal

import pytest
from venue_builders import (
    ACME,
    T0,
    a_cancel,
    a_new_order,
    a_replace,
    an_exchange,
    an_instrument,
)

from brokerage.domain.execution import ExecType, VenueOrdStatus
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce

D = Decimal


def test_accepted_limit_order_is_reported_new_with_everything_leaving():
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("a1", qty="10", price="100.00"))
    [report] = inbox["ann"].reports
    assert report.exec_type is ExecType.NEW and report.ord_status is VenueOrdStatus.NEW
    assert (report.cum_qty, report.leaves_qty, report.avg_px) == (0, 10, 0)
    assert report.exec_id == "SIMX-1" and report.venue_order_id == "SIMX-O1"
    assert exchange.order_status("ann", "a1") == report


def test_crossing_orders_report_trades_to_both_sides():
    exchange, inbox = an_exchange()
    exchange.submit("bob", a_new_order("b1", side="sell", qty="4", price="100.00"))
    exchange.submit("ann", a_new_order("a1", side="buy", qty="10", price="100.05"))
    maker, taker = inbox["bob"].last("b1"), inbox["ann"].last("a1")
    assert (maker.exec_type, maker.ord_status, maker.liquidity) == (
        ExecType.TRADE, VenueOrdStatus.FILLED, "added")
    assert (taker.exec_type, taker.ord_status, taker.liquidity) == (
        ExecType.TRADE, VenueOrdStatus.PARTIALLY_FILLED, "removed")
    assert (taker.last_qty, taker.last_px, taker.cum_qty, taker.leaves_qty) == (4, 100, 4, 6)
    assert maker.leaves_qty == 0


def test_average_price_weights_each_fill():
    exchange, inbox = an_exchange()
    exchange.submit("bob", a_new_order("b1", side="sell", qty="5", price="100.00"))
    exchange.submit("bob", a_new_order("b2", side="sell", qty="5", price="100.03"))
    exchange.submit("ann", a_new_order("a1", qty="10", price="100.03"))
    last = inbox["ann"].last("a1")
    assert last.ord_status is VenueOrdStatus.FILLED
    assert (last.cum_qty, last.leaves_qty, last.avg_px) == (10, 0, D("100.015"))
    assert [r.last_px for r in inbox["ann"].of("a1")[1:]] == [D("100.00"), D("100.03")]


def test_market_order_against_empty_book_is_accepted_then_expired():
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("m1", price=None))
    assert inbox["ann"].types("m1") == [ExecType.NEW, ExecType.EXPIRED]
    assert inbox["ann"].last("m1").leaves_qty == 0


def test_ioc_remainder_is_expired_after_the_fill():
    exchange, inbox = an_exchange()
    exchange.submit("bob", a_new_order("b1", side="sell", qty="3"))
    exchange.submit("ann", a_new_order("i1", qty="5", tif=TimeInForce.IOC))
    assert inbox["ann"].types("i1") == [ExecType.NEW, ExecType.TRADE, ExecType.EXPIRED]
    assert inbox["ann"].last("i1").cum_qty == 3
    assert exchange.top_of_book(ACME).bid is None


@pytest.mark.parametrize(("qty", "expected"), [("3", VenueOrdStatus.FILLED),
                                               ("4", VenueOrdStatus.EXPIRED)])
def test_fok_fills_entirely_or_expires_untouched(qty, expected):
    exchange, inbox = an_exchange()
    exchange.submit("bob", a_new_order("b1", side="sell", qty="3"))
    exchange.submit("ann", a_new_order("f1", qty=qty, tif=TimeInForce.FOK))
    assert inbox["ann"].last("f1").ord_status is expected
    assert sum(r.last_qty for r in inbox["ann"].of("f1")) == (3 if qty == "3" else 0)


@pytest.mark.parametrize(
    ("request_", "text"),
    [
        (a_new_order("x", price="100.001"), "not on tick"),
        (a_new_order("x", price="0"), "limit price must be positive"),
        (a_new_order("x", qty="0"), "quantity must be positive"),
        (a_new_order("x", qty="0.0000000001"), "more than 9 decimal"),
        (a_new_order("x", symbol="NOPE"), "unknown symbol"),
        (a_new_order("x", price=None, extended=True), "must be limit"),
        (a_new_order("x", order_type=OrderType.STOP), "unsupported order type"),
    ],
)
def test_invalid_orders_are_rejected_with_a_reason(request_, text):
    exchange, inbox = an_exchange()
    exchange.submit("ann", request_)
    [report] = inbox["ann"].reports
    assert report.exec_type is ExecType.REJECTED and report.ord_status is VenueOrdStatus.REJECTED
    assert text in report.text


def test_sub_dollar_prices_trade_in_hundredths_of_a_cent():
    exchange, inbox = an_exchange(MarketPhase.REGULAR, an_instrument("PNY", price="0.50"))
    exchange.submit("ann", a_new_order("ok", symbol="PNY", price="0.5001"))
    exchange.submit("ann", a_new_order("bad", symbol="PNY", price="0.50005"))
    assert inbox["ann"].last("ok").exec_type is ExecType.NEW
    assert inbox["ann"].last("bad").exec_type is ExecType.REJECTED


def test_fractional_quantity_needs_a_fractionable_instrument():
    exchange, inbox = an_exchange(
        MarketPhase.REGULAR, an_instrument("ACME"), an_instrument("WHOLE", fractionable=False)
    )
    exchange.submit("ann", a_new_order("f1", qty="0.123456789"))
    exchange.submit("ann", a_new_order("f2", qty="0.5", symbol="WHOLE"))
    assert inbox["ann"].last("f1").leaves_qty == D("0.123456789")
    assert inbox["ann"].last("f2").exec_type is ExecType.REJECTED


def test_duplicate_cl_ord_id_is_rejected_and_the_original_is_untouched():
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("a1"))
    exchange.submit("ann", a_new_order("a1", qty="99"))
    assert inbox["ann"].types("a1") == [ExecType.NEW, ExecType.REJECTED]
    assert exchange.order_status("ann", "a1").exec_type is ExecType.NEW
    assert exchange.top_of_book(ACME).bid_size == 10


def test_same_cl_ord_id_from_another_participant_is_a_different_order():
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("x1"))
    exchange.submit("bob", a_new_order("x1"))
    assert inbox["bob"].last("x1").exec_type is ExecType.NEW


def test_cancel_reports_canceled_under_the_cancel_request_id():
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("a1"))
    exchange.cancel("ann", a_cancel("c1", "a1"))
    report = inbox["ann"].reports[-1]
    assert (report.exec_type, report.ord_status) == (ExecType.CANCELED, VenueOrdStatus.CANCELED)
    assert (report.cl_ord_id, report.orig_cl_ord_id, report.leaves_qty) == ("c1", "a1", 0)
    assert exchange.order_status("ann", "a1") == report
    assert exchange.top_of_book(ACME).bid is None


@pytest.mark.parametrize(("orig", "text"), [("nope", "unknown order"),
                                            ("a1", "order is not open")])
def test_cancel_of_unknown_or_finished_order_gets_a_cancel_reject(orig, text):
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("a1", price=None))  # expires at once: empty book
    exchange.cancel("ann", a_cancel("c1", orig))
    [reject] = inbox["ann"].rejects
    assert (reject.cl_ord_id, reject.orig_cl_ord_id, reject.reason) == ("c1", orig, text)
    assert exchange.cancel_rejects("ann") == [reject]


def test_cancel_of_another_participants_order_is_unknown():
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("a1"))
    exchange.cancel("bob", a_cancel("c1", "a1"))
    assert inbox["bob"].rejects[0].reason == "unknown order"
    assert exchange.top_of_book(ACME).bid == 100


def test_replace_reports_replaced_with_the_new_quantity():
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("a1", qty="10"))
    exchange.replace("ann", a_replace("a2", "a1", qty="6", price="100.00"))
    report = inbox["ann"].reports[-1]
    assert (report.exec_type, report.ord_status) == (ExecType.REPLACED, VenueOrdStatus.NEW)
    assert (report.cl_ord_id, report.orig_cl_ord_id, report.leaves_qty) == ("a2", "a1", 6)
    assert exchange.order_status("ann", "a1") == exchange.order_status("ann", "a2") == report


@pytest.mark.parametrize(("qty", "price", "first"), [("4", "100.00", "a1"),
                                                     ("12", "100.00", "b1"),
                                                     ("5", "99.99", "b1")])
def test_replace_keeps_priority_only_when_reduced_at_the_same_price(qty, price, first):
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("a1", qty="10", price="100.00"))
    exchange.submit("bob", a_new_order("b1", qty="10", price="100.00"))
    exchange.replace("ann", a_replace("a2", "a1", qty=qty, price=price))
    exchange.submit("bob", a_new_order("s1", side="sell", qty="1", price="99.00"))
    filled = [p for p, box in inbox.items() for r in box.reports if r.exec_type is ExecType.TRADE
              and r.cl_ord_id != "s1"]
    assert filled == ["ann" if first == "a1" else "bob"]


def test_replace_below_filled_quantity_cancels_the_rest():
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("a1", qty="10"))
    exchange.submit("bob", a_new_order("s1", side="sell", qty="4", price="100.00"))
    exchange.replace("ann", a_replace("a2", "a1", qty="3", price="100.00"))
    report = inbox["ann"].reports[-1]
    assert (report.exec_type, report.cum_qty, report.leaves_qty) == (ExecType.CANCELED, 4, 0)


def test_replace_that_changes_side_is_refused():
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("a1"))
    exchange.replace("ann", a_replace("a2", "a1", qty="5", price="100.00", side="sell"))
    assert "does not match" in inbox["ann"].rejects[0].reason


def test_replace_to_an_off_tick_price_is_refused():
    exchange, inbox = an_exchange()
    exchange.submit("ann", a_new_order("a1"))
    exchange.replace("ann", a_replace("a2", "a1", qty="5", price="100.005"))
    assert "not on tick" in inbox["ann"].rejects[0].reason
    assert exchange.order_status("ann", "a2") is None


def test_trades_and_quotes_reach_the_listeners():
    exchange, _ = an_exchange()
    trades, quotes = [], []
    exchange.add_trade_listener(trades.append)
    exchange.add_quote_listener(quotes.append)
    exchange.submit("bob", a_new_order("b1", side="sell", qty="4", price="100.02"))
    exchange.submit("ann", a_new_order("a1", qty="1", price="100.02"))
    assert [(t.price, t.quantity) for t in trades] == [(D("100.02"), 1)]
    assert exchange.last_trade(ACME) == trades[-1]
    assert [(q.ask, q.ask_size) for q in quotes] == [(D("100.02"), 4), (D("100.02"), 3)]
    assert exchange.top_of_book(ACME) == quotes[-1]


def test_executions_since_a_sequence_number_returns_the_later_reports():
    exchange, inbox = an_exchange()
    for n in range(3):
        exchange.submit("ann", a_new_order(f"a{n}"))
    first = int(inbox["ann"].reports[0].exec_id.rsplit("-", 1)[1])
    assert exchange.executions("ann") == inbox["ann"].reports
    assert exchange.executions("ann", since_seq=first) == inbox["ann"].reports[1:]


def test_exec_ids_are_unique_and_deterministic():
    ids = []
    for _ in range(2):
        exchange, inbox = an_exchange()
        exchange.submit("bob", a_new_order("b1", side="sell", qty="4"))
        exchange.submit("ann", a_new_order("a1", qty="10"))
        ids.append([r.exec_id for box in inbox.values() for r in box.reports])
    assert ids[0] == ids[1] and len(set(ids[0])) == len(ids[0])


def test_unconnected_participant_cannot_submit():
    exchange, _ = an_exchange()
    with pytest.raises(KeyError):
        exchange.submit("eve", a_new_order("e1"))


def test_journal_recovery_rebuilds_books_and_executions_silently():
    journal = []
    exchange, _ = an_exchange(MarketPhase.PRE_MARKET, sink=journal.append)
    exchange.submit("ann", a_new_order("a1", qty="10", price="100.00"))
    exchange.submit("bob", a_new_order("b1", side="sell", qty="3", price="99.00", extended=True))
    exchange.submit("ann", a_new_order("a2", qty="5", price="98.00", extended=True))
    exchange.submit("bob", a_new_order("b2", side="sell", qty="2", price=None,
                                       tif=TimeInForce.OPG))
    exchange.set_phase(MarketPhase.REGULAR, T0)
    exchange.submit("bob", a_new_order("b3", side="sell", qty="20", price="100.00"))
    exchange.replace("ann", a_replace("a3", "a2", qty="9", price="98.01"))
    exchange.cancel("ann", a_cancel("c1", "nope"))
    exchange.submit("ann", a_new_order("a1", qty="1"))  # duplicate: rejected but journaled
    exchange.set_phase(MarketPhase.POST_MARKET, T0)

    recovered, inbox = an_exchange(MarketPhase.CLOSED, participants=("ann",))
    recovered.recover(json.loads(json.dumps(journal)))
    assert recovered.state_hash() == exchange.state_hash()
    for participant in ("ann", "bob"):
        assert recovered.executions(participant) == exchange.executions(participant)
    assert recovered.cancel_rejects("ann") == exchange.cancel_rejects("ann")
    assert inbox["ann"].reports == [] and recovered.phase is MarketPhase.POST_MARKET
    recovered.submit("ann", a_new_order("a1"))
    assert inbox["ann"].last("a1").exec_type is ExecType.REJECTED


def test_journal_entries_are_numbered_json_dicts():
    journal = []
    exchange, _ = an_exchange(MarketPhase.REGULAR, sink=journal.append)
    exchange.submit("ann", a_new_order("a1"))
    assert [e["op"] for e in journal] == ["set_phase", "submit"]
    assert [e["seq"] for e in journal] == [1, 2]
    assert journal[1]["request"]["limit_price"] == "100.00"
    assert journal[1]["request"]["side"] == Side.BUY.value


def test_open_orders_lists_working_and_queued_orders_only():
    exchange, _ = an_exchange()
    exchange.submit("ann", a_new_order("a1"))
    exchange.submit("ann", a_new_order("a2", price=None))  # expires: empty offer side
    exchange.submit("ann", a_new_order("a3", tif=TimeInForce.CLS))
    exchange.submit("bob", a_new_order("b1"))
    assert [r.cl_ord_id for r in exchange.open_orders("ann")] == ["a1", "a3"]


def test_history_beyond_the_limit_drops_the_oldest_reports_and_finished_orders():
    exchange, inbox = an_exchange()
    exchange.connect("ann", inbox["ann"].reports.append, history_limit=2)
    for n in range(3):
        exchange.submit("ann", a_new_order(f"m{n}", price=None))  # NEW + EXPIRED each
    assert exchange.executions("ann") == inbox["ann"].reports[-2:]
    assert exchange.order_status("ann", "m0") is None
    assert exchange.order_status("ann", "m2").exec_type is ExecType.EXPIRED
