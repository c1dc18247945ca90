"""The fast order book: price-time priority, order types, cancel/replace, persistence."""

import pytest

from brokerage.domain.orders.types import Side
from brokerage.venues.matching.book import (
    Accepted,
    Canceled,
    Fill,
    OrderBook,
    Reason,
    Rejected,
    Replaced,
)

BUY, SELL = Side.BUY, Side.SELL


def fills(events):
    return [e for e in events if isinstance(e, Fill)]


def a_book_with_asks(*asks):
    """Rest (id, price, qty) sell orders in the given order."""
    book = OrderBook()
    for order_id, price, qty in asks:
        book.add_limit(order_id, "maker", SELL, price, qty)
    return book


def test_resting_limit_order_is_accepted_and_becomes_the_best_bid():
    book = OrderBook()
    assert book.add_limit("b1", "ann", BUY, 100, 5) == [Accepted("b1")]
    assert book.best_bid() == 100
    assert book.best_ask() is None
    assert book.top(BUY) == (100, 5)


def test_orders_at_one_price_fill_first_in_first_out():
    book = a_book_with_asks(("s1", 101, 5), ("s2", 101, 5), ("s3", 101, 5))
    events = book.add_limit("b1", "ann", BUY, 101, 7)
    assert fills(events) == [Fill("b1", "s1", 101, 5, 2, 0), Fill("b1", "s2", 101, 2, 0, 3)]
    assert [o.order_id for o in book.resting(SELL)] == ["s2", "s3"]


def test_better_price_fills_before_earlier_order_at_worse_price():
    book = a_book_with_asks(("s1", 102, 5), ("s2", 101, 5))
    events = book.add_limit("b1", "ann", BUY, 102, 6)
    assert [(f.maker_id, f.price) for f in fills(events)] == [("s2", 101), ("s1", 102)]


def test_taker_fills_at_the_makers_price():
    book = a_book_with_asks(("s1", 99, 5))
    assert fills(book.add_limit("b1", "ann", BUY, 105, 5)) == [Fill("b1", "s1", 99, 5, 0, 0)]


def test_partial_fill_rests_the_remainder_at_the_limit():
    book = a_book_with_asks(("s1", 101, 3))
    events = book.add_limit("b1", "ann", BUY, 101, 10)
    assert fills(events) == [Fill("b1", "s1", 101, 3, 7, 0)]
    assert book.best_bid() == 101 and book.best_ask() is None
    assert book.order("b1").qty == 7 and book.order("b1").filled == 3


def test_limit_order_stops_at_its_limit_price():
    book = a_book_with_asks(("s1", 101, 3), ("s2", 103, 3))
    events = book.add_limit("b1", "ann", BUY, 102, 10)
    assert len(fills(events)) == 1
    assert book.best_bid() == 102 and book.best_ask() == 103


def test_market_order_against_empty_book_is_canceled_whole():
    book = OrderBook()
    events = book.add_market("m1", "ann", BUY, 10)
    assert events == [Accepted("m1"), Canceled("m1", 10, Reason.MARKET_REMAINDER)]
    assert len(book) == 0


def test_market_order_sweeps_levels_and_cancels_what_is_left():
    book = a_book_with_asks(("s1", 101, 3), ("s2", 105, 4))
    events = book.add_market("m1", "ann", BUY, 10)
    assert fills(events) == [Fill("m1", "s1", 101, 3, 7, 0), Fill("m1", "s2", 105, 4, 3, 0)]
    assert events[-1] == Canceled("m1", 3, Reason.MARKET_REMAINDER)
    assert book.best_ask() is None


def test_sell_market_order_hits_the_highest_bid_first():
    book = OrderBook()
    book.add_limit("b1", "x", BUY, 99, 5)
    book.add_limit("b2", "x", BUY, 100, 5)
    events = book.add_market("m1", "ann", SELL, 6)
    assert [(f.maker_id, f.price, f.qty) for f in fills(events)] == [("b2", 100, 5), ("b1", 99, 1)]


def test_ioc_fills_what_it_can_and_never_rests():
    book = a_book_with_asks(("s1", 101, 3))
    events = book.add_ioc("i1", "ann", BUY, 101, 5)
    assert fills(events) == [Fill("i1", "s1", 101, 3, 2, 0)]
    assert events[-1] == Canceled("i1", 2, Reason.IOC_REMAINDER)
    assert "i1" not in book and book.best_bid() is None


def test_ioc_that_does_not_cross_is_canceled_untouched():
    book = a_book_with_asks(("s1", 101, 3))
    assert book.add_ioc("i1", "ann", BUY, 100, 5)[-1] == Canceled("i1", 5, Reason.IOC_REMAINDER)
    assert book.top(SELL) == (101, 3)


def test_fok_with_enough_liquidity_within_limit_fills_completely():
    book = a_book_with_asks(("s1", 101, 3), ("s2", 102, 4), ("s3", 103, 9))
    events = book.add_fok("f1", "ann", BUY, 102, 7)
    assert sum(f.qty for f in fills(events)) == 7
    assert book.top(SELL) == (103, 9)


def test_fok_without_enough_liquidity_does_nothing():
    book = a_book_with_asks(("s1", 101, 3), ("s2", 102, 4), ("s3", 103, 9))
    events = book.add_fok("f1", "ann", BUY, 102, 8)
    assert events == [Accepted("f1"), Canceled("f1", 8, Reason.FOK_UNFILLABLE)]
    assert book.depth(SELL, 5) == [(101, 3), (102, 4), (103, 9)]


def test_fok_market_order_counts_the_whole_opposite_side():
    book = a_book_with_asks(("s1", 101, 3), ("s2", 150, 4))
    assert sum(f.qty for f in fills(book.add_fok("f1", "ann", BUY, None, 7))) == 7


def test_cancel_removes_order_from_book():
    book = a_book_with_asks(("s1", 101, 3), ("s2", 101, 4))
    assert book.cancel("s1") == [Canceled("s1", 3, Reason.CANCELED)]
    assert book.top(SELL) == (101, 4)
    book.cancel("s2")
    assert book.best_ask() is None and len(book) == 0


def test_cancel_of_unknown_id_is_rejected():
    assert OrderBook().cancel("nope") == [Rejected("nope", Reason.UNKNOWN_ORDER)]


def test_cancel_of_filled_order_is_rejected_as_unknown():
    book = a_book_with_asks(("s1", 101, 3))
    book.add_market("m1", "ann", BUY, 3)
    assert book.cancel("s1") == [Rejected("s1", Reason.UNKNOWN_ORDER)]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("s1", "x", SELL, 101, 1), Reason.DUPLICATE_ORDER_ID),
        (("n1", "x", SELL, 101, 0), Reason.INVALID_QUANTITY),
        (("n2", "x", SELL, 0, 5), Reason.INVALID_PRICE),
    ],
)
def test_invalid_limit_orders_are_rejected(args, reason):
    book = a_book_with_asks(("s1", 101, 3))
    assert book.add_limit(*args) == [Rejected(args[0], reason)]


def test_replace_reducing_quantity_at_same_price_keeps_priority():
    book = a_book_with_asks(("s1", 101, 5), ("s2", 101, 5))
    assert book.replace("s1", 2, 101) == [Replaced("s1", 101, 2, 2, True)]
    assert [o.order_id for o in book.resting(SELL)] == ["s1", "s2"]
    assert book.top(SELL) == (101, 7)


def test_replace_increasing_quantity_loses_priority():
    book = a_book_with_asks(("s1", 101, 5), ("s2", 101, 5))
    assert book.replace("s1", 9, 101) == [Replaced("s1", 101, 9, 9, False)]
    assert [o.order_id for o in book.resting(SELL)] == ["s2", "s1"]


def test_replace_changing_price_loses_priority_even_when_reducing():
    book = a_book_with_asks(("s1", 101, 5), ("s2", 102, 5))
    book.replace("s1", 4, 102)
    assert [o.order_id for o in book.resting(SELL)] == ["s2", "s1"]
    assert book.best_ask() == 102


def test_replace_to_a_crossing_price_matches_like_a_new_arrival():
    book = a_book_with_asks(("s1", 103, 5))
    book.add_limit("b1", "ann", BUY, 100, 5)
    events = book.replace("b1", 5, 103)
    assert events == [Replaced("b1", 103, 5, 5, False), Fill("b1", "s1", 103, 5, 0, 0)]
    assert len(book) == 0


def test_replace_counts_the_quantity_already_filled():
    book = a_book_with_asks(("s1", 101, 10))
    book.add_market("m1", "ann", BUY, 4)
    assert book.replace("s1", 8, 101) == [Replaced("s1", 101, 8, 4, True)]
    assert book.top(SELL) == (101, 4)


def test_replace_below_filled_quantity_cancels_the_remainder():
    book = a_book_with_asks(("s1", 101, 10))
    book.add_market("m1", "ann", BUY, 4)
    assert book.replace("s1", 3, 101) == [Canceled("s1", 6, Reason.REPLACED_BELOW_FILLED)]
    assert len(book) == 0


def test_replace_of_unknown_order_is_rejected():
    assert OrderBook().replace("x", 5, 100) == [Rejected("x", Reason.UNKNOWN_ORDER)]


def test_snapshot_restore_gives_the_same_state_hash_and_priority():
    book = a_book_with_asks(("s1", 101, 5), ("s2", 101, 6), ("s3", 104, 1))
    book.add_limit("b1", "ann", BUY, 99, 3)
    book.add_market("m1", "ann", BUY, 2)
    restored = OrderBook.restore(book.snapshot())
    assert restored.state_hash() == book.state_hash()
    assert list(restored.resting(SELL)) == list(book.resting(SELL))
    assert restored.reserve_seq() == book.reserve_seq()


def test_state_hash_depends_on_priority_order():
    first = a_book_with_asks(("s1", 101, 5), ("s2", 101, 5))
    second = a_book_with_asks(("s2", 101, 5), ("s1", 101, 5))
    assert first.state_hash() != second.state_hash()


def test_levels_emptied_and_refilled_keep_best_price_right():
    book = OrderBook()
    for round_ in range(200):
        book.add_limit(f"a{round_}", "x", SELL, 100 + round_ % 7, 1)
        book.cancel(f"a{round_}")
        book.add_limit(f"b{round_}", "x", SELL, 110 - round_ % 5, 1)
    assert book.best_ask() == min(o.price for o in book.resting(SELL))
    assert len(book._asks.heap) <= 2 * len(book._asks.levels) + 65


def test_execute_resting_fills_in_place_and_removes_when_done():
    book = a_book_with_asks(("s1", 101, 5), ("s2", 101, 5))
    assert book.execute_resting("s1", 2) == 3
    assert book.execute_resting("s1", 3) == 0
    assert [o.order_id for o in book.resting(SELL)] == ["s2"]
    with pytest.raises(ValueError):
        book.execute_resting("s2", 6)
