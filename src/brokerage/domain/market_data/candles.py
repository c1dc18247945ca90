"""Candles (OHLCV) at 1m, 5m, 15m, 1h, 1d and 1w, built from the trade tape with time pushed in.

Rules, all deterministic given the order of inputs:
- An interval is half-open, [start, end): a trade exactly on a boundary belongs to the
  interval that starts there.
- 1m, 5m, 15m and 1h intervals are aligned on the UTC epoch (New York's offset is a whole
  number of hours, so they are aligned on New York minutes and hours too).
- 1d is the XNYS session the trade falls in, from pre-market open to post-market close, and 1w
  the sessions of one ISO week; both windows are inputs (`SessionLookup`), the domain knows no
  calendar. A trade outside every session window is in no 1d or 1w candle.
- Only 1m candles see trades; the longer ones are rolled up from finalized 1m candles, so a
  trade costs one candle update whatever the number of intervals.
- An interval is final once time (a trade's timestamp or `advance(now)`) reaches its end. A
  late trade (older than the newest one seen) still counts if its 1m interval is open: it
  moves high, low and volume but not the close, which is the newest print. A trade for a 1m
  interval that is already final is dropped and counted (`late`): final candles never change.
- An interval with no trade is not invented: it simply has no candle.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from brokerage.domain.market_data.ticks import US_PER_S


class Interval(StrEnum):
    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    H1 = "1h"
    D1 = "1d"
    W1 = "1w"


MINUTE_US = 60 * US_PER_S
FIXED_US = {Interval.M1: MINUTE_US, Interval.M5: 5 * MINUTE_US, Interval.M15: 15 * MINUTE_US,
            Interval.H1: 60 * MINUTE_US}
ROLLUPS = (Interval.M5, Interval.M15, Interval.H1, Interval.D1, Interval.W1)


@dataclass(frozen=True, slots=True)
class SessionWindow:
    """The session a moment belongs to, and the week of sessions around it (epoch µs)."""

    session: date
    start_us: int
    end_us: int
    week_start_us: int
    week_end_us: int


SessionLookup = Callable[[int], SessionWindow | None]


@dataclass(frozen=True, slots=True)
class Candle:
    """One finalized interval: prices in ticks, volume in units (see ticks.py)."""

    symbol: str
    interval: Interval
    start_us: int
    end_us: int
    open: int
    high: int
    low: int
    close: int
    volume: int
    trades: int
    price_sum: int  # the sum of the trade prices, for means (LULD reference price)


class _Bar:
    """An open interval, mutated in place on the hot path."""

    __slots__ = ("close", "end", "high", "last_ts", "low", "open", "price_sum", "start", "trades",
                 "volume")

    def __init__(self, start: int, end: int, price: int, size: int, ts: int) -> None:
        self.start, self.end, self.last_ts = start, end, ts
        self.open = self.high = self.low = self.close = price
        self.volume, self.trades, self.price_sum = size, 1, price

    def freeze(self, symbol: str, interval: Interval) -> Candle:
        return Candle(symbol, interval, self.start, self.end, self.open, self.high, self.low,
                      self.close, self.volume, self.trades, self.price_sum)

    def absorb(self, other: "_Bar") -> None:
        """Fold a later interval into this one."""
        self.high = max(self.high, other.high)
        self.low = min(self.low, other.low)
        self.close, self.last_ts = other.close, other.last_ts
        self.volume += other.volume
        self.trades += other.trades
        self.price_sum += other.price_sum

    def copy_as(self, start: int, end: int) -> "_Bar":
        bar = _Bar(start, end, self.open, self.volume, self.last_ts)
        bar.high, bar.low, bar.close, bar.trades = self.high, self.low, self.close, self.trades
        bar.price_sum = self.price_sum
        return bar


class CandleAggregator:
    """Build candles for many symbols; finalized ones wait in `drain()`."""

    def __init__(self, sessions: SessionLookup) -> None:
        self._sessions = sessions
        self._minute: dict[str, _Bar] = {}
        self._rollups: dict[Interval, dict[str, _Bar]] = {i: {} for i in ROLLUPS}
        self._final: list[Candle] = []
        self._session: SessionWindow | None = None  # the last window looked up
        self._watermark = 0  # the latest `now` pushed in: every 1m interval before it is final
        self.late = 0

    def on_trade(self, symbol: str, price: int, size: int, ts: int) -> bool:
        """Add one trade (ticks, units, epoch µs); return False if it was late and dropped."""
        bar = self._minute.get(symbol)
        if bar is not None and bar.start <= ts < bar.end:
            if price > bar.high:
                bar.high = price
            elif price < bar.low:
                bar.low = price
            if ts >= bar.last_ts:
                bar.close, bar.last_ts = price, ts
            bar.volume += size
            bar.trades += 1
            bar.price_sum += price
            return True
        return self._open_minute(symbol, bar, price, size, ts)

    def advance(self, now_us: int) -> None:
        """Finalize every interval that ends at or before `now_us`."""
        if now_us > self._watermark:
            self._watermark = now_us
        for symbol in sorted(self._symbols_open_before(now_us)):
            bar = self._minute.get(symbol)
            if bar is not None and bar.end <= now_us:
                self._close_minute(symbol, bar)
            self._roll_to(symbol, now_us)

    def drain(self) -> list[Candle]:
        """Return the candles finalized since the last call, in the order they were closed."""
        out, self._final = self._final, []
        return out

    def current(self, symbol: str, interval: Interval) -> Candle | None:
        """Return the open (not final) candle of an interval, including the open minute."""
        minute = self._minute.get(symbol)
        if interval is Interval.M1:
            return None if minute is None else minute.freeze(symbol, interval)
        open_bar = self._rollups[interval].get(symbol)
        window = None if minute is None else self._window(interval, minute.start)
        if minute is None or window is None:
            return None if open_bar is None else open_bar.freeze(symbol, interval)
        if open_bar is None or open_bar.start != window[0]:
            return minute.copy_as(*window).freeze(symbol, interval)  # it opens a new interval
        merged = open_bar.copy_as(open_bar.start, open_bar.end)
        merged.absorb(minute)
        return merged.freeze(symbol, interval)

    # --- internals ---------------------------------------------------------------------------

    def _open_minute(self, symbol: str, bar: _Bar | None, price: int, size: int,
                     ts: int) -> bool:
        start = ts - ts % MINUTE_US
        if start + MINUTE_US <= self._watermark or (bar is not None and ts < bar.start):
            self.late += 1
            return False
        if bar is not None:
            self._close_minute(symbol, bar)
        self._roll_to(symbol, start)
        self._minute[symbol] = _Bar(start, start + MINUTE_US, price, size, ts)
        return True

    def _close_minute(self, symbol: str, bar: _Bar) -> None:
        del self._minute[symbol]
        self._final.append(bar.freeze(symbol, Interval.M1))
        for interval in ROLLUPS:
            self._merge(interval, symbol, bar)

    def _merge(self, interval: Interval, symbol: str, minute: _Bar) -> None:
        window = self._window(interval, minute.start)
        if window is None:
            return
        bars = self._rollups[interval]
        open_bar = bars.get(symbol)
        if open_bar is not None and open_bar.start != window[0]:
            self._final.append(bars.pop(symbol).freeze(symbol, interval))
            open_bar = None
        if open_bar is None:
            bars[symbol] = minute.copy_as(*window)
        else:
            open_bar.absorb(minute)

    def _roll_to(self, symbol: str, now_us: int) -> None:
        for interval in ROLLUPS:
            bars = self._rollups[interval]
            open_bar = bars.get(symbol)
            if open_bar is not None and open_bar.end <= now_us:
                self._final.append(bars.pop(symbol).freeze(symbol, interval))

    def _window(self, interval: Interval, start_us: int) -> tuple[int, int] | None:
        length = FIXED_US.get(interval)
        if length is not None:
            start = start_us - start_us % length
            return start, start + length
        session = self._session
        if session is None or not session.start_us <= start_us < session.end_us:
            session = self._sessions(start_us)  # once per session, not once per minute
            if session is None:
                return None
            self._session = session
        if interval is Interval.D1:
            return session.start_us, session.end_us
        return session.week_start_us, session.week_end_us

    def _symbols_open_before(self, now_us: int) -> set[str]:
        symbols = {s for s, bar in self._minute.items() if bar.end <= now_us}
        for bars in self._rollups.values():
            symbols.update(s for s, bar in bars.items() if bar.end <= now_us)
        return symbols
