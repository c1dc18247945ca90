"""Call auction: clearing price rules and execution, with hand-computed examples."""

import pytest

from brokerage.domain.orders.types import Side
from brokerage.venues.matching.auction import (
    AuctionOrder,
    ClearingPrice,
    choose_price,
    match_at,
    uncross,
)
from brokerage.venues.matching.book import AuctionFill, OrderBook

BUY, SELL = Side.BUY, Side.SELL


def buy(order_id, price, qty, seq=0):
    return AuctionOrder(order_id, BUY, price, qty, seq)


def sell(order_id, price, qty, seq=0):
    return AuctionOrder(order_id, SELL, price, qty, seq)


# Demand/supply by candidate price:   99: 600/150  100: 600/300  101: 300/500  102: 100/500
VOLUME_BOOK = [
    buy("B1", 102, 100, 1), buy("B2", 101, 200, 2), buy("B3", 100, 300, 3),
    sell("S1", 99, 150, 4), sell("S2", 100, 150, 5), sell("S3", 101, 200, 6),
]


def test_price_maximizes_volume_then_minimizes_imbalance():
    # 100 and 101 both execute 300; the imbalance is 300 at 100 and 200 at 101.
    assert choose_price(VOLUME_BOOK, reference=100) == ClearingPrice(101, 300, 200)


def test_orders_execute_in_price_then_time_priority_at_the_single_price():
    assert match_at(VOLUME_BOOK, 101) == [
        AuctionFill("B1", "S1", 101, 100, 0, 50),
        AuctionFill("B2", "S1", 101, 50, 150, 0),
        AuctionFill("B2", "S2", 101, 150, 0, 0),
    ]


@pytest.mark.parametrize(("reference", "expected"), [(110, 103), (90, 102), (102, 102)])
def test_equal_volume_and_imbalance_go_to_the_price_nearest_the_reference(reference, expected):
    # 102 and 103 both execute 200 with an imbalance of 300.
    orders = [buy("B1", 103, 500), sell("S1", 101, 100), sell("S2", 102, 100),
              sell("S3", 104, 1000)]
    assert choose_price(orders, reference) == ClearingPrice(expected, 200, 300)


@pytest.mark.parametrize(("reference", "expected"), [(100, 99), (101, 101), (98, 99)])
def test_prices_equally_near_the_reference_resolve_to_the_lower(reference, expected):
    orders = [buy("B1", 101, 100), sell("S1", 99, 100)]
    assert choose_price(orders, reference).price == expected


def test_market_orders_take_part_at_any_price_and_fill_first():
    orders = [buy("M", None, 50, 9), buy("B1", 102, 10, 1), sell("S1", 100, 30, 2),
              sell("S2", 102, 30, 3)]
    # 100: demand 60, supply 30 -> 30; 102: demand 60, supply 60 -> 60.
    assert choose_price(orders, 100) == ClearingPrice(102, 60, 0)
    assert [(f.buy_id, f.sell_id, f.qty) for f in match_at(orders, 102)] == [
        ("M", "S1", 30), ("M", "S2", 20), ("B1", "S2", 10),
    ]


def test_only_market_orders_cross_at_the_reference_price():
    orders = [buy("M1", None, 50), sell("M2", None, 20)]
    assert choose_price(orders, 123) == ClearingPrice(123, 20, 30)


def test_orders_that_do_not_cross_give_no_price():
    assert choose_price([buy("B", 99, 10), sell("S", 101, 10)], 100).price is None
    assert choose_price([buy("B", 99, 10)], 100).price is None


def test_earlier_arrival_wins_at_the_same_price():
    orders = [buy("late", 100, 10, seq=7), buy("early", 100, 10, seq=3), sell("S", 100, 10)]
    assert [f.buy_id for f in match_at(orders, 100)] == ["early"]


def test_uncross_fills_resting_orders_in_the_book_and_reports_queued_remainders():
    book = OrderBook()
    book.add_limit("r1", "mm", SELL, 101, 100)
    book.add_limit("r2", "mm", BUY, 99, 100)
    queued = [buy("q1", None, 60, book.reserve_seq())]
    clearing, fills = uncross(book, queued, reference=100)
    assert clearing == ClearingPrice(101, 60, 40)
    assert fills == [AuctionFill("q1", "r1", 101, 60, 0, 40)]
    assert book.top(SELL) == (101, 40) and book.top(BUY) == (99, 100)


def test_queued_order_that_arrived_earlier_beats_resting_order_at_same_price():
    book = OrderBook()
    early = book.reserve_seq()
    book.add_limit("r1", "mm", SELL, 100, 10)
    queued = [sell("q1", 100, 10, early), buy("q2", 100, 10, book.reserve_seq())]
    _, fills = uncross(book, queued, reference=100)
    assert [f.sell_id for f in fills] == ["q1"]
    assert book.top(SELL) == (100, 10)
