"""The NYSE (XNYS) trading calendar, from exchange_calendars, with extended-hours phases.

Sessions, holidays and early closes come from exchange_calendars' "XNYS" calendar. It is
read once per coverage window into plain dicts of UTC datetimes, so the hot path (`phase`,
called on every order) is a time-zone conversion, a dict lookup and a few comparisons:
no pandas. Extended hours follow market_hours.MarketPhase: pre-market 04:00 ET to the open,
post-market from the close to 20:00 ET, or to 17:00 ET after an early (13:00) close.
"""

import warnings
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import exchange_calendars

from brokerage.domain.market_hours import MarketPhase

NEW_YORK = ZoneInfo("America/New_York")
CALENDAR_NAME = "XNYS"
PRE_MARKET_OPEN_ET = time(4, 0)
NORMAL_CLOSE_ET = time(16, 0)
POST_MARKET_CLOSE_ET = time(20, 0)
EARLY_CLOSE_POST_MARKET_CLOSE_ET = time(17, 0)
DEFAULT_START = date(2019, 1, 1)
DEFAULT_END = date(2030, 12, 31)
# Any date asked about must have at least this much calendar after it (next_session etc.).
COVERAGE_AHEAD = timedelta(days=2 * 366)
# When a date falls outside that margin, the coverage is extended this far past it.
EXTENSION = timedelta(days=5 * 366)


@dataclass(frozen=True, slots=True)
class SessionTimes:
    """The four phase boundaries of one XNYS session, as UTC datetimes."""

    session: date
    pre_market_open: datetime
    regular_open: datetime
    regular_close: datetime
    post_market_close: datetime

    @property
    def boundaries(self) -> tuple[datetime, datetime, datetime, datetime]:
        """Return the instants at which the phase changes, in order."""
        return (self.pre_market_open, self.regular_open, self.regular_close, self.post_market_close)


class CalendarRangeError(ValueError):
    """A date before the calendar's first covered day."""


def _at_et(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=NEW_YORK).astimezone(UTC)


def _session_times(day: date, regular_open: datetime, regular_close: datetime) -> SessionTimes:
    early = regular_close.astimezone(NEW_YORK).time() < NORMAL_CLOSE_ET
    post_close = EARLY_CLOSE_POST_MARKET_CLOSE_ET if early else POST_MARKET_CLOSE_ET
    return SessionTimes(
        session=day,
        pre_market_open=_at_et(day, PRE_MARKET_OPEN_ET),
        regular_open=regular_open,
        regular_close=regular_close,
        post_market_close=_at_et(day, post_close),
    )


def _read_xnys(start: date, end: date) -> dict[date, SessionTimes]:
    """Read the sessions between start and end (inclusive) from exchange_calendars."""
    with warnings.catch_warnings():
        # exchange_calendars 4.13 reads Series.values internally, which pandas deprecates.
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        calendar = exchange_calendars.get_calendar(
            CALENDAR_NAME, start=start.isoformat(), end=end.isoformat()
        )
    schedule = calendar.schedule
    sessions: dict[date, SessionTimes] = {}
    for label, opens, closes in zip(
        schedule.index, schedule["open"], schedule["close"], strict=True
    ):
        day = label.date()
        sessions[day] = _session_times(
            day, opens.to_pydatetime().astimezone(UTC), closes.to_pydatetime().astimezone(UTC)
        )
    return sessions


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


class XnysCalendar:
    """NYSE sessions and extended-hours phases; all datetimes in and out are tz-aware UTC."""

    def __init__(self, start: date = DEFAULT_START, end: date = DEFAULT_END) -> None:
        self._start = start
        self._end = start
        self._sessions: dict[date, SessionTimes] = {}
        self._session_list: list[date] = []
        self._cover(end)

    def _cover(self, end: date) -> None:
        # Build the new tables first and swap them in, so a reader never sees half a table.
        sessions = _read_xnys(self._start, end)
        self._session_list = sorted(sessions)
        self._sessions = sessions
        self._end = end

    def _ensure(self, day: date) -> None:
        if day < self._start:
            raise CalendarRangeError(f"{day} is before the calendar start {self._start}")
        if day + COVERAGE_AHEAD > self._end:
            self._cover(day + EXTENSION)

    def session_times(self, day: date) -> SessionTimes | None:
        """Return the session on `day` (an ET calendar date), or None if the market is shut."""
        self._ensure(day)
        return self._sessions.get(day)

    def _require_session(self, day: date) -> SessionTimes:
        times = self.session_times(day)
        if times is None:
            raise ValueError(f"{day} is not an XNYS session")
        return times

    def phase(self, now: datetime) -> MarketPhase:
        """Return the market phase at `now`."""
        _require_aware(now)
        times = self.session_times(now.astimezone(NEW_YORK).date())
        if times is None or now < times.pre_market_open or now >= times.post_market_close:
            return MarketPhase.CLOSED
        if now < times.regular_open:
            return MarketPhase.PRE_MARKET
        if now < times.regular_close:
            return MarketPhase.REGULAR
        return MarketPhase.POST_MARKET

    def is_session(self, day: date) -> bool:
        """Tell whether the exchange holds a session on `day`."""
        return self.session_times(day) is not None

    def next_session(self, day: date) -> date:
        """Return the first session strictly after `day`."""
        self._ensure(day)
        return self._session_list[bisect_right(self._session_list, day)]

    def session_on_or_after(self, day: date) -> date:
        """Return `day` if it is a session, else the next session."""
        self._ensure(day)
        return self._session_list[bisect_left(self._session_list, day)]

    def regular_open(self, day: date) -> datetime:
        """Return the opening time of the session on `day` (raise if none)."""
        return self._require_session(day).regular_open

    def regular_close(self, day: date) -> datetime:
        """Return the closing time of the session on `day`, early closes included."""
        return self._require_session(day).regular_close

    def next_regular_open(self, now: datetime) -> datetime:
        """Return today's open if `now` is before it, else the next session's open."""
        _require_aware(now)
        today = now.astimezone(NEW_YORK).date()
        times = self.session_times(today)
        if times is not None and now < times.regular_open:
            return times.regular_open
        return self._require_session(self.next_session(today)).regular_open

    def next_phase_change(self, now: datetime) -> datetime:
        """Return the first instant after `now` at which `phase` returns something else."""
        _require_aware(now)
        today = now.astimezone(NEW_YORK).date()
        times = self.session_times(today)
        if times is not None:
            for boundary in times.boundaries:
                if now < boundary:
                    return boundary
        return self._require_session(self.next_session(today)).pre_market_open

    def next_business_day(self, day: date) -> date:
        """Return the settlement business day after `day`: the next XNYS session."""
        return self.next_session(day)

    def session_date(self, now: datetime) -> date | None:
        """Return the session `now` belongs to (pre- and post-market included), or None."""
        _require_aware(now)
        times = self.session_times(now.astimezone(NEW_YORK).date())
        if times is None or not times.pre_market_open <= now < times.post_market_close:
            return None
        return times.session
