"""alpaca-py with our additions: reusable client order ids (opt-in), Idempotency-Key, held
exits canceled by their own id, and `nested` order lists."""

from decimal import Decimal

import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.enums import OrderClass, OrderSide, OrderStatus, QueryOrderStatus, TimeInForce
from alpaca.trading.models import AccountConfiguration, Order
from alpaca.trading.requests import (
    GetOrdersRequest,
    LimitOrderRequest,
    StopLossRequest,
    TakeProfitRequest,
)

from tests.contract.alpaca.conftest import last_price, raw, wait_until

pytestmark = pytest.mark.e2e
CANCELING = (OrderStatus.PENDING_CANCEL, OrderStatus.CANCELED)


def price(server, symbol, factor):
    return float((last_price(server, symbol) * Decimal(factor)).quantize(Decimal("0.01")))


def resting_buy(server, client_order_id):
    return LimitOrderRequest(symbol="AAL", qty=1, side=OrderSide.BUY,
                             time_in_force=TimeInForce.GTC,
                             limit_price=price(server, "AAL", "0.7"),
                             client_order_id=client_order_id)


def canceled(trader, order_id):
    trader.cancel_order_by_id(order_id)
    return wait_until(lambda: trader.get_order_by_id(order_id),
                      lambda o: o.status == OrderStatus.CANCELED)


def test_configurations_round_trip_through_alpaca_py_and_take_our_opt_in(server, new_trader):
    trader = new_trader("1000")
    config = trader.get_account_configurations()
    assert isinstance(config, AccountConfiguration) and config.no_shorting
    assert isinstance(trader.set_account_configurations(config), AccountConfiguration)
    http = raw(server, trader)
    assert http.get("/v2/account/configurations").json()["reuse_client_order_ids"] is False
    turned_on = http.patch("/v2/account/configurations", json={"reuse_client_order_ids": True})
    assert turned_on.status_code == 200 and turned_on.json()["reuse_client_order_ids"] is True
    assert isinstance(trader.get_account_configurations(), AccountConfiguration)
    refused = http.patch("/v2/account/configurations", json={"no_shorting": False})
    assert refused.status_code == 422 and refused.json()["code"] == 40010001
    assert http.get("/v2/account/configurations").json()["reuse_client_order_ids"] is True


def test_a_client_order_id_is_reused_after_a_terminal_state_only_when_opted_in(server,
                                                                              new_trader):
    trader = new_trader("1000")
    first = trader.submit_order(resting_buy(server, "grid-1"))
    assert canceled(trader, first.id).client_order_id == "grid-1"
    with pytest.raises(APIError) as refused:
        trader.submit_order(resting_buy(server, "grid-1"))
    assert refused.value.status_code == 422
    raw(server, trader).patch("/v2/account/configurations", json={"reuse_client_order_ids": 1})
    second = trader.submit_order(resting_buy(server, "grid-1"))
    assert isinstance(second, Order) and second.id != first.id
    assert second.client_order_id == "grid-1"
    assert trader.get_order_by_client_id("grid-1").id == second.id  # the newest
    with pytest.raises(APIError) as still_open:
        trader.submit_order(resting_buy(server, "grid-1"))
    assert still_open.value.status_code == 422
    canceled(trader, second.id)


def test_an_idempotency_key_answers_a_retry_with_the_first_order(server, new_trader):
    trader = new_trader("1000")
    http = raw(server, trader)
    body = {"symbol": "AAL", "qty": "1", "side": "buy", "type": "limit",
            "time_in_force": "gtc", "limit_price": str(price(server, "AAL", "0.7"))}
    headers = {"Idempotency-Key": "retry-1"}
    first = http.post("/v2/orders", json=body, headers=headers)
    again = http.post("/v2/orders", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other = http.post("/v2/orders", json={**body, "qty": "2"}, headers=headers)
    assert other.status_code == 409 and other.json()["code"] == 40910000
    assert len(trader.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN))) == 1
    canceled(trader, first.json()["id"])


def test_a_held_exit_is_canceled_by_its_id_with_its_sibling_and_lists_nest(server,
                                                                          new_trader):
    trader = new_trader("1000")
    placed = trader.submit_order(LimitOrderRequest(
        symbol="AAL", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.GTC,
        limit_price=price(server, "AAL", "0.7"), order_class=OrderClass.BRACKET,
        take_profit=TakeProfitRequest(limit_price=price(server, "AAL", "1.5")),
        stop_loss=StopLossRequest(stop_price=price(server, "AAL", "0.5"))))
    take_profit, stop_loss = placed.legs or []
    assert trader.get_order_by_id(take_profit.id).status == OrderStatus.HELD
    assert raw(server, trader).delete(f"/v2/orders/{take_profit.id}").status_code == 204
    entry = trader.get_order_by_id(placed.id)
    assert entry.status in (OrderStatus.NEW, OrderStatus.ACCEPTED)
    assert [leg.status for leg in entry.legs or []] == [OrderStatus.CANCELED] * 2
    nested = trader.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL, nested=True))
    assert [o.id for o in nested] == [placed.id]
    assert {leg.id for leg in nested[0].legs or []} == {take_profit.id, stop_loss.id}
    flat = trader.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL))
    assert {o.id for o in flat} == {placed.id, take_profit.id, stop_loss.id}
    assert {o.order_class for o in flat} == {OrderClass.BRACKET}
    canceled(trader, placed.id)
