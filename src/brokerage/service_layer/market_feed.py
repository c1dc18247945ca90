"""The feed pipeline: parse -> validate -> enrich (symbol map) -> latest state, candles.

The hot path (`ingest_trade`) takes a trade already parsed to integers (the form a binary feed
handler produces): a dict lookup that is also the symbol map, three comparisons, a handful of
attribute updates and one candle update. Nothing is published per tick: `collect` (run by the
platform timer) hands over what changed since the previous call, conflated to the latest state
of each symbol, plus every print since then (trades are batched, never conflated away).

Venue quotes and prints in Decimal (`on_top_of_book`, `on_trade_print`) are converted to ticks
and units once, at the edge (a print that carries its integers is not converted). Parsed
quotes come in through `ingest_quote`. Every venue's top of book is kept (the exchange, each
market maker, the synthetic consolidated feed `SYN` for instruments no venue lists) and the
NBBO is recomputed from them. Bad ticks are counted by reason and dropped; nothing raises.
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from brokerage.domain.execution import TopOfBook, TradePrint
from brokerage.domain.market_data.candles import Candle, CandleAggregator, Interval, SessionLookup
from brokerage.domain.market_data.nbbo import EMPTY_NBBO, Nbbo, VenueTop, best_bid_offer
from brokerage.domain.market_data.ticks import (
    DropReason,
    TickCounters,
    from_us,
    price_text,
    quantity_text,
    to_ticks,
    to_units,
    to_us,
)

TAPE_SIZE = 1_000  # prints kept per symbol (~100 B each) for GET trades and the TRADES channel


Print = tuple[int, int, int, str]  # (ts µs, price ticks, size units, venue)


class SymbolState:
    """The latest state of one symbol, mutated by the feed only."""

    __slots__ = ("dirty", "first_since", "high_since", "last", "last_size", "last_ts",
                 "last_venue", "low_since", "nbbo", "published_seq", "quote_us", "seq", "symbol",
                 "tape", "top_views", "tops")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.last: int | None = None
        self.last_size = 0
        self.last_ts = -1
        self.last_venue = ""
        self.tops: dict[str, VenueTop] = {}
        self.top_views: dict[str, dict[str, Any]] = {}
        self.nbbo: Nbbo = EMPTY_NBBO
        self.quote_us = -1
        self.dirty = False
        # First, highest and lowest print since the last collect (LULD, alerts); 0: none.
        self.first_since = self.high_since = self.low_since = 0
        self.tape: deque[Print] = deque(maxlen=TAPE_SIZE)
        self.seq = 0  # prints accepted
        self.published_seq = 0

    @property
    def updated_us(self) -> int | None:
        """Return when the symbol last had a print or a quote (None: never)."""
        latest = max(self.last_ts, self.quote_us)
        return None if latest < 0 else latest


@dataclass(frozen=True, slots=True)
class Changed:
    """One symbol's changes since the previous collect."""

    symbol: str
    first: int | None  # first, highest and lowest print since the previous collect (None: none)
    high: int | None
    low: int | None
    prints: list[Print]  # every print since then (only when asked for)


@dataclass
class Collected:
    changed: list[Changed] = field(default_factory=list)
    candles: list[Candle] = field(default_factory=list)


def symbol_map(symbols: Iterable[str]) -> dict[str, str]:
    """Map the spellings venues use (BRK/B, BRK-B, brk.b) to our symbols."""
    out: dict[str, str] = {}
    for symbol in symbols:
        for alias in {symbol, symbol.replace(".", "/"), symbol.replace(".", "-"),
                      symbol.replace(".", "")}:
            out[alias] = symbol
            out[alias.lower()] = symbol
    return out


class MarketFeed:
    """Per-symbol latest state and candles for every instrument."""

    def __init__(self, symbols: Iterable[str], sessions: SessionLookup) -> None:
        self.candles = CandleAggregator(sessions)
        self.states: dict[str, SymbolState] = {s: SymbolState(s) for s in symbols}
        aliases = symbol_map(self.states)
        self._by_feed_symbol = {alias: self.states[s] for alias, s in aliases.items()}
        self._candle = self.candles.on_trade
        self._dropped = TickCounters().dropped
        self._quotes_accepted = 0

    @property
    def counters(self) -> TickCounters:
        """Return the accepted and dropped counts (accepted prints are counted per symbol)."""
        trades = sum(state.seq for state in self.states.values())
        return TickCounters(trades + self._quotes_accepted, self._dropped)

    # --- ingest -------------------------------------------------------------------------------

    def ingest_trade(self, feed_symbol: str, venue: str, price: int, size: int,
                     ts: int) -> None:
        """Take one parsed print (ticks, units, epoch µs); count and drop it if it is bad.

        The hot path: one lookup that is also the symbol map, the validity checks, the 1m
        candle, then a few attribute updates.
        """
        state = self._by_feed_symbol.get(feed_symbol)
        if state is None or price <= 0 or size <= 0 or not self._candle(state.symbol, price,
                                                                        size, ts):
            self._dropped[_drop_reason(state, price, size)] += 1
            return
        if ts >= state.last_ts:
            state.last, state.last_size, state.last_ts, state.last_venue = price, size, ts, venue
        if state.high_since == 0:
            state.first_since = state.high_since = state.low_since = price
        elif price > state.high_since:
            state.high_since = price
        elif price < state.low_since:
            state.low_since = price
        state.seq += 1
        state.tape.append((ts, price, size, venue))
        state.dirty = True

    def ingest_batch(self, prints: Iterable[tuple[str, str, int, int, int]]) -> None:
        """Take the parsed prints of one feed packet: (symbol, venue, ticks, units, µs) each."""
        ingest = self.ingest_trade
        for feed_symbol, venue, price, size, ts in prints:
            ingest(feed_symbol, venue, price, size, ts)

    def on_trade_print(self, trade: TradePrint) -> None:
        """Take a venue's print: its integer form when it carries one, else convert the Decimals.

        The exchange's prints carry the book's integers, so the hot path converts only the time.
        """
        try:
            units = trade.units
            if units is None:
                price, size = to_ticks(trade.price) or 0, to_units(trade.quantity) or 0
            else:
                price, size = units
            ts = to_us(trade.ts)
        except (AttributeError, TypeError, ValueError, ArithmeticError):
            self._dropped[DropReason.MALFORMED] += 1
            return
        self.ingest_trade(trade.symbol, trade.venue, price, size, ts)

    def on_top_of_book(self, top: TopOfBook) -> None:
        """Take a venue's top of book (Decimal): convert at the edge, then ingest."""
        try:
            parsed = _venue_top(top)
        except (AttributeError, TypeError, ValueError, ArithmeticError):
            self._dropped[DropReason.MALFORMED] += 1
            return
        if isinstance(parsed, DropReason):
            self._dropped[parsed] += 1
            return
        self._accept_quote(top.symbol, parsed)

    def ingest_quote(self, feed_symbol: str, venue: str, bid: int | None, bid_size: int,
                     ask: int | None, ask_size: int, ts: int) -> None:
        """Take one parsed two-sided quote (ticks, units, epoch µs; an empty side is None)."""
        reason = _side_problem(bid, bid_size) or _side_problem(ask, ask_size)
        if reason is not None:
            self._dropped[reason] += 1
            return
        self._accept_quote(feed_symbol, VenueTop(venue, bid, bid_size if bid else 0, ask,
                                                 ask_size if ask else 0, ts))

    def _accept_quote(self, feed_symbol: str, top: VenueTop) -> None:
        """Keep a venue's top unless crossed or older than its last; recompute the NBBO.

        The NBBO is computed from the venues' own tops only, never from itself: a market maker
        that derives its quote from the exchange's book is one more venue here.
        """
        state = self._by_feed_symbol.get(feed_symbol)
        reason = _quote_problem(top, state)
        if reason is not None or state is None:
            self._dropped[reason or DropReason.UNKNOWN_SYMBOL] += 1
            return
        self._quotes_accepted += 1
        state.tops[top.venue] = top
        state.top_views.pop(top.venue, None)
        state.nbbo = best_bid_offer(state.tops.values())
        state.quote_us = max(state.quote_us, top.ts_us)
        state.dirty = True

    # --- timer ----------------------------------------------------------------------------------

    def collect(self, now_us: int, with_prints: bool = False) -> Collected:
        """Finalize due candles and hand over what changed since the previous call."""
        self.candles.advance(now_us)
        out = Collected(candles=self.candles.drain())
        for state in self.states.values():
            if not state.dirty:
                continue
            state.dirty = False
            fresh = min(state.seq - state.published_seq, len(state.tape))
            prints = list(state.tape)[len(state.tape) - fresh:] if with_prints and fresh else []
            state.published_seq = state.seq
            traded = state.high_since > 0
            out.changed.append(Changed(state.symbol, state.first_since if traded else None,
                                       state.high_since if traded else None,
                                       state.low_since if traded else None, prints))
            state.first_since = state.high_since = state.low_since = 0
        return out

    # --- views --------------------------------------------------------------------------------

    def quote_view(self, symbol: str, day: Candle | None) -> dict[str, Any]:
        """Return the quote of a symbol as JSON-able fields (no staleness: the reader adds it)."""
        state = self.states[symbol]
        nbbo = state.nbbo
        return {
            "symbol": symbol,
            "bid": _p(nbbo.bid), "bid_size": _q(nbbo.bid_size) if nbbo.bid else None,
            "ask": _p(nbbo.ask), "ask_size": _q(nbbo.ask_size) if nbbo.ask else None,
            "bid_venues": list(nbbo.bid_venues), "ask_venues": list(nbbo.ask_venues),
            "locked_or_crossed": nbbo.locked_or_crossed,
            "last": _p(state.last), "last_size": _q(state.last_size) if state.last else None,
            "last_ts": from_us(state.last_ts).isoformat() if state.last else None,
            "last_venue": state.last_venue or None,
            "open": _p(day.open) if day else None, "high": _p(day.high) if day else None,
            "low": _p(day.low) if day else None,
            "volume": _q(day.volume) if day else "0",
            "venues": self._top_views(state),
            "updated_us": state.updated_us,
        }

    @staticmethod
    def _top_views(state: SymbolState) -> dict[str, dict[str, Any]]:
        views = state.top_views
        for venue, top in state.tops.items():
            if venue not in views:
                views[venue] = _top_view(top)
        return {venue: views[venue] for venue in sorted(views)}

    def trades_view(self, symbol: str, limit: int) -> list[dict[str, Any]]:
        """Return the latest prints of a symbol, newest first."""
        tape = list(self.states[symbol].tape)[-limit:]
        return [print_view(p) for p in reversed(tape)]

    def day_candle(self, symbol: str) -> Candle | None:
        return self.candles.current(symbol, Interval.D1)


def print_view(p: Print) -> dict[str, Any]:
    ts, price, size, venue = p
    return {"ts": from_us(ts).isoformat(), "price": price_text(price),
            "size": quantity_text(size), "venue": venue}


def _drop_reason(state: SymbolState | None, price: int, size: int) -> DropReason:
    if state is None:
        return DropReason.UNKNOWN_SYMBOL
    if price <= 0:
        return DropReason.BAD_PRICE
    return DropReason.BAD_SIZE if size <= 0 else DropReason.LATE


def _venue_top(top: TopOfBook) -> VenueTop | DropReason:
    bid = None if top.bid is None else to_ticks(top.bid)
    ask = None if top.ask is None else to_ticks(top.ask)
    if (top.bid is not None and bid is None) or (top.ask is not None and ask is None):
        return DropReason.BAD_PRICE
    bid_size = to_units(top.bid_size) if top.bid is not None else 0
    ask_size = to_units(top.ask_size) if top.ask is not None else 0
    if bid_size is None or ask_size is None:
        return DropReason.BAD_SIZE
    return VenueTop(str(top.venue), bid, bid_size, ask, ask_size, to_us(top.ts))


def _side_problem(price: int | None, size: int) -> DropReason | None:
    if price is None:
        return None
    if price <= 0:
        return DropReason.BAD_PRICE
    return DropReason.BAD_SIZE if size <= 0 else None


def _quote_problem(top: VenueTop, state: SymbolState | None) -> DropReason | None:
    if state is None:
        return DropReason.UNKNOWN_SYMBOL
    if top.crossed:
        return DropReason.CROSSED
    previous = state.tops.get(top.venue)
    if previous is not None and top.ts_us < previous.ts_us:
        return DropReason.OUT_OF_ORDER
    return None


def _top_view(top: VenueTop) -> dict[str, Any]:
    return {"bid": _p(top.bid), "bid_size": _q(top.bid_size), "ask": _p(top.ask),
            "ask_size": _q(top.ask_size), "ts": from_us(top.ts_us).isoformat()}


def _p(ticks: int | None) -> str | None:
    return None if ticks is None else price_text(ticks)


def _q(units: int) -> str:
    return quantity_text(units)

