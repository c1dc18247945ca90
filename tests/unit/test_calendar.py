"""The XNYS calendar: sessions, holidays, early closes, DST and extended-hours phases."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import exchange_calendars
import pytest

from brokerage.adapters.calendar import CalendarRangeError, XnysCalendar
from brokerage.domain.market_hours import MarketPhase

ET = ZoneInfo("America/New_York")
NORMAL_DAY = date(2026, 11, 18)  # a Wednesday
THANKSGIVING = date(2026, 11, 26)
DAY_AFTER_THANKSGIVING = date(2026, 11, 27)  # early close 13:00 ET
CHRISTMAS_EVE = date(2026, 12, 24)  # a Thursday, early close; 12-25 is a holiday


def et(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=ET).astimezone(UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module")
def cal() -> XnysCalendar:
    return XnysCalendar()


@pytest.mark.parametrize(
    ("hh", "mm", "ss", "expected"),
    [
        (3, 59, 0, MarketPhase.CLOSED),
        (4, 0, 0, MarketPhase.PRE_MARKET),
        (9, 29, 59, MarketPhase.PRE_MARKET),
        (9, 30, 0, MarketPhase.REGULAR),
        (15, 59, 0, MarketPhase.REGULAR),
        (16, 0, 0, MarketPhase.POST_MARKET),
        (19, 59, 0, MarketPhase.POST_MARKET),
        (20, 0, 0, MarketPhase.CLOSED),
    ],
)
def test_a_normal_day_moves_through_the_four_phases(cal, hh, mm, ss, expected):
    assert cal.phase(et(NORMAL_DAY, hh, mm, ss)) is expected


def test_thanksgiving_is_closed_all_day(cal):
    assert not cal.is_session(THANKSGIVING)
    for hour in (5, 10, 17):
        assert cal.phase(et(THANKSGIVING, hour)) is MarketPhase.CLOSED


@pytest.mark.parametrize(
    ("hh", "mm", "expected"),
    [
        (9, 29, MarketPhase.PRE_MARKET),
        (12, 59, MarketPhase.REGULAR),
        (13, 0, MarketPhase.POST_MARKET),
        (16, 59, MarketPhase.POST_MARKET),
        (17, 0, MarketPhase.CLOSED),
    ],
)
def test_the_day_after_thanksgiving_closes_at_one_and_post_market_ends_at_five(
    cal, hh, mm, expected
):
    assert cal.phase(et(DAY_AFTER_THANKSGIVING, hh, mm)) is expected


def test_an_early_close_is_the_regular_close(cal):
    assert cal.regular_close(DAY_AFTER_THANKSGIVING) == utc(2026, 11, 27, 18, 0)
    assert cal.regular_close(CHRISTMAS_EVE) == utc(2026, 12, 24, 18, 0)


def test_a_weekend_is_closed(cal):
    saturday = date(2026, 11, 21)
    assert not cal.is_session(saturday)
    assert cal.phase(et(saturday, 10)) is MarketPhase.CLOSED
    assert cal.phase(et(saturday + timedelta(days=1), 12)) is MarketPhase.CLOSED


@pytest.mark.parametrize(
    ("day", "open_utc", "close_utc"),
    [
        (date(2026, 3, 6), utc(2026, 3, 6, 14, 30), utc(2026, 3, 6, 21, 0)),  # EST
        (date(2026, 3, 9), utc(2026, 3, 9, 13, 30), utc(2026, 3, 9, 20, 0)),  # EDT from 03-08
        (date(2026, 10, 30), utc(2026, 10, 30, 13, 30), utc(2026, 10, 30, 20, 0)),  # EDT
        (date(2026, 11, 2), utc(2026, 11, 2, 14, 30), utc(2026, 11, 2, 21, 0)),  # EST from 11-01
    ],
)
def test_dst_transition_weeks_have_the_right_utc_times(cal, day, open_utc, close_utc):
    assert cal.regular_open(day) == open_utc
    assert cal.regular_close(day) == close_utc


def test_pre_market_follows_dst_too(cal):
    assert cal.phase(utc(2026, 3, 9, 8, 0)) is MarketPhase.PRE_MARKET  # 04:00 EDT
    assert cal.phase(utc(2026, 3, 6, 8, 59)) is MarketPhase.CLOSED  # 03:59 EST
    assert cal.phase(utc(2026, 3, 9, 23, 59)) is MarketPhase.POST_MARKET  # 19:59 EDT
    assert cal.phase(utc(2026, 3, 10, 0, 0)) is MarketPhase.CLOSED  # 20:00 EDT


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 20), date(2026, 11, 23)),  # Friday -> Monday
        (date(2026, 11, 21), date(2026, 11, 23)),  # Saturday -> Monday
        (date(2026, 11, 25), date(2026, 11, 27)),  # over Thanksgiving
        (CHRISTMAS_EVE, date(2026, 12, 28)),  # over Christmas and the weekend
        (date(2026, 12, 31), date(2027, 1, 4)),  # over New Year's Day and the weekend
    ],
)
def test_next_business_day_skips_weekends_and_holidays(cal, day, expected):
    assert cal.next_business_day(day) == expected


def test_next_session_is_strictly_after_and_on_or_after_may_be_the_same_day(cal):
    assert cal.next_session(NORMAL_DAY) == NORMAL_DAY + timedelta(days=1)
    assert cal.session_on_or_after(NORMAL_DAY) == NORMAL_DAY
    assert cal.session_on_or_after(THANKSGIVING) == DAY_AFTER_THANKSGIVING


def test_regular_open_of_a_holiday_is_refused(cal):
    with pytest.raises(ValueError, match="not an XNYS session"):
        cal.regular_open(THANKSGIVING)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (et(NORMAL_DAY, 3), et(NORMAL_DAY, 9, 30)),
        (et(NORMAL_DAY, 9, 29, 59), et(NORMAL_DAY, 9, 30)),
        (et(NORMAL_DAY, 9, 30), et(date(2026, 11, 19), 9, 30)),
        (et(date(2026, 11, 25), 18), et(DAY_AFTER_THANKSGIVING, 9, 30)),
        (et(date(2026, 11, 20), 16), et(date(2026, 11, 23), 9, 30)),
    ],
)
def test_next_regular_open_is_today_before_the_open_else_the_next_session(cal, now, expected):
    assert cal.next_regular_open(now) == expected


def _changes(cal: XnysCalendar, start: datetime, count: int) -> list[datetime]:
    out, now = [], start
    for _ in range(count):
        now = cal.next_phase_change(now)
        out.append(now)
    return out


def test_next_phase_change_walks_a_normal_day(cal):
    changes = _changes(cal, et(NORMAL_DAY, 0), 5)
    assert changes == [
        et(NORMAL_DAY, 4),
        et(NORMAL_DAY, 9, 30),
        et(NORMAL_DAY, 16),
        et(NORMAL_DAY, 20),
        et(date(2026, 11, 19), 4),
    ]


def test_next_phase_change_skips_thanksgiving_and_honours_the_early_close(cal):
    changes = _changes(cal, et(date(2026, 11, 25), 20), 5)
    assert changes == [
        et(DAY_AFTER_THANKSGIVING, 4),
        et(DAY_AFTER_THANKSGIVING, 9, 30),
        et(DAY_AFTER_THANKSGIVING, 13),
        et(DAY_AFTER_THANKSGIVING, 17),
        et(date(2026, 11, 30), 4),
    ]


def test_the_phase_really_changes_at_every_phase_change(cal):
    epsilon = timedelta(microseconds=1)
    for change in _changes(cal, et(date(2026, 11, 20), 12), 12):
        assert cal.phase(change - epsilon) is not cal.phase(change)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (et(NORMAL_DAY, 4), NORMAL_DAY),
        (et(NORMAL_DAY, 19, 59), NORMAL_DAY),
        (et(NORMAL_DAY, 20), None),
        (et(NORMAL_DAY, 3, 59), None),
        (et(THANKSGIVING, 12), None),
        (et(DAY_AFTER_THANKSGIVING, 16), DAY_AFTER_THANKSGIVING),
        (et(DAY_AFTER_THANKSGIVING, 17), None),
    ],
)
def test_session_date_counts_pre_and_post_market_of_that_day(cal, now, expected):
    assert cal.session_date(now) == expected


def test_a_naive_datetime_is_refused(cal):
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.phase(datetime(2026, 11, 18, 12, 0))


def test_a_date_before_the_start_is_refused():
    cal = XnysCalendar(start=date(2019, 1, 1), end=date(2021, 12, 31))
    with pytest.raises(CalendarRangeError):
        cal.is_session(date(2018, 12, 31))


def test_coverage_extends_itself_to_two_years_past_the_date_asked_about():
    cal = XnysCalendar(start=date(2019, 1, 1), end=date(2021, 12, 31))
    assert cal.is_session(DAY_AFTER_THANKSGIVING)
    assert cal.next_business_day(date(2035, 12, 24)) == date(2035, 12, 26)


def test_phase_does_not_touch_exchange_calendars_after_the_first_load(cal, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("exchange_calendars called on the hot path")

    monkeypatch.setattr(exchange_calendars, "get_calendar", refuse)
    assert cal.phase(et(NORMAL_DAY, 10)) is MarketPhase.REGULAR
