"""Every venue's quotes in the feed: the exchange's top, market makers' quotes, parsed quotes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from brokerage.adapters.clock import ManualClock
from brokerage.adapters.instruments import load_instruments
from brokerage.adapters.scheduler import ManualScheduler
from brokerage.domain.execution import ExecType, NewOrderRequest, TopOfBook, TradePrint
from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.market_data.ticks import to_us
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.service_layer.market_feed import MarketFeed
from brokerage.venues.exchange import SimulatedExchange
from brokerage.venues.market_maker import MarketMaker
from brokerage.venues.mm_models import MarketMakerConfig

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
AAPL = Symbol("AAPL")
D = Decimal


class Market:
    """The exchange, one market maker quoting from it, and a feed listening to both."""

    def __init__(self) -> None:
        self.clock = ManualClock(T0)
        self.scheduler = ManualScheduler(self.clock)
        self.exchange = SimulatedExchange(VenueId("XSIM"), load_instruments())
        self.exchange.set_phase(MarketPhase.REGULAR, T0)
        self.exchange.connect("lp", lambda r: None, lambda r: None)
        self.mm = MarketMaker(VenueId("MM1"), self.exchange, self.clock, self.scheduler,
                              MarketMakerConfig(max_order_quantity=D(1000)))
        self.heard: list[TopOfBook] = []
        self.feed = MarketFeed(["AAPL"], lambda ts: None)
        self.exchange.add_quote_listener(self.feed.on_top_of_book)
        self.mm.add_quote_listener(self.heard.append)
        self.mm.add_quote_listener(self.feed.on_top_of_book)
        self.seq = 0

    def rest(self, side: Side, price: str, qty: str = "100") -> None:
        self.seq += 1
        self.clock.advance(timedelta(milliseconds=1))
        self.exchange.submit("lp", NewOrderRequest(
            cl_ord_id=f"lp{self.seq}", symbol=AAPL, side=side, order_type=OrderType.LIMIT,
            quantity=D(qty), time_in_force=TimeInForce.DAY, limit_price=D(price),
            extended_hours=False, ts=self.clock.now()))

    def prices(self) -> list[tuple[D | None, D | None]]:
        return [(q.bid, q.ask) for q in self.heard]


def test_a_market_maker_quotes_the_exchange_top_for_its_size_limit_and_only_on_change() -> None:
    m = Market()
    m.rest(Side.BUY, "430.00")
    assert m.heard == []  # one-sided exchange: nothing to quote
    m.rest(Side.SELL, "430.50")
    m.rest(Side.BUY, "430.00")  # more size at the exchange: the market maker's quote is the same
    assert m.prices() == [(D("430.00"), D("430.50"))]
    assert (m.heard[0].venue, m.heard[0].bid_size, m.heard[0].ask_size) == ("MM1", 1000, 1000)
    m.rest(Side.BUY, "430.10")
    assert m.prices()[-1] == (D("430.10"), D("430.50"))


def test_the_nbbo_takes_the_market_makers_as_venues_without_feeding_back_into_them() -> None:
    m = Market()
    m.rest(Side.BUY, "430.00")
    m.rest(Side.SELL, "430.50")
    nbbo = m.feed.states["AAPL"].nbbo
    assert (nbbo.bid, nbbo.bid_venues, nbbo.bid_size) == (4_300_000, ("MM1", "XSIM"),
                                                          1100 * 10**9)
    assert (nbbo.ask, nbbo.ask_venues) == (4_305_000, ("MM1", "XSIM"))
    assert m.mm.top_of_book(AAPL) == m.heard[-1]  # its quote is the exchange's, not the NBBO's


def test_a_market_maker_withdraws_its_quote_while_down_and_quotes_again_when_up() -> None:
    m = Market()
    m.rest(Side.BUY, "430.00")
    m.rest(Side.SELL, "430.50")
    m.mm.go_down()
    assert m.prices()[-1] == (None, None)
    assert m.feed.states["AAPL"].nbbo.bid_venues == ("XSIM",)
    m.mm.come_up()
    assert m.prices()[-1] == (D("430.00"), D("430.50"))
    assert [q.ts for q in m.heard] == sorted(q.ts for q in m.heard)  # never back in time
    assert m.feed.counters.as_dict()["out_of_order"] == 0


def test_a_market_maker_fills_at_or_better_than_the_quote_it_published() -> None:
    m = Market()
    m.rest(Side.BUY, "430.00")
    m.rest(Side.SELL, "430.50")
    reports: list = []
    m.mm.connect("oms", reports.append)
    for i, side in enumerate((Side.BUY, Side.SELL) * 5):
        m.mm.submit("oms", NewOrderRequest(
            cl_ord_id=f"c{i}", symbol=AAPL, side=side, order_type=OrderType.MARKET,
            quantity=D(10), time_in_force=TimeInForce.DAY, limit_price=None,
            extended_hours=False, ts=T0))
    m.scheduler.run_due()
    quote = m.heard[-1]
    assert quote.bid is not None and quote.ask is not None
    fills = [r for r in reports if r.exec_type is ExecType.TRADE]
    assert len(fills) == 10
    for fill in fills:
        assert quote.bid <= fill.last_px <= quote.ask


def test_parsed_quotes_are_validated_like_venue_quotes() -> None:
    feed = MarketFeed(["AAPL"], lambda ts: None)
    ts = to_us(T0)
    feed.ingest_quote("AAPL", "SYN", 1_000_000, 10, 1_000_100, 10, ts)
    feed.ingest_quote("AAPL", "SYN", 0, 10, 1_000_100, 10, ts)  # bad price
    feed.ingest_quote("AAPL", "SYN", 1_000_000, 0, 1_000_100, 10, ts)  # bad size
    feed.ingest_quote("AAPL", "SYN", 1_000_200, 10, 1_000_100, 10, ts)  # crossed
    feed.ingest_quote("AAPL", "SYN", 1_000_000, 10, 1_000_100, 10, ts - 1)  # out of order
    feed.ingest_quote("ZZZZ", "SYN", 1_000_000, 10, 1_000_100, 10, ts)  # unknown symbol
    feed.ingest_quote("AAPL", "MM1", None, 0, 1_000_100, 5, ts)  # one-sided is fine
    counts = feed.counters.as_dict()
    assert (counts["accepted"], counts["bad_price"], counts["bad_size"], counts["crossed"],
            counts["out_of_order"], counts["unknown_symbol"]) == (2, 1, 1, 1, 1, 1)
    nbbo = feed.states["AAPL"].nbbo
    assert (nbbo.bid, nbbo.ask, nbbo.ask_size, nbbo.ask_venues) == (
        1_000_000, 1_000_100, 15, ("MM1", "SYN"))


def test_a_print_carrying_its_integers_ingests_like_one_converted_from_decimals() -> None:
    with_units = MarketFeed(["AAPL"], lambda ts: None)
    converted = MarketFeed(["AAPL"], lambda ts: None)
    trade = TradePrint(VenueId("XSIM"), AAPL, D("430.12"), D("2.5"), T0)
    with_units.on_trade_print(TradePrint(trade.venue, AAPL, trade.price, trade.quantity, T0,
                                         (4_301_200, 2_500_000_000)))
    converted.on_trade_print(trade)
    assert with_units.trades_view("AAPL", 5) == converted.trades_view("AAPL", 5)
    assert with_units.counters.as_dict() == converted.counters.as_dict()
