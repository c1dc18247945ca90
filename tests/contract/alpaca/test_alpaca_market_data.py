"""alpaca-py's StockHistoricalDataClient reads bars, latest values and snapshots."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.data.requests import (
    StockBarsRequest,
    StockLatestBarRequest,
    StockLatestQuoteRequest,
    StockLatestTradeRequest,
    StockQuotesRequest,
    StockSnapshotRequest,
)
from alpaca.data.timeframe import TimeFrame

from tests.contract.alpaca.conftest import raw, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def trader(new_trader):
    return new_trader("0")


@pytest.fixture(scope="module")
def data(server, trader):
    return StockHistoricalDataClient(trader._api_key, trader._secret_key,
                                     url_override=server.base)


def a_month_ago():
    return datetime.now(UTC) - timedelta(days=31)


def test_daily_bars_of_several_symbols_parse_as_a_bar_set(data):
    bars = data.get_stock_bars(StockBarsRequest(symbol_or_symbols=["AAPL", "MSFT"],
                                                timeframe=TimeFrame.Day, start=a_month_ago()))
    for symbol in ("AAPL", "MSFT"):
        series = bars.data[symbol]
        assert len(series) >= 15
        assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high
                   for b in series)
        assert [b.timestamp for b in series] == sorted(b.timestamp for b in series)


def test_bars_come_in_pages_that_join_without_gaps_or_repeats(server, trader):
    http = raw(server, trader)
    params = {"symbols": "AAPL,MSFT", "timeframe": "1Day", "limit": 7,
              "start": a_month_ago().isoformat()}
    whole = http.get("/v2/stocks/bars", params={**params, "limit": 1000}).json()["bars"]
    pages, token = {}, None
    while True:
        body = http.get("/v2/stocks/bars", params={**params, "page_token": token} if token
                        else params).json()
        assert sum(len(rows) for rows in body["bars"].values()) <= 7
        for symbol, rows in body["bars"].items():
            pages.setdefault(symbol, []).extend(rows)
        token = body["next_page_token"]
        if token is None:
            break
    assert pages == whole


def test_an_unknown_timeframe_is_refused_with_a_400(server, trader):
    answer = raw(server, trader).get("/v2/stocks/AAPL/bars", params={"timeframe": "7Min"})
    assert answer.status_code == 400 and "timeframe" in answer.json()["message"]


def test_latest_quote_trade_and_bar_parse(data):
    quote = data.get_stock_latest_quote(StockLatestQuoteRequest(symbol_or_symbols="AAPL"))
    assert 0 < quote["AAPL"].bid_price < quote["AAPL"].ask_price
    # The tape is real: right after start-up AAPL may not have printed yet.
    trade = wait_until(
        lambda: data.get_stock_latest_trade(StockLatestTradeRequest(symbol_or_symbols="AAPL")),
        lambda latest: "AAPL" in latest, timeout_s=60)
    assert trade["AAPL"].price > 0 and trade["AAPL"].size > 0
    bar = data.get_stock_latest_bar(StockLatestBarRequest(symbol_or_symbols="AAPL"))
    assert bar["AAPL"].high >= bar["AAPL"].low > 0


def test_a_snapshot_has_the_latest_quote_and_the_daily_bars(data):
    snapshot = data.get_stock_snapshot(StockSnapshotRequest(symbol_or_symbols=["AAPL"]))["AAPL"]
    assert snapshot.latest_quote.ask_price > 0 and snapshot.daily_bar.close > 0
    assert snapshot.previous_daily_bar.timestamp < snapshot.daily_bar.timestamp


def server_now(trader):
    """The server's clock: the demo runs on a simulated one."""
    return trader.get_clock().timestamp.astimezone(UTC)


def test_quote_history_parses_in_time_order_and_pages_join(server, trader, data):
    start = server_now(trader) - timedelta(hours=1)
    quotes = wait_until(
        lambda: data.get_stock_quotes(StockQuotesRequest(symbol_or_symbols="AAPL", start=start,
                                                         end=server_now(trader))),
        lambda found: len(found.data.get("AAPL", [])) >= 3, timeout_s=60).data["AAPL"]
    assert len(quotes) >= 3 and all(0 < q.bid_price <= q.ask_price for q in quotes)
    assert [q.timestamp for q in quotes] == sorted(q.timestamp for q in quotes)
    http, end = raw(server, trader), quotes[-1].timestamp + timedelta(microseconds=1)
    params = {"start": start.isoformat(), "end": end.isoformat(), "limit": 2}
    first = http.get("/v2/stocks/AAPL/quotes", params=params).json()
    second = http.get("/v2/stocks/AAPL/quotes",
                      params={**params, "page_token": first["next_page_token"]}).json()
    assert [q["t"] for q in first["quotes"] + second["quotes"]] == [
        q.timestamp.isoformat().replace("+00:00", "Z") for q in quotes[:4]]


def test_recent_minute_bars_carry_their_vwap_from_the_tape(trader, data):
    def minute_bars():
        return data.get_stock_bars(StockBarsRequest(
            symbol_or_symbols="AAPL", timeframe=TimeFrame.Minute,
            start=server_now(trader) - timedelta(minutes=10))).data.get("AAPL", [])

    bars = wait_until(minute_bars, lambda found: any(b.vwap for b in found), timeout_s=60)
    priced = [b for b in bars if b.vwap]
    assert priced and all(b.low <= b.vwap <= b.high for b in priced)


def test_market_data_needs_a_key_pair(server):
    answer = httpx.get(f"{server.base}/v2/stocks/AAPL/snapshot")
    assert answer.status_code == 401 and set(answer.json()) == {"code", "message"}
