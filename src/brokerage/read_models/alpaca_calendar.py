"""The market clock and calendar in Alpaca's terms, from the XNYS calendar and our clock."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from brokerage.adapters.calendar import DEFAULT_START
from brokerage.domain.market_hours import MarketPhase
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.platform import Platform

NEW_YORK = ZoneInfo("America/New_York")
MAX_CALENDAR_DAYS = 20 * 366  # put a limit on one answer


def _et(moment: datetime) -> str:
    return moment.astimezone(NEW_YORK).isoformat()


def today(platform: Platform) -> date:
    return platform.deps.clock.now().astimezone(NEW_YORK).date()


def next_close(calendar: Any, now: datetime) -> datetime:
    """Return the close of the session in progress, else of the next session."""
    day = now.astimezone(NEW_YORK).date()
    times = calendar.session_times(day)
    if times is not None and now < times.regular_close:
        return times.regular_close  # type: ignore[no-any-return]
    return calendar.regular_close(calendar.next_session(day))  # type: ignore[no-any-return]


def clock(platform: Platform) -> dict[str, Any]:
    """Alpaca's clock: timestamps in Eastern time."""
    calendar: Any = platform.deps.calendar
    now = platform.deps.clock.now()
    return {"timestamp": _et(now), "is_open": calendar.phase(now) == MarketPhase.REGULAR,
            "next_open": _et(calendar.next_regular_open(now)),
            "next_close": _et(next_close(calendar, now))}


def sessions(platform: Platform, first: date, last: date) -> list[dict[str, Any]]:
    """Return every session from `first` to `last` (ET dates), as Alpaca's calendar rows."""
    calendar: Any = platform.deps.calendar
    first = max(first, DEFAULT_START)
    if last < first:
        return []
    if (last - first) > timedelta(days=MAX_CALENDAR_DAYS):
        raise Refused("CALENDAR_RANGE_TOO_LONG", "ask for at most 20 years at a time")
    out = []
    day = calendar.session_on_or_after(first)
    while day <= last:
        times = calendar.session_times(day)
        out.append({
            "date": day.isoformat(),
            "open": times.regular_open.astimezone(NEW_YORK).strftime("%H:%M"),
            "close": times.regular_close.astimezone(NEW_YORK).strftime("%H:%M"),
            "session_open": times.pre_market_open.astimezone(NEW_YORK).strftime("%H%M"),
            "session_close": times.post_market_close.astimezone(NEW_YORK).strftime("%H%M"),
            "settlement_date": calendar.next_business_day(day).isoformat(),
        })
        day = calendar.next_session(day)
    return out
