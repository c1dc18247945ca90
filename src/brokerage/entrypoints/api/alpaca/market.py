"""Alpaca /v2/assets, /v2/clock and /v2/calendar (from the XNYS calendar adapter)."""

from datetime import date, timedelta
from typing import Any, Literal

from fastapi import APIRouter

from brokerage.entrypoints.api.alpaca import serializers
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.read_models import alpaca as reads
from brokerage.read_models import alpaca_calendar as calendar_reads

router = APIRouter(prefix="/v2", tags=["alpaca: market"])


@router.get("/assets")
async def list_assets(who: PrincipalDep, platform: PlatformDep,
                      status: Literal["active", "inactive"] | None = None,
                      asset_class: str | None = None,
                      exchange: str | None = None) -> list[dict[str, Any]]:
    """Every listed US equity (all active); filter by status, class and exchange."""
    if status == "inactive" or asset_class not in (None, "us_equity"):
        return []
    return [serializers.asset(i) for i in platform.deps.instruments.values()
            if exchange is None or i.exchange == exchange.upper()]


@router.get("/assets/{symbol_or_asset_id}")
async def get_asset(symbol_or_asset_id: str, who: PrincipalDep,
                    platform: PlatformDep) -> dict[str, Any]:
    return serializers.asset(reads.instrument(platform, symbol_or_asset_id))


@router.get("/clock")
async def get_clock(who: PrincipalDep, platform: PlatformDep) -> dict[str, Any]:
    """The time (our clock: real or simulated), whether the market is open, next open/close."""
    return calendar_reads.clock(platform)


@router.get("/calendar")
async def get_calendar(who: PrincipalDep, platform: PlatformDep, start: date | None = None,
                       end: date | None = None) -> list[dict[str, Any]]:
    """Sessions between start and end (default: a year back to a year ahead), in ET."""
    today = calendar_reads.today(platform)
    first = start or today - timedelta(days=366)
    last = end or today + timedelta(days=366)
    return calendar_reads.sessions(platform, first, last)
