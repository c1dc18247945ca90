"""Trading phases of the simulated exchange: queues, opening and closing auctions, expiry."""

from decimal import Decimal

from venue_builders import ACME, T0, a_cancel, a_new_order, a_replace, an_exchange, at

from brokerage.domain.execution import ExecType, VenueOrdStatus
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import TimeInForce

D = Decimal
CLOSED, PRE, REGULAR, POST = (MarketPhase.CLOSED, MarketPhase.PRE_MARKET, MarketPhase.REGULAR,
                              MarketPhase.POST_MARKET)


def test_orders_sent_while_closed_queue_without_touching_the_book():
    exchange, inbox = an_exchange(CLOSED)
    exchange.submit("ann", a_new_order("a1", price="101.00"))
    exchange.submit("bob", a_new_order("b1", side="sell", price="99.00"))
    assert inbox["ann"].types("a1") == [ExecType.NEW]
    assert inbox["bob"].types("b1") == [ExecType.NEW]
    assert exchange.top_of_book(ACME) is None


def test_ioc_and_fok_are_rejected_while_closed():
    exchange, inbox = an_exchange(CLOSED)
    exchange.submit("ann", a_new_order("i1", tif=TimeInForce.IOC))
    exchange.submit("ann", a_new_order("f1", tif=TimeInForce.FOK))
    assert [inbox["ann"].last(c).text for c in ("i1", "f1")] == ["market closed"] * 2


def test_opening_auction_crosses_queued_orders_at_one_price_and_rests_the_rest():
    exchange, inbox = an_exchange(CLOSED)
    exchange.submit("ann", a_new_order("a1", qty="10", price="101.00"))
    exchange.submit("bob", a_new_order("b1", side="sell", qty="4", price="99.00"))
    exchange.submit("bob", a_new_order("b2", side="sell", qty="4", price="100.00"))
    exchange.set_phase(REGULAR, at(60))
    # 99: 10/4, 100: 10/8, 101: 10/8 -> 8 at 100 or 101; imbalance 2 both; nearer 100 (ref).
    fills = [r for r in inbox["ann"].of("a1") if r.exec_type is ExecType.TRADE]
    assert [(f.last_qty, f.last_px, f.liquidity) for f in fills] == [
        (4, D("100"), "auction"), (4, D("100"), "auction")]
    assert exchange.last_trade(ACME).price == 100
    assert exchange.top_of_book(ACME).bid == D("101") and exchange.top_of_book(ACME).bid_size == 2


def test_opg_order_takes_part_in_the_opening_auction_and_its_remainder_expires():
    exchange, inbox = an_exchange(CLOSED)
    exchange.submit("ann", a_new_order("o1", qty="10", price="100.00", tif=TimeInForce.OPG))
    exchange.submit("bob", a_new_order("b1", side="sell", qty="3", price="100.00"))
    exchange.set_phase(REGULAR, at(60))
    assert inbox["ann"].types("o1") == [ExecType.NEW, ExecType.TRADE, ExecType.EXPIRED]
    assert inbox["ann"].last("o1").cum_qty == 3
    assert exchange.top_of_book(ACME).bid is None


def test_queued_market_order_remainder_matches_continuously_after_the_open():
    exchange, inbox = an_exchange(PRE)
    exchange.submit("bob", a_new_order("b1", side="sell", qty="5", price="100.00", extended=True))
    exchange.submit("ann", a_new_order("m1", qty="8", price=None))
    assert inbox["ann"].types("m1") == [ExecType.NEW]
    exchange.set_phase(REGULAR, at(60))
    last = inbox["ann"].last("m1")
    assert (last.exec_type, last.cum_qty, last.leaves_qty) == (ExecType.EXPIRED, 5, 0)


def test_gtc_order_resting_from_yesterday_joins_the_opening_auction():
    exchange, inbox = an_exchange(REGULAR)
    exchange.submit("bob", a_new_order("g1", side="sell", qty="5", price="100.00",
                                       tif=TimeInForce.GTC))
    exchange.set_phase(POST, at(1))
    exchange.set_phase(CLOSED, at(2))
    exchange.submit("ann", a_new_order("a1", qty="5", price="100.50"))
    exchange.set_phase(REGULAR, at(3))
    assert inbox["bob"].last("g1").ord_status is VenueOrdStatus.FILLED
    assert inbox["bob"].last("g1").liquidity == "auction"


def test_pre_market_extended_limit_orders_trade_and_others_wait_for_the_open():
    exchange, inbox = an_exchange(PRE)
    exchange.submit("bob", a_new_order("b1", side="sell", qty="5", price="100.00", extended=True))
    exchange.submit("ann", a_new_order("a1", qty="2", price="100.00", extended=True))
    exchange.submit("ann", a_new_order("a2", qty="2", price="100.00"))
    assert inbox["ann"].last("a1").ord_status is VenueOrdStatus.FILLED
    assert inbox["ann"].types("a2") == [ExecType.NEW]
    exchange.set_phase(REGULAR, at(60))
    assert inbox["ann"].last("a2").ord_status is VenueOrdStatus.FILLED


def test_day_orders_expire_at_the_close_unless_extended_and_gtc_persists():
    exchange, inbox = an_exchange(REGULAR)
    exchange.submit("ann", a_new_order("day", price="99.00"))
    exchange.submit("ann", a_new_order("ext", price="98.00", extended=True))
    exchange.submit("ann", a_new_order("gtc", price="97.00", tif=TimeInForce.GTC))
    exchange.set_phase(POST, at(1))
    assert inbox["ann"].last("day").exec_type is ExecType.EXPIRED
    assert inbox["ann"].last("ext").exec_type is ExecType.NEW
    exchange.set_phase(CLOSED, at(2))
    assert inbox["ann"].last("ext").exec_type is ExecType.EXPIRED
    assert inbox["ann"].last("gtc").exec_type is ExecType.NEW
    assert exchange.top_of_book(ACME).bid == D("97")


def test_cls_orders_wait_for_the_closing_auction_with_the_resting_book():
    exchange, inbox = an_exchange(REGULAR)
    exchange.submit("bob", a_new_order("r1", side="sell", qty="5", price="100.00",
                                       tif=TimeInForce.GTC))
    exchange.submit("ann", a_new_order("c1", qty="8", price=None, tif=TimeInForce.CLS))
    assert inbox["ann"].types("c1") == [ExecType.NEW]
    assert exchange.top_of_book(ACME).ask_size == 5
    exchange.set_phase(POST, at(1))
    assert inbox["ann"].types("c1") == [ExecType.NEW, ExecType.TRADE, ExecType.EXPIRED]
    assert inbox["ann"].last("c1").cum_qty == 5
    assert inbox["bob"].last("r1").ord_status is VenueOrdStatus.FILLED


def test_queued_order_can_be_canceled_before_the_auction():
    exchange, inbox = an_exchange(CLOSED)
    exchange.submit("ann", a_new_order("a1"))
    exchange.cancel("ann", a_cancel("c1", "a1"))
    exchange.set_phase(REGULAR, at(1))
    assert inbox["ann"].types("a1") == [ExecType.NEW, ExecType.CANCELED]
    assert exchange.top_of_book(ACME).bid is None


def test_queued_order_replaced_before_the_open_loses_its_place_in_line():
    exchange, inbox = an_exchange(CLOSED)
    exchange.submit("ann", a_new_order("a1", qty="5", price="100.00"))
    exchange.submit("bob", a_new_order("b1", qty="5", price="100.00"))
    exchange.replace("ann", a_replace("a2", "a1", qty="6", price="100.00"))
    exchange.submit("bob", a_new_order("s1", side="sell", qty="5", price="100.00"))
    exchange.set_phase(REGULAR, at(1))
    assert inbox["bob"].last("b1").ord_status is VenueOrdStatus.FILLED
    assert inbox["ann"].last("a2").exec_type is ExecType.REPLACED


def test_phase_change_to_the_same_phase_does_nothing():
    exchange, inbox = an_exchange(CLOSED)
    exchange.submit("ann", a_new_order("a1"))
    exchange.set_phase(CLOSED, T0)
    assert inbox["ann"].types("a1") == [ExecType.NEW]
