"""The Alpaca serializers produce what alpaca-py's strict models accept."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.models import Position as AlpacaPosition
from alpaca.trading.models import TradeAccount

from brokerage.domain.ids import AccountId, ClientOrderId, OrderId, Symbol
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.types import OrderStatus, OrderType, Side, TimeInForce
from brokerage.entrypoints.api.alpaca import serializers
from brokerage.entrypoints.api.alpaca.errors import from_refusal
from brokerage.entrypoints.api.alpaca.positions import close_quantity
from brokerage.read_models.alpaca import PositionView, asset_id
from brokerage.service_layer.errors import NotFound, Refused

T0 = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
ORDER_ID = "0b7f1c9e-5d1a-4c63-9a53-3c8d6b1f2e10"


def an_order(**overrides) -> Order:
    fields = dict(order_id=OrderId(ORDER_ID), account_id=AccountId("acct"),
                  client_order_id=ClientOrderId("c-1"), symbol=Symbol("AAPL"), side=Side.BUY,
                  order_type=OrderType.LIMIT, time_in_force=TimeInForce.DAY, ts=T0,
                  quantity=Decimal("2"), limit_price=Decimal("100.50"))
    fields.update(overrides)
    return Order.create(**fields)


@pytest.mark.parametrize("status", list(OrderStatus))
def test_every_order_status_is_one_alpaca_knows(status):
    order = an_order()
    order.status = status
    parsed = AlpacaOrder(**serializers.order(order.to_dict()))
    assert parsed.status.value == status.value


def test_an_order_reads_back_with_string_quantities_and_prices():
    parsed = AlpacaOrder(**serializers.order(an_order().to_dict()))
    assert parsed.qty == "2" and parsed.limit_price == "100.5" and parsed.filled_qty == "0"
    assert parsed.submitted_at == T0 and str(parsed.id) == ORDER_ID
    assert str(parsed.asset_id) == asset_id("AAPL") and parsed.order_class == "simple"


def test_a_notional_order_has_no_quantity():
    order = an_order(quantity=None, notional=Decimal("25"), order_type=OrderType.MARKET,
                     limit_price=None)
    parsed = AlpacaOrder(**serializers.order(order.to_dict()))
    assert parsed.qty is None and parsed.notional == "25"


def a_position(qty="4", available="4") -> PositionView:
    return PositionView(symbol="AAPL", exchange="NASDAQ", qty=Decimal(qty),
                        qty_available=Decimal(available), avg_entry_price=Decimal("10"),
                        cost_basis=Decimal(qty) * 10, current_price=Decimal("11"),
                        lastday_price=Decimal("10.5"))


def test_a_position_carries_its_pnl_as_strings():
    parsed = AlpacaPosition(**serializers.position(a_position()))
    assert parsed.market_value == "44.00" and parsed.unrealized_pl == "4.00"
    assert parsed.unrealized_plpc == "0.1" and parsed.unrealized_intraday_pl == "2.00"


def test_an_account_view_is_a_valid_trade_account():
    view = {"id": ORDER_ID, "account_number": "BRK1", "status": "active",
            "buying_power": "10.00", "cash_total": Decimal("10"), "pending_in": Decimal("0"),
            "equity": Decimal("54"), "long_market_value": Decimal("44"),
            "created_at": T0.isoformat()}
    parsed = TradeAccount(**serializers.account(view, Decimal("50")))
    assert parsed.equity == "54.00" and parsed.last_equity == "50.00"


@pytest.mark.parametrize(("qty", "percentage", "fractionable", "expected"), [
    (None, None, True, "4"),
    ("1.5", None, True, "1.5"),
    (None, "50", False, "2"),
    (None, "30", False, "1"),
    (None, "30", True, "1.200000000"),
])
def test_close_quantity_sells_all_a_quantity_or_a_percentage(qty, percentage, fractionable,
                                                             expected):
    got = close_quantity(a_position(), fractionable, qty and Decimal(qty),
                         percentage and Decimal(percentage))
    assert got == Decimal(expected)


@pytest.mark.parametrize(("qty", "percentage", "status"), [
    ("5", None, 403), (None, "150", 422), (None, "10", 422), ("1", "10", 422)])
def test_close_quantity_refuses_what_cannot_be_sold(qty, percentage, status):
    with pytest.raises(Refused) as refused:
        close_quantity(a_position(), False, qty and Decimal(qty),
                       percentage and Decimal(percentage))
    assert refused.value.status == status


@pytest.mark.parametrize(("error", "status", "code"), [
    (NotFound("ORDER_NOT_FOUND", "order not found"), 404, 40410000),
    (Refused("RISK_INSUFFICIENT_BUYING_POWER", "insufficient", status=403), 403, 40310000),
    (Refused("ORDER_INVALID", "bad"), 422, 40010001),
    (Refused("ORDER_NOT_CANCELABLE", "filled"), 422, 42210000),
    (Refused("DUPLICATE_CLIENT_ORDER_ID", "taken", status=409), 422, 40010001),
])
def test_refusals_map_to_alpacas_status_and_code(error, status, code):
    response = from_refusal(error)
    assert response.status_code == status and f'"code":{code}' in bytes(response.body).decode()
