"""Tradable instruments and their reference data."""

from dataclasses import dataclass
from decimal import Decimal

from brokerage.domain.ids import Symbol

SUB_DOLLAR_TICK = Decimal("0.0001")
PENNY_TICK = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: Symbol
    name: str
    asset_class: str  # "us_equity"
    exchange: str  # listing exchange, e.g. "NASDAQ", "NYSE", "ARCA"
    kind: str  # "stock" or "etf"
    tradable: bool
    fractionable: bool
    reference_price: Decimal  # last close of the calibration series
    daily_volatility: Decimal  # stdev of daily log returns of the calibration series
    calibration_source: str  # where the history came from (package and series)
    calibrated_from: Symbol  # the series used; differs from symbol when proxied
    proxied: bool  # True when calibrated from another symbol's real history

    def tick_size(self, price: Decimal) -> Decimal:
        """Return the minimum price increment at this price (Reg NMS Rule 612)."""
        return PENNY_TICK if price >= 1 else SUB_DOLLAR_TICK

    def is_on_tick(self, price: Decimal) -> bool:
        """Tell whether a price is a whole number of ticks."""
        return price % self.tick_size(price) == 0
