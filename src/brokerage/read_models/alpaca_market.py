"""The query side of Alpaca's Market Data v2: bars, trades and quotes, one page at a time.

Nothing here is made up: bars are our candles (stored ones, plus the open one as the latest;
`vw` only where the tape still holds every print of the bar), trades are the in-memory tape
(the last TAPE_SIZE prints per symbol: older prints are not kept), and quotes are the kept
top-of-book changes (the last QUOTES_PER_SYMBOL per symbol since the server started). Rows
come back as our own views; entrypoints/api/alpaca/market_shapes.py turns them into Alpaca's
shapes.

Pages: at most `limit` rows over all symbols, symbols in alphabetical order, each symbol's
rows by time; `next_page_token` (opaque, URL-safe) says where the next page starts.
"""

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import select

from brokerage.adapters.db import tables
from brokerage.domain.market_data.candles import Interval
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.market_data import MarketDataService
from brokerage.service_layer.market_feed import TAPE_SIZE
from brokerage.service_layer.market_views import stored_bar_view
from brokerage.service_layer.platform import Platform

Row = dict[str, Any]
TIMEFRAMES = {"1Min": Interval.M1, "1T": Interval.M1, "5Min": Interval.M5,
              "5T": Interval.M5, "15Min": Interval.M15, "15T": Interval.M15,
              "1Hour": Interval.H1, "60Min": Interval.H1, "1H": Interval.H1,
              "1Day": Interval.D1, "1D": Interval.D1, "1Week": Interval.W1, "1W": Interval.W1}
ROWS_MAX = 10_000  # rows per page


@dataclass(frozen=True)
class Window:
    """What a time series query asks for."""

    symbols: tuple[str, ...]
    start: datetime
    end: datetime
    limit: int
    descending: bool = False
    page_token: str | None = None


@dataclass(frozen=True)
class Page:
    rows: dict[str, list[Row]]
    next_page_token: str | None


def timeframe(text: str) -> Interval:
    found = TIMEFRAMES.get(text)
    if found is None:
        raise Refused("INVALID_TIMEFRAME", f"invalid timeframe {text!r}: use one of "
                      "1Min, 5Min, 15Min, 1Hour, 1Day, 1Week", status=400)
    return found


def _token(symbol: str, at: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"s": symbol, "t": at})).decode()


def _cursor(token: str | None) -> tuple[str, datetime] | None:
    if not token:
        return None
    try:
        body = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        return str(body["s"]), datetime.fromisoformat(body["t"])
    except (ValueError, KeyError, TypeError) as exc:
        raise Refused("INVALID_PAGE_TOKEN", "invalid page_token", status=400) from exc


Fetch = Callable[[str, datetime, datetime, int], list[Row]]  # symbol, lo, hi, n -> rows


def paginate(window: Window, fetch: Fetch, time_of: Callable[[Row], str]) -> Page:
    """Fill one page symbol by symbol; `fetch` returns rows in the page's time order.

    The cursor is the next row's symbol and time; the next page starts with that row
    (ascending: from its time on; descending: up to and including its time).
    """
    cursor = _cursor(window.page_token)
    remaining, out = window.limit, {}
    for symbol in sorted(window.symbols):
        if cursor is not None and symbol < cursor[0]:
            continue
        lo, hi = window.start, window.end
        if cursor is not None and symbol == cursor[0]:
            lo, hi = ((lo, _just_after(cursor[1])) if window.descending
                      else (cursor[1], hi))
        rows = fetch(symbol, lo, hi, remaining + 1)
        if len(rows) > remaining:
            if remaining:
                out[symbol] = rows[:remaining]
            return Page(out, _token(symbol, time_of(rows[remaining])))
        if rows:
            out[symbol] = rows
        remaining -= len(rows)
    return Page(out, None)


# --- bars -------------------------------------------------------------------------------------


def bars(platform: Platform, interval: Interval, window: Window) -> Page:
    service = _service(platform)

    def fetch(symbol: str, lo: datetime, hi: datetime, n: int) -> list[Row]:
        rows = _candles(platform, service, symbol, interval, lo, hi, n, window.descending)
        return with_vwap(rows, service.trades(symbol, TAPE_SIZE))

    return paginate(window, fetch, lambda row: row["start"])


def with_vwap(rows: list[Row], tape: Sequence[Row]) -> list[Row]:
    """Add `vw` to each bar whose every print is still on the tape, else None.

    Candles keep no traded value, but the tape keeps each print's price and size: a bar's
    VWAP is exact when the sizes of the tape's prints in its interval add up to its volume
    (older bars, and backfilled ones, have no prints left: their `vw` stays null).
    """
    if not rows or not tape:
        return [{**r, "vw": None} for r in rows]
    prints = [(datetime.fromisoformat(p["ts"]), Decimal(p["price"]), Decimal(p["size"]))
              for p in tape]
    out = []
    for row in rows:
        start, end = datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"])
        inside = [(px, size) for ts, px, size in prints if start <= ts < end]
        volume = sum((size for _, size in inside), Decimal(0))
        exact = volume > 0 and volume == Decimal(row["volume"])
        vwap = sum((px * size for px, size in inside), Decimal(0)) / volume if exact else None
        out.append({**row, "vw": vwap})
    return out


def _just_after(moment: datetime) -> datetime:
    return moment + timedelta(microseconds=1)


def _candles(platform: Platform, service: MarketDataService, symbol: str, interval: Interval,
             lo: datetime, hi: datetime, n: int, descending: bool) -> list[Row]:
    """Return up to n candles starting in [lo, hi): stored ones and the open one (latest)."""
    latest = service.candles(symbol, interval, lo, hi, 1)  # also lays the daily history
    live = latest[-1] if latest and not latest[-1]["final"] else None
    t = tables.candles
    order = t.c.start_at.desc() if descending else t.c.start_at.asc()
    query = (select(t).where(t.c.symbol == symbol, t.c.timeframe == interval.value,
                             t.c.start_at >= lo, t.c.start_at < hi).order_by(order).limit(n))
    with platform.store.read() as conn:
        rows = [stored_bar_view(dict(r._mapping)) for r in conn.execute(query)]
    if live is None:
        return rows
    rows = [r for r in rows if r["start"] != live["start"]]  # the live one is newer
    if descending:
        return [live, *rows][:n]
    return [*rows, live] if len(rows) < n else rows


def latest_bars(platform: Platform, symbols: Sequence[str], now: datetime,
                interval: Interval = Interval.M1, count: int = 1) -> dict[str, list[Row]]:
    """Return the latest `count` candles of each symbol (open one included), oldest first."""
    service = _service(platform)
    since = datetime.fromtimestamp(0, tz=now.tzinfo)
    out = {}
    for symbol in symbols:
        rows = service.candles(symbol, interval, since, _just_after(now), count)
        if rows:
            out[symbol] = rows
    return out


# --- trades and quotes --------------------------------------------------------------------------


def trades(platform: Platform, window: Window) -> Page:
    """Page through the prints still on the tape that fall in the window."""
    service = _service(platform)

    def fetch(symbol: str, lo: datetime, hi: datetime, n: int) -> list[Row]:
        tape = [p for p in reversed(service.trades(symbol, TAPE_SIZE))
                if lo <= datetime.fromisoformat(p["ts"]) < hi]
        return (tape[::-1] if window.descending else tape)[:n]

    return paginate(window, fetch, lambda row: row["ts"])


def quotes(platform: Platform, window: Window) -> Page:
    """Page through the kept top-of-book changes (service_layer/quote_history.py)."""
    history = _service(platform).quote_history

    def fetch(symbol: str, lo: datetime, hi: datetime, n: int) -> list[Row]:
        return history.between(symbol, lo, hi, n, window.descending)

    return paginate(window, fetch, lambda row: row["ts"])


def latest_trades(platform: Platform, symbols: Sequence[str]) -> dict[str, Row]:
    service = _service(platform)
    out = {}
    for symbol in symbols:
        last = service.trades(symbol, 1)
        if last:
            out[symbol] = last[0]
    return out


def latest_quotes(platform: Platform, symbols: Sequence[str]) -> dict[str, Row]:
    """Return the cached quote of each symbol (with its stale flag)."""
    return _service(platform).quotes(list(symbols))


def _service(platform: Platform) -> MarketDataService:
    service: MarketDataService | None = platform.market_data
    if service is None:
        raise Refused("MARKET_DATA_UNAVAILABLE", "market data is not running", status=503)
    return service
