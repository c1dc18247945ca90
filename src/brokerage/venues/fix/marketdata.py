"""Top of book and last sale over FIX 4.4: MarketDataRequest (35=V) and snapshots (35=W).

A venue server answers a subscription with one MarketDataSnapshotFullRefresh per symbol and
sends a fresh one whenever the symbol's top of book or last sale changes. Entries: bid (269=0),
offer (269=1) and trade (269=2), each with MDEntryPx/MDEntrySize and the venue's time in
MDEntryDate/MDEntryTime. `FixMarketDataClient` keeps the latest of each and implements the
`MarketDataSource` port (top_of_book, last_trade): a market maker in its own process reads
the exchange's NBBO through it, and follows its changes through `add_quote_listener`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import quickfix as fix

from brokerage.domain.execution import TopOfBook, TradePrint
from brokerage.domain.ids import Symbol, VenueId
from brokerage.venues.fix import fields as f
from brokerage.venues.fix.session import InitiatorSession
from brokerage.venues.fix.settings import InitiatorConfig

log = logging.getLogger(__name__)

MD_REQUEST, MD_SNAPSHOT = "V", "W"
SYMBOL, MD_REQ_ID, SUBSCRIPTION_TYPE, MARKET_DEPTH = 55, 262, 263, 264
NO_RELATED_SYM, NO_MD_ENTRY_TYPES, NO_MD_ENTRIES = 146, 267, 268
ENTRY_TYPE, ENTRY_PX, ENTRY_SIZE, ENTRY_DATE, ENTRY_TIME = 269, 270, 271, 272, 273
BID, OFFER, TRADE = "0", "1", "2"
SUBSCRIBE, UNSUBSCRIBE = "1", "2"


@dataclass(frozen=True, slots=True)
class MarketDataRequest:
    req_id: str
    symbols: tuple[Symbol, ...]
    subscribe: bool = True  # False: stop the updates of this req_id


def encode_md_request(request: MarketDataRequest) -> fix.Message:
    """Build a MarketDataRequest (35=V) for top of book and trades of some symbols."""
    message = f.new_message(MD_REQUEST)
    f.put(message, MD_REQ_ID, request.req_id)
    f.put(message, SUBSCRIPTION_TYPE, SUBSCRIBE if request.subscribe else UNSUBSCRIBE)
    f.put(message, MARKET_DEPTH, "1")
    for entry_type in (BID, OFFER, TRADE):
        group = fix.Group(NO_MD_ENTRY_TYPES, ENTRY_TYPE)
        group.setField(ENTRY_TYPE, entry_type)
        message.addGroup(group)
    for symbol in request.symbols:
        group = fix.Group(NO_RELATED_SYM, SYMBOL)
        group.setField(SYMBOL, symbol)
        message.addGroup(group)
    return message


def decode_md_request(message: fix.Message) -> MarketDataRequest:
    """Read a MarketDataRequest (35=V)."""
    kind = f.required(message, SUBSCRIPTION_TYPE)
    symbols = tuple(Symbol(entry[SYMBOL]) for entry in _groups(message, NO_RELATED_SYM, SYMBOL)
                    if SYMBOL in entry)
    return MarketDataRequest(f.required(message, MD_REQ_ID), symbols, kind != UNSUBSCRIBE)


def encode_snapshot(req_id: str, symbol: Symbol, quote: TopOfBook | None,
                    trade: TradePrint | None) -> fix.Message:
    """Build a MarketDataSnapshotFullRefresh (35=W): bid, offer and last sale when known."""
    message = f.new_message(MD_SNAPSHOT)
    f.put(message, MD_REQ_ID, req_id)
    f.put(message, SYMBOL, symbol)
    entries: list[tuple[str, Decimal, Decimal, datetime]] = []
    if quote is not None and quote.bid is not None:
        entries.append((BID, quote.bid, quote.bid_size, quote.ts))
    if quote is not None and quote.ask is not None:
        entries.append((OFFER, quote.ask, quote.ask_size, quote.ts))
    if trade is not None:
        entries.append((TRADE, trade.price, trade.quantity, trade.ts))
    f.put(message, NO_MD_ENTRIES, str(len(entries)))  # zero entries: nothing known yet
    for entry_type, price, size, ts in entries:
        group = fix.Group(NO_MD_ENTRIES, ENTRY_TYPE)
        group.setField(ENTRY_TYPE, entry_type)
        group.setField(ENTRY_PX, f.decimal_text(price))
        group.setField(ENTRY_SIZE, f.decimal_text(size))
        stamp = f.timestamp_text(ts)
        group.setField(ENTRY_DATE, stamp[:8])
        group.setField(ENTRY_TIME, stamp[9:])
        message.addGroup(group)
    return message


def decode_snapshot(message: fix.Message, venue: VenueId,
                    ) -> tuple[Symbol, TopOfBook | None, TradePrint | None]:
    """Read a snapshot (35=W) into the venue's top of book and last sale."""
    symbol = Symbol(f.required(message, SYMBOL))
    entries = {e[ENTRY_TYPE]: e for e in _groups(message, NO_MD_ENTRIES, ENTRY_TYPE)}
    bid, offer, trade = entries.get(BID), entries.get(OFFER), entries.get(TRADE)
    quote = None
    if bid is not None or offer is not None:
        ts = _entry_time(bid or offer)
        quote = TopOfBook(venue, symbol, _px(bid), _size(bid), _px(offer), _size(offer), ts)
    last = None
    if trade is not None:
        last = TradePrint(venue, symbol, Decimal(trade[ENTRY_PX]), Decimal(trade[ENTRY_SIZE]),
                          _entry_time(trade))
    return symbol, quote, last


def _groups(message: fix.Message, count_tag: int, delimiter: int) -> list[dict[int, str]]:
    if not message.isSetField(count_tag):
        return []
    found = []
    for index in range(1, int(message.getField(count_tag)) + 1):
        group = fix.Group(count_tag, delimiter)
        message.getGroup(index, group)
        found.append({tag: group.getField(tag)
                      for tag in (SYMBOL, ENTRY_TYPE, ENTRY_PX, ENTRY_SIZE, ENTRY_DATE,
                                  ENTRY_TIME) if group.isSetField(tag)})
    return found


def _px(entry: dict[int, str] | None) -> Decimal | None:
    return None if entry is None else Decimal(entry[ENTRY_PX])


def _size(entry: dict[int, str] | None) -> Decimal:
    return Decimal(0) if entry is None else Decimal(entry[ENTRY_SIZE])


def _entry_time(entry: dict[int, str] | None) -> datetime:
    if entry is None or ENTRY_DATE not in entry or ENTRY_TIME not in entry:
        return datetime.min.replace(tzinfo=UTC)
    return f.parse_timestamp(f"{entry[ENTRY_DATE]}-{entry[ENTRY_TIME]}")


class MarketDataPublisher:
    """The server side: subscriptions per symbol, and a snapshot on every change.

    `subscribe` and the listeners run on whichever thread holds the venue lock, so reading
    the venue here is safe; sending is thread-safe in quickfix.
    """

    def __init__(self, venue: Any) -> None:
        self._venue = venue
        self._lock = threading.Lock()
        self._subscribers: dict[Symbol, dict[str, tuple[Any, str]]] = {}

    def attach(self) -> None:
        """Listen to the venue's quotes and trades (a venue without them has no feed)."""
        if hasattr(self._venue, "add_quote_listener"):
            self._venue.add_quote_listener(lambda quote: self._changed(quote.symbol))
        if hasattr(self._venue, "add_trade_listener"):
            self._venue.add_trade_listener(lambda trade: self._changed(trade.symbol))

    def subscribe(self, session_id: Any, request: MarketDataRequest) -> None:
        """Register (or drop) a session's subscription; answer with a snapshot per symbol."""
        key = session_id.toString()
        with self._lock:
            for symbol in request.symbols:
                subscribers = self._subscribers.setdefault(symbol, {})
                if request.subscribe:
                    subscribers[key] = (session_id, request.req_id)
                else:
                    subscribers.pop(key, None)
        if request.subscribe:
            for symbol in request.symbols:
                self._send(session_id, request.req_id, symbol)

    def drop(self, session_id: Any) -> None:
        """Forget a session's subscriptions (it logged out; it subscribes again on logon)."""
        key = session_id.toString()
        with self._lock:
            for subscribers in self._subscribers.values():
                subscribers.pop(key, None)

    def _changed(self, symbol: Symbol) -> None:
        with self._lock:
            subscribers = list(self._subscribers.get(symbol, {}).values())
        for session_id, req_id in subscribers:
            try:
                self._send(session_id, req_id, symbol)
            except Exception:  # never raise into the venue
                log.exception("market data for %s not sent", symbol)

    def _send(self, session_id: Any, req_id: str, symbol: Symbol) -> None:
        snapshot = encode_snapshot(req_id, symbol, self._venue.top_of_book(symbol),
                                   self._venue.last_trade(symbol))
        fix.Session.sendToTarget(snapshot, session_id)


class FixMarketDataClient(InitiatorSession):
    """Subscribe to a venue's top of book and trades; implements `MarketDataSource`."""

    log_messages = False  # hundreds of snapshots a second: not worth a log file

    def __init__(self, config: InitiatorConfig, symbols: tuple[Symbol, ...]) -> None:
        super().__init__(config, loop=None)
        self._symbols = symbols
        self._lock = threading.Lock()
        self._quotes: dict[Symbol, TopOfBook] = {}
        self._trades: dict[Symbol, TradePrint] = {}
        self._quote_listeners: list[Callable[[TopOfBook], None]] = []
        self._requests = 0

    def add_quote_listener(self, listener: Callable[[TopOfBook], None]) -> None:
        """Call `listener` with every top of book received (on the session's thread)."""
        self._quote_listeners.append(listener)

    def top_of_book(self, symbol: Symbol) -> TopOfBook | None:
        """Return the venue's last published top of book, or None."""
        with self._lock:
            return self._quotes.get(symbol)

    def last_trade(self, symbol: Symbol) -> TradePrint | None:
        """Return the venue's last sale, or None."""
        with self._lock:
            return self._trades.get(symbol)

    def on_logon(self, session_id: Any) -> None:
        super().on_logon(session_id)
        self._requests += 1  # subscribe afresh on every logon: the venue forgot us
        request = MarketDataRequest(f"{self.config.sender_comp_id}-{self._requests}",
                                    self._symbols)
        fix.Session.sendToTarget(encode_md_request(request), session_id)

    def on_app_message(self, message: Any, session_id: Any) -> None:
        if f.msg_type(message) != MD_SNAPSHOT:
            return
        symbol, quote, trade = decode_snapshot(message, self.venue_id)
        with self._lock:
            if quote is not None:
                self._quotes[symbol] = quote
            else:
                self._quotes.pop(symbol, None)
            if trade is not None:
                self._trades[symbol] = trade
        if quote is not None:
            for listener in self._quote_listeners:
                try:
                    listener(quote)
                except Exception:  # a listener's bug must not break the session
                    log.exception("quote listener failed on %s", symbol)
