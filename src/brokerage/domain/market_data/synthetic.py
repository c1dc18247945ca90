"""The synthetic consolidated feed's model: a seeded random walk per symbol, in integer ticks.

It quotes and trades the instruments that no venue lists, so that every instrument has a
live quote, a tape and candles. Each symbol's mid price follows a geometric random walk whose
per-step sigma is the instrument's daily volatility scaled by sqrt(step / 6.5 h), started at
its calibrated reference price. The walk is sampled on a fixed grid of clock time (one point
every `step_us`), so what comes out depends only on the seed and the times the model is
advanced to, never on how often it is advanced. After a long gap (the clock jumped) at most
MAX_CATCH_UP_STEPS points are played; the rest of the gap is one walk step with no output,
since an interval with no tick must not be invented.

At each grid point a symbol quotes when its prices moved or a size was refreshed, and trades
now and then at its bid or ask. The floats here are the random model's statistics only:
everything that leaves the model is integer ticks (0.0001) and units (1e-9 share).
"""

import math
import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from brokerage.domain.market_data.ticks import PRICE_SCALE, QTY_SCALE, US_PER_S

SOURCE = "SYN"  # the venue code of every synthetic quote and print
REGULAR_SESSION_US = 23_400 * US_PER_S  # 6.5 hours: the span the daily volatility covers
STEP_US = US_PER_S  # one grid point per second of clock time
MAX_CATCH_UP_STEPS = 120  # grid points played after a gap; older ones are skipped
MAX_STEP_SIGMA = 0.05  # a clock jump never moves a price by more than this sigma at once
HALF_SPREAD_BPS = 3  # half the quoted spread, in basis points of the mid (at least one tick)
REFRESH_PROBABILITY = 0.5  # per point: one side's size is drawn afresh
TRADE_PROBABILITY = 0.3  # per point: a print at the bid or the ask
QUOTE_LOTS = (1, 20)  # quoted size, in lots of 100 shares
TRADE_SHARES = (1, 300)


@dataclass(frozen=True, slots=True)
class SynQuote:
    symbol: str
    bid: int  # ticks
    bid_size: int  # units
    ask: int
    ask_size: int
    ts_us: int


@dataclass(frozen=True, slots=True)
class SynTrade:
    symbol: str
    price: int  # ticks
    size: int  # units
    ts_us: int


@dataclass
class SynTicks:
    """What one advance produced, in time order within each list."""

    quotes: list[SynQuote] = field(default_factory=list)
    trades: list[SynTrade] = field(default_factory=list)


@dataclass(slots=True)
class _Walk:
    symbol: str
    mid: int  # ticks
    volatility: float  # daily, a model statistic
    bid: int = 0
    ask: int = 0
    bid_size: int = 0
    ask_size: int = 0


class SyntheticModel:
    """Random-walk quotes and prints for a fixed set of symbols, on a grid of clock time."""

    def __init__(self, references: Mapping[str, tuple[int, float]], seed: int,
                 step_us: int = STEP_US) -> None:
        """Start each symbol at its (reference price in ticks, daily volatility)."""
        if step_us <= 0:
            raise ValueError("step_us must be positive")
        bad = sorted(s for s, (ticks, vol) in references.items() if ticks <= 0 or vol < 0)
        if bad:
            raise ValueError(f"reference price must be positive and volatility not negative: "
                             f"{', '.join(bad)}")
        self.step_us = step_us
        self._rng = random.Random(seed)
        self._walks = [_Walk(s, ticks, vol) for s, (ticks, vol) in sorted(references.items())]
        self._next_us: int | None = None  # the next grid point to play

    @property
    def symbols(self) -> list[str]:
        return [w.symbol for w in self._walks]

    def advance(self, now_us: int, trading: bool, halted: Collection[str] = ()) -> SynTicks:
        """Play every grid point up to `now_us`: quotes and prints only while `trading`.

        A halted symbol keeps walking but neither quotes nor prints (its quote goes stale).
        """
        out = SynTicks()
        step = self.step_us
        if self._next_us is None:
            self._next_us = now_us - now_us % step
            self._play(self._next_us, 0, trading, halted, out)
            self._next_us += step
        due = 0 if now_us < self._next_us else (now_us - self._next_us) // step + 1
        if due > MAX_CATCH_UP_STEPS:
            skipped = due - MAX_CATCH_UP_STEPS
            for walk in self._walks:
                self._walk(walk, skipped * step)
            self._next_us += skipped * step
            due = MAX_CATCH_UP_STEPS
        for _ in range(due):
            self._play(self._next_us, step, trading, halted, out)
            self._next_us += step
        return out

    def _play(self, ts_us: int, elapsed_us: int, trading: bool, halted: Collection[str],
              out: SynTicks) -> None:
        for walk in self._walks:
            self._walk(walk, elapsed_us)
            if trading and walk.symbol not in halted:
                self._quote(walk, ts_us, out)
                if self._rng.random() < TRADE_PROBABILITY:
                    self._trade(walk, ts_us, out)

    def _walk(self, walk: _Walk, elapsed_us: int) -> None:
        if elapsed_us <= 0:
            return
        sigma = min(walk.volatility * math.sqrt(elapsed_us / REGULAR_SESSION_US), MAX_STEP_SIGMA)
        shock = self._rng.gauss(0.0, 1.0)
        walk.mid = max(1, round(walk.mid * math.exp(sigma * shock - sigma * sigma / 2)))

    def _quote(self, walk: _Walk, ts_us: int, out: SynTicks) -> None:
        """Quote when the prices moved (sizes drawn afresh) or a size was refreshed."""
        bid, ask = quote_prices(walk.mid)
        moved = (bid, ask) != (walk.bid, walk.ask)
        if moved:
            walk.bid, walk.ask = bid, ask
            walk.bid_size, walk.ask_size = self._lots(), self._lots()
        elif self._rng.random() < REFRESH_PROBABILITY:
            if self._rng.random() < 0.5:
                walk.bid_size = self._lots()
            else:
                walk.ask_size = self._lots()
        else:
            return
        out.quotes.append(SynQuote(walk.symbol, walk.bid, walk.bid_size, walk.ask,
                                   walk.ask_size, ts_us))

    def _trade(self, walk: _Walk, ts_us: int, out: SynTicks) -> None:
        price = walk.ask if self._rng.random() < 0.5 else walk.bid
        shares = self._rng.randint(*TRADE_SHARES)
        out.trades.append(SynTrade(walk.symbol, price, shares * QTY_SCALE, ts_us))

    def _lots(self) -> int:
        return self._rng.randint(*QUOTE_LOTS) * 100 * QTY_SCALE


def price_increment(mid: int) -> int:
    """Return the quoting increment in ticks: a cent from $1 up, else 0.0001 (Rule 612)."""
    return 100 if mid >= PRICE_SCALE else 1


def quote_prices(mid: int) -> tuple[int, int]:
    """Return (bid, ask) on the increment around `mid`: never crossed, bid at least one step."""
    step = price_increment(mid)
    half = max(step, mid * HALF_SPREAD_BPS // 10_000)
    bid = max(step, (mid - half) // step * step)
    ask = -(-(mid + half) // step) * step
    return bid, max(ask, bid + step)
