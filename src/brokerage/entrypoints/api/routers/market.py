"""Assets and the clock (quotes moved to routers/market_data.py, served by the pipeline)."""

from typing import Any

from fastapi import APIRouter

from brokerage.entrypoints.api.deps import PlatformDep
from brokerage.entrypoints.api.schemas import ERRORS
from brokerage.read_models import queries
from brokerage.service_layer.errors import NotFound

router = APIRouter(prefix="/v1", tags=["market"], responses=ERRORS)


@router.get("/assets")
async def list_assets(platform: PlatformDep) -> list[dict[str, Any]]:
    return [queries.asset_view(i) for i in platform.deps.instruments.values()]


@router.get("/assets/{symbol}")
async def get_asset(symbol: str, platform: PlatformDep) -> dict[str, Any]:
    instrument = platform.deps.instruments.get(symbol.upper())  # type: ignore[call-overload]
    if instrument is None:
        raise NotFound("ASSET_NOT_FOUND", f"no asset {symbol.upper()}")
    return queries.asset_view(instrument)


@router.get("/clock")
async def get_clock(platform: PlatformDep) -> dict[str, Any]:
    """Which clock runs (real or simulated, and how fast), the time and the market phase."""
    clock = platform.deps.clock
    now = clock.now()
    calendar = platform.deps.calendar
    return {"clock": clock.name, "speed": clock.speed, "timestamp": now.isoformat(),
            "phase": calendar.phase(now).value,
            "is_open": calendar.phase(now).value == "regular",
            "next_open": calendar.next_regular_open(now).isoformat()}
