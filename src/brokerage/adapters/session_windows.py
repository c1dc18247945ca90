"""XNYS session windows for the candle aggregator (1d and 1w candles), from the calendar.

A day's window runs from pre-market open (04:00 New York) to post-market close (20:00, or
17:00 after an early close): every print of that session date. A week's window runs from the
first session's window start to the last session's window end in the same ISO week.
"""

from datetime import date, datetime, timedelta

from brokerage.adapters.calendar import NEW_YORK, SessionTimes, XnysCalendar
from brokerage.domain.market_data.candles import SessionWindow
from brokerage.domain.market_data.ticks import from_us, to_us

_CACHE_LIMIT = 64


class XnysSessionWindows:
    """A `SessionLookup`: epoch µs -> the session window it falls in, or None."""

    def __init__(self, calendar: XnysCalendar) -> None:
        self._calendar = calendar
        self._by_day: dict[date, SessionWindow | None] = {}

    def __call__(self, ts_us: int) -> SessionWindow | None:
        day = from_us(ts_us).astimezone(NEW_YORK).date()
        window = self.window(day)
        if window is None or not window.start_us <= ts_us < window.end_us:
            return None
        return window

    def window(self, day: date) -> SessionWindow | None:
        """Return the window of the session on `day`, or None if there is no session."""
        if day not in self._by_day:
            if len(self._by_day) >= _CACHE_LIMIT:
                self._by_day.clear()
            self._by_day[day] = self._build(day)
        return self._by_day[day]

    def _build(self, day: date) -> SessionWindow | None:
        times = self._calendar.session_times(day)
        if times is None:
            return None
        monday = day - timedelta(days=day.weekday())
        week = [t for t in (self._calendar.session_times(monday + timedelta(days=i))
                            for i in range(7)) if t is not None]
        return SessionWindow(day, to_us(times.pre_market_open), to_us(times.post_market_close),
                             to_us(week[0].pre_market_open), to_us(week[-1].post_market_close))


def regular_hours(calendar: XnysCalendar, now: datetime) -> SessionTimes | None:
    """Return today's session times in New York, or None on a day without a session."""
    return calendar.session_times(now.astimezone(NEW_YORK).date())
