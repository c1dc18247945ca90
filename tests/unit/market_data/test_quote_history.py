"""The quote history keeps top-of-book changes only, bounded per symbol, by time range."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from brokerage.read_models.alpaca_market import with_vwap
from brokerage.service_layer.quote_history import QuoteHistory

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def view(second: int, bid: str = "100.00", ask: str = "100.02", bid_size: str = "300"):
    ts = (T0 + timedelta(seconds=second)).isoformat()
    return {"symbol": "AAPL", "bid": bid, "bid_size": bid_size, "ask": ask, "ask_size": "200",
            "bid_venues": ["XSIM"], "ask_venues": ["MM1"],
            "venues": {"XSIM": {"ts": ts}, "MM1": {"ts": ts}}}


def at(second: int) -> datetime:
    return T0 + timedelta(seconds=second)


def test_only_a_changed_top_of_book_is_kept():
    history = QuoteHistory()
    history.record({"AAPL": view(0)})
    history.record({"AAPL": view(0)})  # a stale flip or a print: the same NBBO
    history.record({"AAPL": view(1, bid_size="400")})
    kept = history.between("AAPL", at(0), at(10), 100)
    assert [(q["bid_size"], q["ts"]) for q in kept] == [("300", at(0).isoformat()),
                                                       ("400", at(1).isoformat())]


def test_a_quote_with_no_side_or_out_of_time_order_is_not_kept():
    history = QuoteHistory()
    history.record({"AAPL": view(5)})
    history.record({"AAPL": view(4, bid="99.99")})
    history.record({"AAPL": {**view(6), "bid": None, "ask": None}})
    assert len(history.between("AAPL", at(0), at(10), 100)) == 1


def test_each_symbol_keeps_only_its_latest_changes():
    history = QuoteHistory(per_symbol=3)
    for second in range(5):
        history.record({"AAPL": view(second, bid=f"100.0{second}")})
    kept = history.between("AAPL", at(0), at(10), 100)
    assert [q["bid"] for q in kept] == ["100.02", "100.03", "100.04"]


def test_a_range_is_half_open_limited_and_may_be_read_newest_first():
    history = QuoteHistory()
    for second in range(6):
        history.record({"AAPL": view(second, bid=f"100.0{second}")})
    assert [q["bid"] for q in history.between("AAPL", at(1), at(4), 100)] == [
        "100.01", "100.02", "100.03"]
    assert [q["bid"] for q in history.between("AAPL", at(1), at(4), 2, descending=True)] == [
        "100.03", "100.02"]
    assert history.between("MSFT", at(0), at(9), 10) == []


def bar(start: int, volume: str):
    return {"start": at(start).isoformat(), "end": at(start + 60).isoformat(),
            "volume": volume}


def trade(second: int, price: str, size: str):
    return {"ts": at(second).isoformat(), "price": price, "size": size, "venue": "XSIM"}


def test_a_bars_vwap_is_given_only_when_the_tape_holds_all_its_prints():
    tape = [trade(61, "10", "1"), trade(62, "13", "2"), trade(121, "20", "5")]
    whole, partial, gone = with_vwap([bar(60, "3"), bar(120, "9"), bar(0, "4")], tape)
    assert whole["vw"] == Decimal(12)  # (10 + 26) / 3
    assert partial["vw"] is None and gone["vw"] is None
