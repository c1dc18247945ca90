"""The fast book against the naive oracle on random operation sequences."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from brokerage.domain.orders.types import Side
from brokerage.venues.matching.book import (
    Accepted,
    AuctionFill,
    Canceled,
    Fill,
    OrderBook,
    Reason,
)
from brokerage.venues.matching.naive import NaiveBook

sides = st.sampled_from([Side.BUY, Side.SELL])
prices = st.integers(min_value=95, max_value=105)
quantities = st.integers(min_value=1, max_value=12)
targets = st.integers(min_value=0, max_value=60)  # ids of earlier orders (or unknown ones)

operations = st.one_of(
    st.tuples(st.just("limit"), sides, prices, quantities),
    st.tuples(st.just("limit"), sides, prices, quantities),
    st.tuples(st.just("limit"), sides, prices, quantities),
    st.tuples(st.just("market"), sides, st.none(), quantities),
    st.tuples(st.just("ioc"), sides, prices, quantities),
    st.tuples(st.just("fok"), sides, st.one_of(st.none(), prices), quantities),
    st.tuples(st.just("cancel"), targets),
    st.tuples(st.just("cancel"), targets),
    st.tuples(st.just("replace"), targets, prices, st.integers(min_value=0, max_value=15)),
)


def apply(book, op, next_id):
    """Apply one generated operation to a book; return its events."""
    kind = op[0]
    if kind == "cancel":
        return book.cancel(op[1])
    if kind == "replace":
        return book.replace(op[1], op[3], op[2])
    _, side, price, qty = op
    if kind == "limit":
        return book.add_limit(next_id, "p", side, price, qty)
    if kind == "market":
        return book.add_market(next_id, "p", side, qty)
    if kind == "ioc":
        return book.add_ioc(next_id, "p", side, price, qty)
    return book.add_fok(next_id, "p", side, price, qty)


@settings(max_examples=300, deadline=None)
@given(st.lists(operations, min_size=1, max_size=120))
def test_fast_book_emits_the_same_events_as_the_naive_book(ops):
    fast, naive = OrderBook(), NaiveBook()
    for next_id, op in enumerate(ops):
        assert apply(fast, op, next_id) == apply(naive, op, next_id)
        assert (fast.best_bid(), fast.best_ask()) == (naive.best_bid(), naive.best_ask())
    for side in (Side.BUY, Side.SELL):
        assert [o.order_id for o in fast.resting(side)] == naive.resting_ids(side)


@settings(max_examples=300, deadline=None)
@given(st.lists(operations, min_size=1, max_size=120))
def test_book_never_crosses_after_any_operation(ops):
    book = OrderBook()
    for next_id, op in enumerate(ops):
        apply(book, op, next_id)
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is None or ask is None or bid < ask


@settings(max_examples=200, deadline=None)
@given(st.lists(operations, min_size=1, max_size=120))
def test_level_totals_equal_the_sum_of_their_orders(ops):
    book = OrderBook()
    for next_id, op in enumerate(ops):
        apply(book, op, next_id)
    for side in (Side.BUY, Side.SELL):
        totals: dict[int, int] = {}
        for order in book.resting(side):
            totals[order.price] = totals.get(order.price, 0) + order.qty
        assert dict(book.depth(side, 1000)) == totals


def test_a_long_run_over_many_prices_matches_the_naive_book():
    """Hundreds of levels empty and refill, so emptied levels are reused and dropped in bulk."""
    rng = random.Random(11)
    fast, naive = OrderBook(), NaiveBook()
    for next_id in range(6000):
        roll = rng.random()
        side = rng.choice([Side.BUY, Side.SELL])
        if roll < 0.45:
            price = rng.randint(200, 500) if side is Side.SELL else rng.randint(1, 300)
            op = ("limit", side, price, rng.randint(1, 9))
        elif roll < 0.85:
            op = ("cancel", rng.randrange(max(next_id, 1)))
        elif roll < 0.95:
            op = ("market", side, None, rng.randint(1, 40))
        else:
            op = ("replace", rng.randrange(max(next_id, 1)), rng.randint(1, 500), 6)
        assert apply(fast, op, next_id) == apply(naive, op, next_id)
        assert (fast.best_bid(), fast.best_ask()) == (naive.best_bid(), naive.best_ask())
    for side in (Side.BUY, Side.SELL):
        assert [o.order_id for o in fast.resting(side)] == naive.resting_ids(side)
        assert fast.depth(side, 5) == OrderBook.restore(fast.snapshot()).depth(side, 5)


def test_events_are_values_of_their_own_type():
    assert Canceled(1, 5, Reason.CANCELED) == Canceled(1, 5, Reason.CANCELED)
    assert Fill(1, 2, 100, 5, 0, 0) != AuctionFill(1, 2, 100, 5, 0, 0)
    assert len({Accepted(1), Accepted(1)}) == 1
    assert repr(Accepted("a1")) == "Accepted('a1',)"
