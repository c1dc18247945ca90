"""Stop triggers and trailing-stop levels on last-sale prices."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from order_builders import a_trailing_sell, accepted, an_event, an_order

from brokerage.domain.orders.events import TrailUpdated, Triggered
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.stops import (
    next_trail,
    round_stop,
    stop_triggered,
    update_trailing,
)
from brokerage.domain.orders.types import OrderType, Side

D = Decimal


def a_stop(side: Side, stop: str, order_type: OrderType = OrderType.STOP) -> Order:
    limit = D(stop) if order_type is OrderType.STOP_LIMIT else None
    return accepted(
        an_order(side=side, order_type=order_type, limit_price=limit, stop_price=D(stop))
    )


@pytest.mark.parametrize(
    ("side", "last", "expected"),
    [
        (Side.BUY, "100.01", True),
        (Side.BUY, "100", True),
        (Side.BUY, "99.99", False),
        (Side.SELL, "99.99", True),
        (Side.SELL, "100", True),
        (Side.SELL, "100.01", False),
    ],
)
@pytest.mark.parametrize("order_type", [OrderType.STOP, OrderType.STOP_LIMIT])
def test_a_buy_stop_triggers_at_or_above_and_a_sell_stop_at_or_below(
    side, last, expected, order_type
):
    assert stop_triggered(a_stop(side, "100", order_type), D(last)) is expected


def test_a_triggered_stop_does_not_trigger_again():
    order = a_stop(Side.SELL, "100")
    order.apply(an_event(Triggered))

    assert stop_triggered(order, D("90")) is False


def test_a_limit_order_never_triggers():
    assert stop_triggered(accepted(an_order()), D("1")) is False


def test_an_untriggered_trailing_stop_without_a_mark_does_not_trigger():
    assert stop_triggered(accepted(a_trailing_sell()), D("1")) is False


def test_a_sell_trailing_stop_ratchets_up_and_never_down():
    order = accepted(a_trailing_sell(trail_price=D("5")))

    for price in ("100", "110", "104"):
        levels = update_trailing(order, D(price))
        if levels is not None:
            order.apply(
                an_event(TrailUpdated, water_mark=levels.water_mark, stop_price=levels.stop_price)
            )

    assert (order.high_water_mark, order.stop_price) == (D("110"), D("105"))
    assert stop_triggered(order, D("105")) is True


def test_a_buy_trailing_stop_follows_the_low_by_percent_rounded_up():
    levels = next_trail(
        Side.BUY, trail_price=None, trail_percent=D("3"), water_mark=D("50"), last_price=D("48.17")
    )

    assert levels.water_mark == D("48.17")
    assert levels.stop_price == D("49.62")  # 48.17 * 1.03 = 49.6151, rounded up


def test_a_sell_trailing_stop_by_percent_rounds_down_to_the_tick():
    levels = next_trail(
        Side.SELL, trail_price=None, trail_percent=D("3"), water_mark=None, last_price=D("48.17")
    )

    assert levels.stop_price == D("46.72")  # 48.17 * 0.97 = 46.7249, rounded down


@pytest.mark.parametrize(
    ("side", "raw", "expected"),
    [
        (Side.SELL, "0.123456", "0.1234"),
        (Side.BUY, "0.123456", "0.1235"),
        (Side.SELL, "1.005", "1.00"),
        (Side.BUY, "1.001", "1.01"),
        (Side.SELL, "-3", "0"),
    ],
)
def test_stop_prices_round_to_the_tick_away_from_the_market(side, raw, expected):
    assert round_stop(side, D(raw)) == D(expected)


def test_an_unchanged_mark_produces_no_update():
    order = accepted(a_trailing_sell())
    levels = update_trailing(order, D("100"))
    assert levels is not None
    order.apply(an_event(TrailUpdated, water_mark=levels.water_mark, stop_price=levels.stop_price))

    assert update_trailing(order, D("99")) is None


def test_a_triggered_trailing_stop_stops_trailing():
    order = accepted(a_trailing_sell())
    order.apply(an_event(Triggered))

    assert update_trailing(order, D("500")) is None


prices = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=4)
trails = st.one_of(
    st.tuples(st.decimals(min_value=D("0.01"), max_value=D("50"), places=2), st.none()),
    st.tuples(st.none(), st.decimals(min_value=D("0.1"), max_value=D("99.9"), places=1)),
)


@given(path=st.lists(prices, min_size=1, max_size=40), trail=trails)
def test_a_sell_trailing_stops_price_never_decreases_on_any_path(path, trail):
    trail_price, trail_percent = trail
    order = accepted(a_trailing_sell(trail_price=trail_price, trail_percent=trail_percent))
    seen: list[Decimal] = []

    for price in path:
        levels = update_trailing(order, price)
        if levels is not None:
            order.apply(
                an_event(TrailUpdated, water_mark=levels.water_mark, stop_price=levels.stop_price)
            )
        assert order.stop_price is not None
        seen.append(order.stop_price)

    assert seen == sorted(seen)
    assert order.high_water_mark == max(path)
    assert order.stop_price <= max(path)


@given(path=st.lists(prices, min_size=1, max_size=40), trail=trails)
def test_a_buy_trailing_stops_price_never_increases_on_any_path(path, trail):
    trail_price, trail_percent = trail
    mark, stops = None, []

    for price in path:
        levels = next_trail(
            Side.BUY,
            trail_price=trail_price,
            trail_percent=trail_percent,
            water_mark=mark,
            last_price=price,
        )
        mark = levels.water_mark
        stops.append(levels.stop_price)

    assert stops == sorted(stops, reverse=True)
    assert mark == min(path) and stops[-1] >= mark
