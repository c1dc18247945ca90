"""Limit up-limit down (LULD) price bands, after the NMS Plan's Appendix A.

Percentage parameters (reference price P):

| tier | P > $3.00 | $0.75 <= P <= $3.00 | P < $0.75 |
|---|---|---|---|
| 1 (S&P 500, Russell 1000, select ETPs) | 5% | 20% | lesser of $0.15 or 75% |
| 2 (every other NMS stock) | 10% | 20% | lesser of $0.15 or 75% |

The parameter is doubled in the first 15 minutes of the regular session and in its last 25
minutes; the caller says when (`doubled`), the domain does not read clocks. Bands are
P x (1 -/+ parameter), rounded half-up to the penny; a lower band never goes below one tick.

Reference price (the Plan's rule, at our granularity): the arithmetic mean of the trade prices
of the preceding five minutes, taken over whole 1m candles plus the open minute; it replaces the
current reference only when it differs from it by 1% or more. Before the first trade of the day
the reference is the previous close; the first trade (the opening print) becomes the reference.
"""

from collections import deque
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum

from brokerage.domain.market_data.ticks import PRICE_SCALE

_THREE_DOLLARS = 3 * PRICE_SCALE
_75_CENTS = 75 * PRICE_SCALE // 100
_15_CENTS = 15 * PRICE_SCALE // 100
_PENNY = PRICE_SCALE // 100
_WINDOW_MINUTES = 5


class LuldTier(IntEnum):
    TIER_1 = 1
    TIER_2 = 2


@dataclass(frozen=True, slots=True)
class PriceBands:
    reference: int  # ticks
    lower: int
    upper: int
    percent: Decimal | None  # None when the $0.15 cap set the width

    def contains(self, price: int) -> bool:
        return self.lower <= price <= self.upper


def band_percent(tier: LuldTier, reference: int) -> Decimal:
    """Return the percentage parameter for a reference price in ticks (not doubled)."""
    if reference > _THREE_DOLLARS:
        return Decimal(5) if tier is LuldTier.TIER_1 else Decimal(10)
    if reference >= _75_CENTS:
        return Decimal(20)
    return Decimal(75)


def price_bands(reference: int, tier: LuldTier, doubled: bool = False) -> PriceBands:
    """Return the lower and upper band around a reference price (all in ticks)."""
    if reference <= 0:
        raise ValueError("a reference price must be positive")
    percent = band_percent(tier, reference) * (2 if doubled else 1)
    width = Decimal(reference) * percent / 100
    capped = reference < _75_CENTS and width > _15_CENTS * (2 if doubled else 1)
    if capped:
        width = Decimal(_15_CENTS * (2 if doubled else 1))
    lower = _to_penny(Decimal(reference) - width)
    upper = _to_penny(Decimal(reference) + width)
    return PriceBands(reference, max(lower, 1), upper, None if capped else percent)


def _to_penny(ticks: Decimal) -> int:
    pennies = (ticks / _PENNY).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(pennies) * _PENNY


@dataclass
class ReferencePrice:
    """The LULD reference price of one symbol, fed with finalized 1m candles."""

    current: int  # ticks; starts at the previous close
    opened: bool = False
    _minutes: deque[tuple[int, int, int]] = field(default_factory=deque)  # (start, sum, n)

    def on_first_trade(self, price: int) -> None:
        """Take the opening print as the reference."""
        if not self.opened:
            self.current, self.opened = price, True

    def on_minute(self, start_us: int, price_sum: int, trades: int) -> None:
        """Remember a finalized minute's trades (the last five minutes are kept)."""
        self._minutes.append((start_us, price_sum, trades))
        while len(self._minutes) > _WINDOW_MINUTES:
            self._minutes.popleft()

    def recompute(self, now_us: int, open_sum: int = 0, open_trades: int = 0) -> bool:
        """Move the reference to the 5-minute mean if it is 1% or more away; tell if it moved."""
        window_start = now_us - _WINDOW_MINUTES * 60_000_000
        total, count = open_sum, open_trades
        for start, price_sum, trades in self._minutes:
            if start >= window_start:
                total, count = total + price_sum, count + trades
        if count == 0:
            return False
        mean = (total + count // 2) // count
        if abs(mean - self.current) * 100 < self.current:
            return False
        self.current = mean
        return True
