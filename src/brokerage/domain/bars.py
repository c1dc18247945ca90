"""Daily bars: one session's open, high, low, close and volume of one symbol."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from brokerage.domain.ids import Symbol


@dataclass(frozen=True, slots=True)
class DailyBar:
    symbol: Symbol
    session: date  # the exchange session the bar covers
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume_shares: int

    def __post_init__(self) -> None:
        if not self.low <= min(self.open, self.close) <= max(self.open, self.close) <= self.high:
            raise ValueError(f"inconsistent bar {self.symbol} {self.session}")
        if self.low <= 0 or self.volume_shares < 0:
            raise ValueError(f"non-positive price or negative volume in {self.symbol} bar")
