"""Quote history: the latest top-of-book changes of each symbol, in memory, for GET quotes.

The market data service hands over each step's changed quotes (at most one per symbol per
step: the pipeline conflates). A quote is kept only when the NBBO itself changed (price, size
or best venue), so a stale flip or a print adds nothing. Each symbol keeps its last
QUOTES_PER_SYMBOL changes (the oldest drop first); nothing is written to the database, so the
history starts again with the server.
"""

import sys
import threading
from bisect import bisect_left
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from brokerage.domain.market_data.ticks import from_us, to_us

Row = dict[str, Any]
QUOTES_PER_SYMBOL = 2_000  # ~150 bytes each (texts interned): ~0.3 MB per busy symbol
# (quoted at µs, bid, bid size, ask, ask size, bid venue, ask venue): decimal texts as the view
Entry = tuple[int, str | None, str | None, str | None, str | None, str, str]


class QuoteHistory:
    def __init__(self, per_symbol: int = QUOTES_PER_SYMBOL) -> None:
        self._per_symbol = per_symbol
        self._quotes: dict[str, deque[Entry]] = {}
        self._lock = threading.Lock()  # the timer writes, API threads read

    def record(self, quotes: Mapping[str, Row]) -> None:
        """Keep each quote view (`MarketFeed.quote_view`) whose top of book changed."""
        for symbol, view in quotes.items():
            entry = _entry(view)
            if entry is None:
                continue
            with self._lock:
                kept = self._quotes.get(symbol)
                if kept is None:
                    kept = self._quotes[symbol] = deque(maxlen=self._per_symbol)
                if kept and (kept[-1][1:] == entry[1:] or entry[0] < kept[-1][0]):
                    continue  # the same top of book, or out of time order
                kept.append(entry)

    def between(self, symbol: str, start: datetime, end: datetime, limit: int,
                descending: bool = False) -> list[Row]:
        """Return up to `limit` quotes quoted in [start, end), in time order (or reversed)."""
        with self._lock:
            kept = list(self._quotes.get(symbol, ()))
        times = [e[0] for e in kept]
        found = kept[bisect_left(times, to_us(start)):bisect_left(times, to_us(end))]
        chosen = found[::-1][:limit] if descending else found[:limit]
        return [_view(symbol, e) for e in chosen]


def _entry(view: Row) -> Entry | None:
    if view.get("bid") is None and view.get("ask") is None:
        return None
    venues = view.get("venues") or {}
    stamps = [venues[v]["ts"] for v in (*view.get("bid_venues", ()), *view.get("ask_venues", ()))
              if v in venues and venues[v].get("ts")]
    if not stamps:
        return None
    quoted_us = max(to_us(datetime.fromisoformat(s)) for s in stamps)
    return (quoted_us, _text(view.get("bid")), _text(view.get("bid_size")),
            _text(view.get("ask")), _text(view.get("ask_size")),
            sys.intern(_first(view.get("bid_venues"))), sys.intern(_first(view.get("ask_venues"))))


def _text(value: str | None) -> str | None:
    """Share repeated prices and sizes (a few hundred distinct texts per symbol)."""
    return None if value is None else sys.intern(value)


def _first(venues: Any) -> str:
    return str(venues[0]) if venues else ""


def _view(symbol: str, entry: Entry) -> Row:
    """The fields of a quote view that a quote's shape needs."""
    quoted_us, bid, bid_size, ask, ask_size, bid_venue, ask_venue = entry
    quoted_at = from_us(quoted_us)
    return {"symbol": symbol, "bid": bid, "bid_size": bid_size, "ask": ask,
            "ask_size": ask_size, "bid_venues": [bid_venue] if bid_venue else [],
            "ask_venues": [ask_venue] if ask_venue else [],
            "updated_at": quoted_at.isoformat(), "ts": quoted_at.isoformat()}
