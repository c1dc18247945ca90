"""Alpaca Market Data v2 latest values and snapshots: `/v2/stocks/.../latest`, snapshots.

Latest quote: the quote cache; latest trade: the tape; latest bar: the newest minute candle
(the open one included); snapshot: those three plus the newest and the previous daily candle.
A symbol with no such data is left out (or null inside a snapshot), as Alpaca does.
"""

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from brokerage.domain.market_data.candles import Interval
from brokerage.entrypoints.api.alpaca import market_shapes as shapes
from brokerage.entrypoints.api.alpaca.market_data import (
    requested_symbols,
    shaped_latest_quotes,
    tape_of,
)
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.read_models import alpaca_market as reads
from brokerage.service_layer.errors import NotFound
from brokerage.service_layer.platform import Platform

router = APIRouter(prefix="/v2/stocks", tags=["alpaca: market data"])


def _latest_trades(platform: Platform, symbols: list[str]) -> dict[str, Any]:
    return {s: shapes.trade(s, row, tape_of(platform, s))
            for s, row in reads.latest_trades(platform, symbols).items()}


async def _latest_bars(platform: Platform, symbols: list[str]) -> dict[str, Any]:
    now = platform.deps.clock.now()
    rows = await run_in_threadpool(reads.latest_bars, platform, symbols, now)
    return {s: shapes.bar(r[-1]) for s, r in rows.items()}


def _json(items: dict[str, Any]) -> dict[str, Any]:
    return {s: shapes.for_json(item) for s, item in items.items()}


def _one(items: dict[str, Any], key: str, symbol: str) -> dict[str, Any]:
    if symbol not in items:
        raise NotFound("NOT_FOUND", f"no {key} found for {symbol}")
    return {"symbol": symbol, key: items[symbol]}


@router.get("/quotes/latest")
async def latest_quotes(who: PrincipalDep, platform: PlatformDep, symbols: str,
                        feed: str | None = None, currency: str | None = None) -> dict[str, Any]:
    wanted = requested_symbols(platform, symbols)
    return {"quotes": _json(await shaped_latest_quotes(platform, wanted))}


@router.get("/trades/latest")
async def latest_trades(who: PrincipalDep, platform: PlatformDep, symbols: str,
                        feed: str | None = None, currency: str | None = None) -> dict[str, Any]:
    return {"trades": _json(_latest_trades(platform, requested_symbols(platform, symbols)))}


@router.get("/bars/latest")
async def latest_bars(who: PrincipalDep, platform: PlatformDep, symbols: str,
                      feed: str | None = None, currency: str | None = None) -> dict[str, Any]:
    return {"bars": _json(await _latest_bars(platform, requested_symbols(platform, symbols)))}


@router.get("/{symbol}/quotes/latest")
async def latest_quote(symbol: str, who: PrincipalDep, platform: PlatformDep,
                       feed: str | None = None) -> dict[str, Any]:
    return _one((await latest_quotes(who, platform, symbol))["quotes"], "quote", symbol.upper())


@router.get("/{symbol}/trades/latest")
async def latest_trade(symbol: str, who: PrincipalDep, platform: PlatformDep,
                       feed: str | None = None) -> dict[str, Any]:
    return _one((await latest_trades(who, platform, symbol))["trades"], "trade", symbol.upper())


@router.get("/{symbol}/bars/latest")
async def latest_bar(symbol: str, who: PrincipalDep, platform: PlatformDep,
                     feed: str | None = None) -> dict[str, Any]:
    return _one((await latest_bars(who, platform, symbol))["bars"], "bar", symbol.upper())


async def _snapshots(platform: Platform, symbols: list[str]) -> dict[str, Any]:
    quotes = await shaped_latest_quotes(platform, symbols)
    trades = _latest_trades(platform, symbols)
    minutes = await _latest_bars(platform, symbols)
    now = platform.deps.clock.now()
    days = await run_in_threadpool(reads.latest_bars, platform, symbols, now, Interval.D1, 2)
    out = {}
    for s in symbols:
        daily = [shapes.bar(r) for r in days.get(s, [])]
        out[s] = shapes.for_json(shapes.snapshot(trades.get(s), quotes.get(s), {
            "minute": minutes.get(s), "daily": daily[-1] if daily else None,
            "previous_daily": daily[-2] if len(daily) > 1 else None}))
    return out


@router.get("/snapshots")
async def snapshots(who: PrincipalDep, platform: PlatformDep, symbols: str,
                    feed: str | None = None, currency: str | None = None) -> dict[str, Any]:
    """Latest trade, latest quote, minute bar, daily bar and previous daily bar per symbol."""
    return await _snapshots(platform, requested_symbols(platform, symbols))


@router.get("/{symbol}/snapshot")
async def snapshot(symbol: str, who: PrincipalDep, platform: PlatformDep,
                   feed: str | None = None) -> dict[str, Any]:
    found = await _snapshots(platform, requested_symbols(platform, symbol))
    if not found:
        raise NotFound("NOT_FOUND", f"no snapshot for {symbol.upper()}")
    only = next(iter(found))
    return {"symbol": only, **found[only]}
