"""alpaca-py reads the account, positions, activities and portfolio history, and closes."""

from decimal import Decimal
from uuid import UUID

import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.enums import AccountStatus, OrderSide, OrderStatus, TimeInForce
from alpaca.trading.models import NonTradeActivity, PortfolioHistory, TradeActivity
from alpaca.trading.requests import (
    ClosePositionRequest,
    GetPortfolioHistoryRequest,
    MarketOrderRequest,
)
from pydantic import TypeAdapter

from tests.contract.alpaca.conftest import raw, wait_until

pytestmark = pytest.mark.e2e


def buy(client, symbol, qty):
    placed = client.submit_order(MarketOrderRequest(symbol=symbol, qty=qty, side=OrderSide.BUY,
                                                    time_in_force=TimeInForce.DAY))
    filled = wait_until(lambda: client.get_order_by_id(placed.id),
                        lambda o: o.status == OrderStatus.FILLED)
    assert filled.status == OrderStatus.FILLED
    return filled


@pytest.fixture(scope="module")
def holder(new_trader):
    """An account that bought 4 AAL and 2 F."""
    client = new_trader("1000")
    buy(client, "AAL", 4)
    buy(client, "F", 2)
    return client


def test_a_fresh_account_shows_its_deposit_as_cash_buying_power_and_equity(new_trader):
    account = new_trader("750").get_account()
    assert isinstance(account.id, UUID) and account.status == AccountStatus.ACTIVE
    assert account.cash == "750.00" and account.buying_power == "750.00"
    assert account.equity == "750.00" and account.portfolio_value == "750.00"
    assert account.currency == "USD" and account.long_market_value == "0.00"


def test_equity_is_cash_plus_the_market_value_of_positions(holder):
    account = holder.get_account()
    positions = holder.get_all_positions()
    value = sum(Decimal(p.market_value) for p in positions)
    assert Decimal(account.long_market_value) == value
    assert Decimal(account.equity) == Decimal(account.cash) + value


def test_positions_list_and_one_position_by_symbol_or_asset_id(holder):
    positions = {p.symbol: p for p in holder.get_all_positions()}
    assert set(positions) == {"AAL", "F"}
    aal = positions["AAL"]
    assert aal.qty == "4" and aal.side == "long" and aal.asset_class == "us_equity"
    assert abs(Decimal(aal.cost_basis) - Decimal(aal.avg_entry_price) * 4) <= Decimal("0.01")
    assert holder.get_open_position("AAL").qty == "4"
    assert holder.get_open_position(aal.asset_id).symbol == "AAL"


def test_a_position_not_held_is_404(holder):
    with pytest.raises(APIError) as missing:
        holder.get_open_position("MSFT")
    assert missing.value.status_code == 404 and missing.value.code == 40410000


def test_closing_by_percentage_then_fully_sells_the_position(new_trader):
    client = new_trader("1000")
    buy(client, "AAL", 4)
    half = client.close_position("AAL", ClosePositionRequest(percentage="50"))
    assert half.side == OrderSide.SELL and half.qty == "2"
    wait_until(lambda: client.get_order_by_id(half.id), lambda o: o.status == "filled")
    assert client.get_open_position("AAL").qty == "2"
    rest = client.close_position("AAL", ClosePositionRequest(qty="2"))
    wait_until(lambda: client.get_order_by_id(rest.id), lambda o: o.status == "filled")
    assert client.get_all_positions() == []


def test_closing_more_than_held_is_403(holder):
    with pytest.raises(APIError) as refused:
        holder.close_position("AAL", ClosePositionRequest(qty="5"))
    assert refused.value.status_code == 403 and refused.value.code == 40310000


def test_close_all_answers_207_with_one_order_per_symbol(server, new_trader):
    client = new_trader("1000")
    buy(client, "AAL", 1)
    buy(client, "F", 1)
    answer = raw(server, client).delete("/v2/positions", params={"cancel_orders": "true"})
    assert answer.status_code == 207
    assert sorted((r["symbol"], r["status"]) for r in answer.json()) == [("AAL", 200),
                                                                        ("F", 200)]
    assert all(r["body"]["side"] == "sell" for r in answer.json())
    assert wait_until(client.get_all_positions, lambda p: p == []) == []


def test_activities_list_each_fill_and_the_deposit(holder):
    found = holder.get("/account/activities")
    fills = [TradeActivity(**a) for a in found if a["activity_type"] == "FILL"]
    cash = [NonTradeActivity(**a) for a in found if a["activity_type"] == "CSD"]
    assert {f.symbol for f in fills} == {"AAL", "F"}
    assert sum(f.qty for f in fills if f.symbol == "AAL") == 4
    assert all(f.side == OrderSide.BUY and f.price > 0 for f in fills)
    assert fills[0].transaction_time >= fills[-1].transaction_time  # newest first
    assert [c.net_amount for c in cash] == [1000.0]


def test_activities_filter_by_type_and_page(holder):
    only_fills = holder.get("/account/activities", {"activity_types": "FILL"})
    assert {a["activity_type"] for a in only_fills} == {"FILL"}
    deposits = holder.get("/account/activities/CSD")
    assert [a["activity_type"] for a in deposits] == ["CSD"]
    first = holder.get("/account/activities", {"page_size": 1, "direction": "asc"})
    after = holder.get("/account/activities", {"page_size": 100, "direction": "asc",
                                               "page_token": first[0]["id"]})
    assert first[0]["activity_type"] == "CSD" and first[0] not in after
    assert len(after) == len(holder.get("/account/activities")) - 1
    TypeAdapter(list[TradeActivity]).validate_python(only_fills)


def test_portfolio_history_ends_at_the_current_equity(holder):
    history = holder.get_portfolio_history(GetPortfolioHistoryRequest(period="1D",
                                                                      timeframe="1Min"))
    assert isinstance(history, PortfolioHistory) and history.timeframe == "1Min"
    assert len(history.timestamp) == len(history.equity) >= 1
    assert history.timestamp == sorted(history.timestamp)
    equity = Decimal(holder.get_account().equity)
    assert abs(Decimal(str(history.equity[-1])) - equity) <= Decimal("0.05") * equity


def test_portfolio_history_starts_at_the_first_deposit_not_before(holder):
    daily = holder.get_portfolio_history()
    assert daily.timeframe == "1D" and len(daily.timestamp) == 1
    assert daily.base_value == 1000.0  # the deposit: profit and loss is measured from it
    assert daily.profit_loss[-1] == pytest.approx(daily.equity[-1] - daily.base_value, abs=0.01)
