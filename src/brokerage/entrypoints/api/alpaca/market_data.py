"""Alpaca Market Data API v2 for stocks: bars, trades, quotes, latest values and snapshots.

Served on this host under /v2/stocks (point StockHistoricalDataClient's `url_override` here).
`feed`, `adjustment`, `asof` and `currency` are accepted and ignored: there is one feed (ours),
no corporate actions to adjust for, and every price is in USD. Times are RFC 3339 or a date
(midnight UTC); `start` defaults to the beginning of the current day (UTC), `end` to now.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from brokerage.entrypoints.api.alpaca import market_shapes as shapes
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.read_models import alpaca_market as reads
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.platform import Platform

router = APIRouter(prefix="/v2/stocks", tags=["alpaca: market data"])
SYMBOLS_MAX = 100
Limit = Annotated[int, Query(ge=1, le=reads.ROWS_MAX)]
Sort = Literal["asc", "desc"]


def requested_symbols(platform: Platform, text: str) -> list[str]:
    wanted = list(dict.fromkeys(s.strip().upper() for s in text.split(",") if s.strip()))
    if not wanted or len(wanted) > SYMBOLS_MAX:
        raise Refused("INVALID_SYMBOLS", f"ask for 1 to {SYMBOLS_MAX} symbols", status=400)
    return [s for s in wanted if s in platform.deps.instruments]  # Alpaca omits unknown ones


def _moment(text: str | None, default: datetime) -> datetime:
    if not text:
        return default
    try:
        moment = (datetime.fromisoformat(text) if "T" in text or " " in text
                  else datetime.combine(date.fromisoformat(text), time(), UTC))
    except ValueError as exc:
        raise Refused("INVALID_TIME", f"invalid time {text!r}: use RFC 3339", status=400) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _window(platform: Platform, symbols: str, start: str | None, end: str | None,
            limit: int, sort: Sort, page_token: str | None) -> reads.Window:
    now = platform.deps.clock.now()
    today = datetime.combine(now.astimezone(UTC).date(), time(), UTC)
    window = reads.Window(tuple(requested_symbols(platform, symbols)), _moment(start, today),
                          _moment(end, now + timedelta(seconds=1)), limit, sort == "desc",
                          page_token)
    if window.start >= window.end:
        raise Refused("INVALID_RANGE", "start must be before end", status=400)
    return window


def tape_of(platform: Platform, symbol: str) -> str:
    return shapes.tape(platform.deps.instruments[symbol].exchange)


def _page(key: str, page: reads.Page, shape: Any) -> dict[str, Any]:
    rows = {s: [shapes.for_json(shape(s, r)) for r in rs] for s, rs in page.rows.items()}
    return {key: rows, "next_page_token": page.next_page_token}


def _single(body: dict[str, Any], key: str, symbol: str) -> dict[str, Any]:
    return {key: body[key].get(symbol, []), "symbol": symbol,
            "next_page_token": body["next_page_token"]}


# --- bars ---------------------------------------------------------------------------------------


@router.get("/bars")
async def get_bars(who: PrincipalDep, platform: PlatformDep, symbols: str, timeframe: str,
                   start: str | None = None, end: str | None = None, limit: Limit = 1000,
                   page_token: str | None = None, sort: Sort = "asc",
                   feed: str | None = None, adjustment: str | None = None,
                   asof: str | None = None, currency: str | None = None) -> dict[str, Any]:
    """Bars of several symbols, from our candles (1Min 5Min 15Min 1Hour 1Day 1Week)."""
    interval = reads.timeframe(timeframe)
    window = _window(platform, symbols, start, end, limit, sort, page_token)
    page = await run_in_threadpool(reads.bars, platform, interval, window)
    return _page("bars", page, lambda _, row: shapes.bar(row))


@router.get("/{symbol}/bars")
async def get_symbol_bars(symbol: str, who: PrincipalDep, platform: PlatformDep,
                          timeframe: str, start: str | None = None, end: str | None = None,
                          limit: Limit = 1000, page_token: str | None = None,
                          sort: Sort = "asc", feed: str | None = None,
                          adjustment: str | None = None) -> dict[str, Any]:
    body = await get_bars(who, platform, symbol, timeframe, start, end, limit, page_token, sort)
    return _single(body, "bars", symbol.upper())


# --- trades and quotes ----------------------------------------------------------------------------


@router.get("/trades")
async def get_trades(who: PrincipalDep, platform: PlatformDep, symbols: str,
                     start: str | None = None, end: str | None = None, limit: Limit = 1000,
                     page_token: str | None = None, sort: Sort = "asc",
                     feed: str | None = None, asof: str | None = None,
                     currency: str | None = None) -> dict[str, Any]:
    """Prints still on our tape (the last 1,000 per symbol) that fall in the range."""
    window = _window(platform, symbols, start, end, limit, sort, page_token)
    page = reads.trades(platform, window)
    return _page("trades", page, lambda s, row: shapes.trade(s, row, tape_of(platform, s)))


@router.get("/{symbol}/trades")
async def get_symbol_trades(symbol: str, who: PrincipalDep, platform: PlatformDep,
                            start: str | None = None, end: str | None = None,
                            limit: Limit = 1000, page_token: str | None = None,
                            sort: Sort = "asc", feed: str | None = None) -> dict[str, Any]:
    body = await get_trades(who, platform, symbol, start, end, limit, page_token, sort)
    return _single(body, "trades", symbol.upper())


@router.get("/quotes")
async def get_quotes(who: PrincipalDep, platform: PlatformDep, symbols: str,
                     start: str | None = None, end: str | None = None, limit: Limit = 1000,
                     page_token: str | None = None, sort: Sort = "asc",
                     feed: str | None = None, asof: str | None = None,
                     currency: str | None = None) -> dict[str, Any]:
    """Top-of-book changes in the range, from the kept history (the last 2,000 per symbol)."""
    window = _window(platform, symbols, start, end, limit, sort, page_token)
    page = await run_in_threadpool(reads.quotes, platform, window)
    return _page("quotes", page, lambda s, row: shapes.quote(row, tape_of(platform, s)))


@router.get("/{symbol}/quotes")
async def get_symbol_quotes(symbol: str, who: PrincipalDep, platform: PlatformDep,
                            start: str | None = None, end: str | None = None,
                            limit: Limit = 1000, page_token: str | None = None,
                            sort: Sort = "asc", feed: str | None = None) -> dict[str, Any]:
    body = await get_quotes(who, platform, symbol, start, end, limit, page_token, sort)
    return _single(body, "quotes", symbol.upper())


async def shaped_latest_quotes(platform: Platform, symbols: Sequence[str]) -> dict[str, Any]:
    views = await run_in_threadpool(reads.latest_quotes, platform, symbols)
    shaped = {s: shapes.quote(v, tape_of(platform, s)) for s, v in views.items()}
    return {s: q for s, q in shaped.items() if q is not None}
