"""alpaca-py places, reads, replaces and cancels orders on a real server."""

from decimal import Decimal

import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.enums import OrderSide, OrderStatus, QueryOrderStatus, TimeInForce
from alpaca.trading.models import Order
from alpaca.trading.requests import (
    GetOrdersRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopLimitOrderRequest,
    StopOrderRequest,
    TrailingStopOrderRequest,
)

from tests.contract.alpaca.conftest import last_price, raw, wait_until

pytestmark = pytest.mark.e2e
# A cancel is acknowledged at once; the order is canceled when the venue confirms.
CANCELING = (OrderStatus.PENDING_CANCEL, OrderStatus.CANCELED)


@pytest.fixture(scope="module")
def trader(new_trader):
    return new_trader("1000")


def settled(client, order_id, statuses=(OrderStatus.FILLED,)):
    return wait_until(lambda: client.get_order_by_id(order_id), lambda o: o.status in statuses)


def far_below(server, symbol):
    return float((last_price(server, symbol) * Decimal("0.7")).quantize(Decimal("0.01")))


def test_market_buy_by_quantity_fills_and_reads_back_as_an_alpaca_order(trader):
    placed = trader.submit_order(MarketOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                                    time_in_force=TimeInForce.DAY))
    assert isinstance(placed, Order) and placed.qty == "1" and placed.notional is None
    filled = settled(trader, placed.id)
    assert filled.status == OrderStatus.FILLED
    assert filled.filled_qty == "1" and Decimal(filled.filled_avg_price) > 0
    assert filled.filled_at is not None and filled.asset_class == "us_equity"


def test_notional_market_buy_fills_a_fraction_of_a_share(trader):
    placed = trader.submit_order(MarketOrderRequest(symbol="AAPL", notional=25,
                                                    side=OrderSide.BUY,
                                                    time_in_force=TimeInForce.DAY))
    assert placed.notional == "25" and placed.qty is None
    # The OMS sizes a notional buy at the collar price, so a fill at a better price can leave
    # it partially_filled by a few cents of notional: either way shares were bought.
    filled = settled(trader, placed.id, (OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED))
    assert Decimal(filled.filled_qty) > 0 and Decimal(filled.filled_qty) % 1 != 0
    assert Decimal(filled.filled_qty) * Decimal(filled.filled_avg_price) <= Decimal("25.01")


@pytest.mark.parametrize("tif", [TimeInForce.DAY, TimeInForce.GTC])
def test_limit_order_away_from_the_market_rests_open(server, trader, tif):
    placed = trader.submit_order(LimitOrderRequest(
        symbol="AAL", qty=1, side=OrderSide.BUY, time_in_force=tif,
        limit_price=far_below(server, "AAL"), extended_hours=tif == TimeInForce.DAY))
    working = settled(trader, placed.id, (OrderStatus.NEW,))
    assert working.status == OrderStatus.NEW and working.time_in_force == tif
    assert working.extended_hours is (tif == TimeInForce.DAY)
    trader.cancel_order_by_id(placed.id)


@pytest.mark.parametrize("tif", [TimeInForce.IOC, TimeInForce.FOK])
def test_immediate_limit_order_that_cannot_fill_ends_canceled(server, trader, tif):
    placed = trader.submit_order(LimitOrderRequest(
        symbol="AAL", qty=1, side=OrderSide.BUY, time_in_force=tif,
        limit_price=far_below(server, "AAL")))
    done = settled(trader, placed.id, (OrderStatus.CANCELED, OrderStatus.EXPIRED))
    assert done.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED)


def test_stop_orders_wait_untriggered_until_canceled(server, trader):
    above = float((last_price(server, "AAL") * Decimal("1.3")).quantize(Decimal("0.01")))
    requests = [
        StopOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                         time_in_force=TimeInForce.GTC, stop_price=above),
        StopLimitOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                              time_in_force=TimeInForce.DAY, stop_price=above,
                              limit_price=above + 0.5),
        TrailingStopOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                 time_in_force=TimeInForce.DAY, trail_percent=50),
        TrailingStopOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                 time_in_force=TimeInForce.DAY, trail_price=5),
    ]
    placed = [trader.submit_order(r) for r in requests]
    assert [o.type for o in placed] == ["stop", "stop_limit", "trailing_stop", "trailing_stop"]
    assert all(o.status == OrderStatus.ACCEPTED for o in placed)
    assert placed[2].trail_percent == "50" and placed[3].trail_price == "5"
    assert placed[2].hwm is not None and placed[0].stop_price == str(Decimal(str(above)))
    for order in placed:
        trader.cancel_order_by_id(order.id)  # an untriggered stop is the OMS's own to cancel
        assert trader.get_order_by_id(order.id).status == OrderStatus.CANCELED


def test_replace_makes_a_new_version_and_the_old_one_ends_replaced(server, trader):
    price = far_below(server, "AAL")
    old = trader.submit_order(LimitOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                                time_in_force=TimeInForce.DAY,
                                                limit_price=price))
    settled(trader, old.id, (OrderStatus.NEW,))
    higher = round(price + 0.01, 2)
    new = trader.replace_order_by_id(old.id, ReplaceOrderRequest(qty=2, limit_price=higher))
    assert new.id != old.id and str(new.replaces) == str(old.id) and new.qty == "2"
    replaced = settled(trader, old.id, (OrderStatus.REPLACED,))
    assert replaced.status == OrderStatus.REPLACED and str(replaced.replaced_by) == str(new.id)
    trader.cancel_order_by_id(new.id)


def test_cancel_answers_204_and_the_order_ends_canceled(server, trader):
    placed = trader.submit_order(LimitOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                                   time_in_force=TimeInForce.DAY,
                                                   limit_price=far_below(server, "AAL")))
    settled(trader, placed.id, (OrderStatus.NEW,))
    answer = raw(server, trader).delete(f"/v2/orders/{placed.id}")
    assert answer.status_code == 204 and answer.content == b""
    assert trader.get_order_by_id(placed.id).status in CANCELING


def test_canceling_a_filled_order_is_422_and_an_unknown_one_404(trader):
    placed = trader.submit_order(MarketOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                                    time_in_force=TimeInForce.DAY))
    settled(trader, placed.id)
    with pytest.raises(APIError) as filled:
        trader.cancel_order_by_id(placed.id)
    assert filled.value.status_code == 422 and filled.value.code == 42210000
    with pytest.raises(APIError) as unknown:
        trader.cancel_order_by_id("00000000-0000-4000-8000-000000000000")
    assert unknown.value.status_code == 404 and unknown.value.code == 40410000


def test_cancel_all_answers_207_with_a_status_per_order(server, new_trader):
    client = new_trader("1000")
    price = far_below(server, "AAL")
    ids = {str(client.submit_order(LimitOrderRequest(
        symbol="AAL", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.DAY,
        limit_price=price)).id) for _ in range(2)}
    answer = raw(server, client).delete("/v2/orders")
    assert answer.status_code == 207
    assert {r["id"] for r in answer.json()} == ids
    assert {r["status"] for r in answer.json()} == {200}
    assert {r["body"]["status"] for r in answer.json()} <= set(CANCELING)
    assert {o.status for o in client.get_orders()} <= set(CANCELING)


def test_get_by_client_order_id_finds_the_order(trader):
    placed = trader.submit_order(MarketOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                                    time_in_force=TimeInForce.DAY,
                                                    client_order_id="bot-7-entry"))
    found = trader.get_order_by_client_id("bot-7-entry")
    assert found.id == placed.id and found.client_order_id == "bot-7-entry"


def test_a_second_order_with_the_same_client_order_id_is_422(trader):
    request = MarketOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                 time_in_force=TimeInForce.DAY, client_order_id="twice")
    trader.submit_order(request)
    with pytest.raises(APIError) as refused:
        trader.submit_order(request)
    assert refused.value.status_code == 422 and refused.value.code == 40010001


def test_order_list_filters_by_status_symbol_side_time_and_direction(server, new_trader):
    client = new_trader("1000")
    first = client.submit_order(MarketOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                                   time_in_force=TimeInForce.DAY))
    settled(client, first.id)
    second = client.submit_order(LimitOrderRequest(
        symbol="F", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.DAY,
        limit_price=far_below(server, "F")))
    closed = client.get_orders(GetOrdersRequest(status=QueryOrderStatus.CLOSED))
    assert [o.id for o in closed] == [first.id]
    everything = client.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL,
                                                    direction="asc"))
    assert [o.id for o in everything] == [first.id, second.id]
    assert [o.id for o in client.get_orders(GetOrdersRequest(
        status=QueryOrderStatus.ALL, symbols=["F"]))] == [second.id]
    assert client.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL,
                                              side=OrderSide.SELL)) == []
    assert [o.id for o in client.get_orders(GetOrdersRequest(
        status=QueryOrderStatus.ALL, after=first.created_at))] == [second.id]
    assert [o.id for o in client.get_orders(GetOrdersRequest(
        status=QueryOrderStatus.ALL, until=second.created_at, limit=1))] == [first.id]


def test_insufficient_buying_power_is_403_with_alpacas_code(trader):
    with pytest.raises(APIError) as refused:
        trader.submit_order(MarketOrderRequest(symbol="AAPL", qty=100, side=OrderSide.BUY,
                                               time_in_force=TimeInForce.DAY))
    assert refused.value.status_code == 403 and refused.value.code == 40310000


def test_selling_shares_not_held_is_403(trader):
    with pytest.raises(APIError) as refused:
        trader.submit_order(MarketOrderRequest(symbol="MSFT", qty=1, side=OrderSide.SELL,
                                               time_in_force=TimeInForce.DAY))
    assert refused.value.status_code == 403 and refused.value.code == 40310000


@pytest.mark.parametrize("body", [
    {"symbol": "AAL", "qty": "abc", "side": "buy", "type": "market", "time_in_force": "day"},
    {"symbol": "AAL", "qty": -1, "side": "buy", "type": "market", "time_in_force": "day"},
    {"symbol": "AAL", "qty": 1, "side": "buy", "type": "limit", "time_in_force": "day"},
    {"symbol": "AAL", "qty": 1, "side": "up", "type": "market", "time_in_force": "day"},
])
def test_invalid_input_is_422_with_code_and_message(server, trader, body):
    answer = raw(server, trader).post("/v2/orders", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == 40010001 and answer.json()["message"]


def test_numbers_may_come_as_strings(server, trader):
    answer = raw(server, trader).post("/v2/orders", json={
        "symbol": "AAL", "qty": "1", "side": "buy", "type": "limit", "time_in_force": "day",
        "limit_price": str(far_below(server, "AAL"))})
    assert answer.status_code == 200, answer.text
    trader.cancel_order_by_id(answer.json()["id"])


def test_a_closing_auction_order_waits_for_the_close(server, trader):
    placed = trader.submit_order(LimitOrderRequest(
        symbol="AAL", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.CLS,
        limit_price=far_below(server, "AAL")))
    assert settled(trader, placed.id, (OrderStatus.NEW,)).time_in_force == TimeInForce.CLS
    trader.cancel_order_by_id(placed.id)


def test_an_opening_auction_order_after_the_open_is_422(trader):
    with pytest.raises(APIError) as refused:
        trader.submit_order(MarketOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                                               time_in_force=TimeInForce.OPG))
    assert refused.value.status_code == 422 and "opg" in refused.value.message
