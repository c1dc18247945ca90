"""Market data: quotes (NBBO), candles, trades, depth, market status, price alerts, notifications.

Errors are `{code, message}` with a 4xx; a refused request changes nothing.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from brokerage.domain.market_data.candles import Interval
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.entrypoints.api.routers.admin import Operator
from brokerage.entrypoints.api.schemas import ERRORS, Number, Strict
from brokerage.service_layer.errors import NotFound, Refused
from brokerage.service_layer.market_data import MarketDataService
from brokerage.service_layer.market_feed import TAPE_SIZE
from brokerage.service_layer.platform import Platform

router = APIRouter(prefix="/v1", tags=["market data"], responses=ERRORS)
MAX_SYMBOLS = 100
MAX_CANDLES = 5000
DEFAULT_SPAN = {Interval.M1: timedelta(days=1), Interval.M5: timedelta(days=5),
                Interval.M15: timedelta(days=10), Interval.H1: timedelta(days=30),
                Interval.D1: timedelta(days=366), Interval.W1: timedelta(days=5 * 366)}


class NewAlert(Strict):
    symbol: str = Field(min_length=1, max_length=16)
    direction: Literal["above", "below"]
    price: Number


class Halt(Strict):
    reason: str = Field(default="regulatory halt", max_length=200)


def _service(platform: Platform) -> MarketDataService:
    service: MarketDataService | None = platform.market_data
    if service is None:
        raise Refused("MARKET_DATA_UNAVAILABLE", "market data is not running", status=503)
    return service


def _symbol(platform: Platform, symbol: str) -> str:
    wanted = symbol.strip().upper()
    if wanted not in platform.deps.instruments:
        raise NotFound("ASSET_NOT_FOUND", f"no asset {wanted}")
    return wanted


@router.get("/quotes")
async def get_quotes(platform: PlatformDep,
                     symbols: Annotated[str, Query(max_length=2000)]) -> dict[str, Any]:
    """Return the NBBO, last sale, day stats and stale flag of up to 100 symbols."""
    wanted = list(dict.fromkeys(s.strip().upper() for s in symbols.split(",") if s.strip()))
    if not wanted or len(wanted) > MAX_SYMBOLS:
        raise Refused("INVALID_SYMBOLS", f"ask for 1 to {MAX_SYMBOLS} comma-separated symbols")
    unknown = [s for s in wanted if s not in platform.deps.instruments]
    if unknown:
        raise NotFound("ASSET_NOT_FOUND", f"unknown symbols: {', '.join(unknown)}")
    quotes = await run_in_threadpool(_service(platform).quotes, wanted)
    return {"quotes": quotes}


@router.get("/candles/{symbol}")
async def get_candles(
    symbol: str, platform: PlatformDep, interval: Interval = Interval.D1,
    start: datetime | None = None, end: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_CANDLES)] = 1000,
) -> dict[str, Any]:
    """Return candles starting in [start, end), oldest first; the open one has final=false."""
    wanted = _symbol(platform, symbol)
    if (start and start.tzinfo is None) or (end and end.tzinfo is None):
        raise Refused("INVALID_RANGE", "start and end need a time zone (e.g. Z or +00:00)")
    end = end or platform.deps.clock.now() + timedelta(seconds=1)
    start = start or end - DEFAULT_SPAN[interval]
    if start >= end:
        raise Refused("INVALID_RANGE", "start must be before end")
    rows = await run_in_threadpool(_service(platform).candles, wanted, interval, start, end,
                                   limit)
    return {"symbol": wanted, "interval": interval.value, "candles": rows}


@router.get("/trades/{symbol}")
async def get_trades(symbol: str, platform: PlatformDep,
                     limit: Annotated[int, Query(ge=1, le=TAPE_SIZE)] = 50) -> dict[str, Any]:
    """Return the latest prints of a symbol on every venue, newest first."""
    wanted = _symbol(platform, symbol)
    return {"symbol": wanted, "trades": _service(platform).trades(wanted, limit)}


@router.get("/depth/{symbol}")
async def get_depth(symbol: str, platform: PlatformDep,
                    levels: Annotated[int, Query(ge=1, le=50)] = 10) -> dict[str, Any]:
    """Return the exchange's aggregated book levels of a symbol."""
    return _service(platform).depth(_symbol(platform, symbol), levels)


@router.get("/market/status")
async def get_market_status(platform: PlatformDep) -> dict[str, Any]:
    """Return the session, the clock, the symbols not trading and the circuit breaker."""
    return _service(platform).market_status()


@router.get("/market/status/{symbol}")
async def get_symbol_status(symbol: str, platform: PlatformDep) -> dict[str, Any]:
    """Return a symbol's trading status and its LULD bands."""
    return _service(platform).status_of(_symbol(platform, symbol))


@router.post("/market/halts/{symbol}", dependencies=[Operator])
async def halt_symbol(symbol: str, body: Halt, platform: PlatformDep) -> dict[str, Any]:
    """Halt a symbol (operators): new orders are refused until it is resumed."""
    return await _service(platform).halt(_symbol(platform, symbol), body.reason)


@router.delete("/market/halts/{symbol}", dependencies=[Operator])
async def resume_symbol(symbol: str, platform: PlatformDep) -> dict[str, Any]:
    return await _service(platform).resume(_symbol(platform, symbol))


@router.post("/alerts", status_code=201)
async def create_alert(body: NewAlert, who: PrincipalDep, platform: PlatformDep,
                       ) -> dict[str, Any]:
    """Set a price alert: notified once when the last sale reaches the price."""
    return await _service(platform).create_alert(who.user_id, body.symbol.strip().upper(),
                                                 body.direction, body.price)


@router.get("/alerts")
async def list_alerts(who: PrincipalDep, platform: PlatformDep,
                      status: Literal["active", "triggered", "canceled"] | None = None,
                      ) -> list[dict[str, Any]]:
    return await _service(platform).list_alerts(who.user_id, status)


@router.get("/alerts/{alert_id}")
async def get_alert(alert_id: str, who: PrincipalDep, platform: PlatformDep) -> dict[str, Any]:
    return await _service(platform).get_alert(who.user_id, alert_id)


@router.delete("/alerts/{alert_id}")
async def cancel_alert(alert_id: str, who: PrincipalDep, platform: PlatformDep,
                       ) -> dict[str, Any]:
    """Cancel an active alert (409 if it already fired or was canceled)."""
    return await _service(platform).cancel_alert(who.user_id, alert_id)


@router.get("/notifications")
async def list_notifications(who: PrincipalDep, platform: PlatformDep,
                             limit: Annotated[int, Query(ge=1, le=500)] = 100,
                             ) -> list[dict[str, Any]]:
    """Return the caller's notifications, newest first."""
    return await _service(platform).notifications(who.user_id, limit)
