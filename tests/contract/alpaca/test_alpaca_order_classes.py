"""alpaca-py places bracket orders: real linked legs, `held` until the entry fills."""

from decimal import Decimal

import pytest
from alpaca.trading.enums import OrderClass, OrderSide, OrderStatus, TimeInForce
from alpaca.trading.models import Order
from alpaca.trading.requests import (
    LimitOrderRequest,
    MarketOrderRequest,
    StopLossRequest,
    TakeProfitRequest,
)

from tests.contract.alpaca.conftest import last_price, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def trader(new_trader):
    return new_trader("1000")


def price(server, symbol, factor):
    return float((last_price(server, symbol) * Decimal(factor)).quantize(Decimal("0.01")))


def test_a_resting_bracket_shows_its_exits_held_and_cancels_them_with_the_entry(server,
                                                                               trader):
    placed = trader.submit_order(LimitOrderRequest(
        symbol="AAL", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.GTC,
        limit_price=price(server, "AAL", "0.7"), order_class=OrderClass.BRACKET,
        take_profit=TakeProfitRequest(limit_price=price(server, "AAL", "1.5")),
        stop_loss=StopLossRequest(stop_price=price(server, "AAL", "0.5"))))
    assert isinstance(placed, Order) and placed.order_class == OrderClass.BRACKET
    assert [leg.status for leg in placed.legs or []] == [OrderStatus.HELD, OrderStatus.HELD]
    trader.cancel_order_by_id(placed.id)
    done = wait_until(lambda: trader.get_order_by_id(placed.id),
                      lambda o: o.status == OrderStatus.CANCELED)
    assert [leg.status for leg in done.legs or []] == [OrderStatus.CANCELED] * 2


def test_a_filled_bracket_entry_activates_both_exits(server, trader):
    placed = trader.submit_order(MarketOrderRequest(
        symbol="AAL", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.GTC,
        order_class=OrderClass.BRACKET,
        take_profit=TakeProfitRequest(limit_price=price(server, "AAL", "1.5")),
        stop_loss=StopLossRequest(stop_price=price(server, "AAL", "0.5"))))
    filled = wait_until(lambda: trader.get_order_by_id(placed.id),
                        lambda o: o.status == OrderStatus.FILLED and bool(o.legs)
                        # the take-profit has reached its venue (acknowledged: `new`)
                        and o.legs[0].status == OrderStatus.NEW)
    take_profit, stop_loss = filled.legs or []
    assert take_profit.status == OrderStatus.NEW and take_profit.side == OrderSide.SELL
    assert stop_loss.status == OrderStatus.ACCEPTED and stop_loss.qty == "1"
    trader.cancel_order_by_id(take_profit.id)
    wait_until(lambda: trader.get_order_by_id(stop_loss.id),
               lambda o: o.status == OrderStatus.CANCELED)
    assert trader.get_order_by_id(stop_loss.id).status == OrderStatus.CANCELED
