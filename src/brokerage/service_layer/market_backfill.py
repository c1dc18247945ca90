"""Candle history before the platform started, from the real daily bars of the instruments.

The instruments were calibrated from real daily bars that end in 2010 or 2013 (see
data/SOURCES.md), and the simulated market continues from their last close (the instruments'
reference price). So the backfill lays those bars, in order and unchanged, on the XNYS sessions
that end with the last session before the platform's first one: a chart of the last year shows
the real path that led to today's simulated price. Each row says so in `source`:
"backfill <series> <original session date>". Weekly candles are rolled up from those days.
"""

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from brokerage.domain.bars import DailyBar
from brokerage.domain.market_data.candles import SessionWindow
from brokerage.domain.market_data.ticks import from_us

Row = dict[str, Any]
WindowOf = Callable[[date], SessionWindow | None]
_MAX_WALK_DAYS = 3 * 366 * 2


def sessions_before(window_of: WindowOf, first_live: date, count: int) -> list[date]:
    """Return the `count` sessions strictly before `first_live`, oldest first."""
    days: list[date] = []
    day = first_live
    for _ in range(_MAX_WALK_DAYS):
        if len(days) >= count:
            break
        day -= timedelta(days=1)
        if window_of(day) is not None:
            days.append(day)
    days.reverse()
    return days


def backfill_rows(symbol: str, series: str, bars: Sequence[DailyBar], window_of: WindowOf,
                  first_live: date) -> list[Row]:
    """Return the daily and weekly candle rows of a symbol's re-dated real history."""
    days = sessions_before(window_of, first_live, len(bars))
    bars = list(bars)[len(bars) - len(days):]
    daily: list[tuple[SessionWindow, DailyBar]] = []
    for day, bar in zip(days, bars, strict=True):
        window = window_of(day)
        if window is not None:
            daily.append((window, bar))
    rows = [_row(symbol, "1d", w.start_us, w.end_us, [bar], f"backfill {series} {bar.session}")
            for w, bar in daily]
    return rows + _weeks(symbol, series, daily)


def _weeks(symbol: str, series: str, daily: list[tuple[SessionWindow, DailyBar]]) -> list[Row]:
    weeks: dict[int, list[tuple[SessionWindow, DailyBar]]] = {}
    for window, bar in daily:
        weeks.setdefault(window.week_start_us, []).append((window, bar))
    return [_row(symbol, "1w", start, days[0][0].week_end_us, [b for _, b in days],
                 f"backfill {series} weekly from {days[0][1].session}..{days[-1][1].session}")
            for start, days in sorted(weeks.items())]


def _row(symbol: str, interval: str, start_us: int, end_us: int, bars: Sequence[DailyBar],
         source: str) -> Row:
    return {"symbol": symbol, "timeframe": interval, "start_at": from_us(start_us),
            "end_at": from_us(end_us), "open": bars[0].open,
            "high": max(b.high for b in bars), "low": min(b.low for b in bars),
            "close": bars[-1].close, "volume": Decimal(sum(b.volume_shares for b in bars)),
            "trades": 0, "source": source[:160]}
