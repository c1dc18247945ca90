"""Price alerts fire once; the feed counts and drops bad ticks; the NBBO across venues."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from brokerage.domain.execution import TopOfBook, TradePrint
from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.market_data.alerts import AlertBook, AlertDirection, PriceAlert
from brokerage.domain.market_data.nbbo import VenueTop, best_bid_offer
from brokerage.domain.market_data.ticks import to_us
from brokerage.service_layer.market_feed import MarketFeed

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
AAPL = Symbol("AAPL")


def above(alert_id: str, price: int) -> PriceAlert:
    return PriceAlert(alert_id, "u1", "AAPL", AlertDirection.ABOVE, price)


def test_an_alert_fires_once_when_a_print_reaches_its_level() -> None:
    book = AlertBook()
    book.add(above("a1", 3_000_000))
    book.add(PriceAlert("b1", "u1", "AAPL", AlertDirection.BELOW, 2_000_000))
    assert book.check("AAPL", 2_999_999, 2_500_000) == []
    assert [a.alert_id for a in book.check("AAPL", 3_000_000, 2_999_000)] == ["a1"]
    assert book.check("AAPL", 3_100_000, 3_000_000) == []  # spent: never twice
    assert [a.alert_id for a in book.check("AAPL", 2_100_000, 1_900_000)] == ["b1"]


def test_a_canceled_alert_never_fires() -> None:
    book = AlertBook()
    book.add(above("a1", 100))
    assert book.remove("AAPL", "a1")
    assert not book.remove("AAPL", "a1")
    assert book.check("AAPL", 200, 50) == []


def test_the_nbbo_takes_the_best_price_of_each_side_and_sums_sizes_at_it() -> None:
    nbbo = best_bid_offer([VenueTop("XSIM", 100, 5, 103, 7, 0), VenueTop("MM1", 101, 2, 103, 1, 0),
                           VenueTop("MM2", 101, 3, None, 0, 0)])
    assert (nbbo.bid, nbbo.bid_size, nbbo.bid_venues) == (101, 5, ("MM1", "MM2"))
    assert (nbbo.ask, nbbo.ask_size, nbbo.ask_venues) == (103, 8, ("MM1", "XSIM"))
    assert not nbbo.locked_or_crossed


def trade(price: str, qty: str = "1", symbol: str = "AAPL", ts: datetime = T0) -> TradePrint:
    return TradePrint(VenueId("XSIM"), Symbol(symbol), Decimal(price), Decimal(qty), ts)


def top(bid: str | None, ask: str | None, ts: datetime = T0, venue: str = "XSIM") -> TopOfBook:
    return TopOfBook(VenueId(venue), AAPL, None if bid is None else Decimal(bid), Decimal(10),
                     None if ask is None else Decimal(ask), Decimal(10), ts)


def test_bad_ticks_are_counted_by_reason_and_dropped_without_raising() -> None:
    feed = MarketFeed(["AAPL"], lambda ts: None)
    feed.on_trade_print(trade("100.00"))
    feed.on_trade_print(trade("0"))  # bad price
    feed.on_trade_print(trade("100.00001"))  # off the 0.0001 grid
    feed.on_trade_print(trade("100", qty="-1"))  # bad size
    feed.on_trade_print(trade("100", symbol="ZZZZ"))  # unknown symbol
    feed.on_trade_print(trade("100", ts=T0 - timedelta(minutes=5)))  # its minute is past
    feed.on_trade_print("not a print")  # type: ignore[arg-type]
    feed.on_top_of_book(top("101", "100"))  # crossed on one venue
    feed.on_top_of_book(top("99", "101", ts=T0 + timedelta(seconds=1)))
    feed.on_top_of_book(top("98", "102"))  # older than the last quote of that venue
    assert feed.counters.as_dict() == {
        "accepted": 2, "bad_price": 2, "bad_size": 1, "crossed": 1, "out_of_order": 1,
        "late": 1, "unknown_symbol": 1, "malformed": 1}
    state = feed.states["AAPL"]
    assert (state.last, state.nbbo.bid, state.nbbo.ask) == (1_000_000, 990_000, 1_010_000)


def test_venue_spellings_of_a_symbol_map_to_ours() -> None:
    feed = MarketFeed(["BRK.B"], lambda ts: None)
    for spelling in ("BRK/B", "BRK-B", "brk.b"):
        feed.ingest_trade(spelling, "XSIM", 1_000_000, 1, to_us(T0))
    assert feed.states["BRK.B"].seq == 3


def test_collect_hands_over_each_changed_symbol_once_with_its_prints() -> None:
    feed = MarketFeed(["AAPL", "MSFT"], lambda ts: None)
    feed.on_trade_print(trade("100.00"))
    feed.on_trade_print(trade("101.00"))
    feed.on_trade_print(trade("99.00"))
    first = feed.collect(to_us(T0), with_prints=True)
    assert [(c.symbol, c.high, c.low, len(c.prints)) for c in first.changed] == [
        ("AAPL", 1_010_000, 990_000, 3)]
    assert feed.collect(to_us(T0)).changed == []
