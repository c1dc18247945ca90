"""Alpaca /v2/account, its configurations, activities and portfolio history."""

import functools
from datetime import datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from brokerage.domain.money import ZERO
from brokerage.entrypoints.api.alpaca import serializers
from brokerage.entrypoints.api.alpaca.schemas import ConfigurationsPatch
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.read_models import alpaca as reads
from brokerage.read_models import alpaca_history as history
from brokerage.service_layer.account_configurations import AccountConfigurations, Settings
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.platform import Platform

router = APIRouter(prefix="/v2", tags=["alpaca: account"])
ACTIVITY_TYPES = frozenset({"FILL", "CSD", "CSW", "TRANS"})


def _account(platform: Platform, account_id: str) -> dict[str, Any]:
    view = reads.account(platform, account_id)
    close = history.previous_close(platform)
    last = history.equity_at(platform, account_id, close) if close is not None else ZERO
    return serializers.account(view, last)


@router.get("/account")
async def get_account(who: PrincipalDep, platform: PlatformDep) -> dict[str, Any]:
    return await run_in_threadpool(_account, platform, who.account_id)


# What this platform does, in Alpaca's terms (fractional, cash only, no shorting): fixed.
FIXED_CONFIGURATION: dict[str, Any] = {
    "dtbp_check": "entry", "fractional_trading": True, "max_margin_multiplier": "1",
    "no_shorting": True, "pdt_check": "entry", "suspend_trade": False,
    "trade_confirm_email": "none", "ptp_no_exception_entry": False,
    "max_options_trading_level": 0}


def configurations(platform: Platform) -> AccountConfigurations:
    return AccountConfigurations(platform.store, platform.deps.clock)


def _configuration_json(settings: Settings) -> dict[str, Any]:
    return {**FIXED_CONFIGURATION, "reuse_client_order_ids": settings.reuse_client_order_ids}


def _same(value: Any, fixed: Any) -> bool:
    return bool(value == (Decimal(fixed) if isinstance(value, Decimal) else fixed))


@router.get("/account/configurations")
async def get_configurations(who: PrincipalDep, platform: PlatformDep) -> dict[str, Any]:
    """The fixed configuration plus ours: `reuse_client_order_ids` (false unless set)."""
    settings = await run_in_threadpool(configurations(platform).get, who.account_id)
    return _configuration_json(settings)


@router.patch("/account/configurations")
async def patch_configurations(body: ConfigurationsPatch, who: PrincipalDep,
                               platform: PlatformDep) -> dict[str, Any]:
    """Change `reuse_client_order_ids`; the fixed fields may be sent back, but not changed."""
    for name, value in body.model_dump(exclude_none=True).items():
        fixed = FIXED_CONFIGURATION.get(name)
        if name in FIXED_CONFIGURATION and not _same(value, fixed):
            raise Refused("CONFIGURATION_NOT_SUPPORTED",
                          f"{name} cannot be changed here: it is {fixed!r} on this platform")
    settings = await run_in_threadpool(
        functools.partial(configurations(platform).update, who.account_id,
                          reuse_client_order_ids=body.reuse_client_order_ids))
    return _configuration_json(settings)


def _activity_filter(types: str | None, date: str | None, after: datetime | None,
                     until: datetime | None, direction: str, page_size: int,
                     page_token: str | None) -> history.ActivityFilter:
    if date:
        day = datetime.fromisoformat(date).date()
        after = datetime.combine(day, time(), tzinfo=history.NEW_YORK)
        until = datetime.combine(day, time.max, tzinfo=history.NEW_YORK)
    wanted = frozenset(t.strip().upper() for t in types.split(",") if t.strip()) if types \
        else frozenset()
    return history.ActivityFilter(types=wanted, after=after, until=until, direction=direction,
                                  page_size=page_size, page_token=page_token)


async def _activities(platform: Platform, account_id: str,
                      wanted: history.ActivityFilter) -> list[dict[str, Any]]:
    found = await run_in_threadpool(history.activities, platform, account_id, wanted)
    return [serializers.activity(a) for a in found]


Direction = Literal["asc", "desc"]
PageSize = Annotated[int, Query(ge=1, le=100)]
Day = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}")]


@router.get("/account/activities")
async def list_activities(
    who: PrincipalDep, platform: PlatformDep,
    activity_types: Annotated[str | None, Query(max_length=200)] = None, date: Day = None,
    after: datetime | None = None, until: datetime | None = None,
    direction: Direction = "desc", page_size: PageSize = 100,
    page_token: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    """Fills (FILL) and cash transfers (CSD deposits, CSW withdrawals), newest first."""
    wanted = _activity_filter(activity_types, date, after, until, direction, page_size,
                              page_token)
    return await _activities(platform, who.account_id, wanted)


@router.get("/account/activities/{activity_type}")
async def list_activities_of_type(
    activity_type: Literal["FILL", "CSD", "CSW", "TRANS"], who: PrincipalDep,
    platform: PlatformDep, date: Day = None, after: datetime | None = None,
    until: datetime | None = None, direction: Direction = "desc", page_size: PageSize = 100,
    page_token: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    wanted = _activity_filter(activity_type, date, after, until, direction, page_size,
                              page_token)
    return await _activities(platform, who.account_id, wanted)


@router.get("/account/portfolio/history")
async def portfolio_history(
    who: PrincipalDep, platform: PlatformDep,
    period: Annotated[str | None, Query(pattern=r"^\d{1,4}[DWMA]$")] = None,
    timeframe: Annotated[str | None, Query(max_length=8)] = None,
    start: datetime | None = None, end: datetime | None = None,
    date_end: Day = None, extended_hours: bool = False,
    intraday_reporting: str | None = None, pnl_reset: str | None = None,
) -> dict[str, Any]:
    """Equity over time, from the account's own fills and transfers."""
    if end is None and date_end:
        end = datetime.combine(datetime.fromisoformat(date_end).date(), time.max,
                               tzinfo=history.NEW_YORK)
    asked = history.HistoryRequest(period=period, timeframe=timeframe, start=start, end=end)
    result = await run_in_threadpool(history.portfolio_history, platform, who.account_id,
                                     asked)
    return serializers.history(result)
