"""Tick units and tick validation: bad or out-of-order ticks are counted and dropped.

Validation never raises: a feed handler must survive any input, so a bad tick becomes a count
under its reason and the caller moves on.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

PRICE_DECIMALS = 4
QTY_DECIMALS = 9
PRICE_SCALE = 10_000  # ticks per dollar (10 ** PRICE_DECIMALS)
QTY_SCALE = 1_000_000_000  # units per share (10 ** QTY_DECIMALS)
US_PER_S = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


class DropReason(StrEnum):
    BAD_PRICE = "bad_price"  # not positive, not finite, or off the 0.0001 grid
    BAD_SIZE = "bad_size"  # not positive or finer than 1e-9 share
    CROSSED = "crossed"  # a venue's own bid at or above its own ask
    OUT_OF_ORDER = "out_of_order"  # older than the newest quote seen from the same venue
    LATE = "late"  # a trade for a candle interval that is already final
    UNKNOWN_SYMBOL = "unknown_symbol"
    MALFORMED = "malformed"  # could not be parsed at all


@dataclass
class TickCounters:
    """How many ticks were accepted and how many were dropped, by reason."""

    accepted: int = 0
    dropped: Counter[DropReason] = field(default_factory=Counter)

    def drop(self, reason: DropReason) -> None:
        self.dropped[reason] += 1

    def as_dict(self) -> dict[str, int]:
        """Return the counts keyed by name (for metrics and the status endpoint)."""
        out = {"accepted": self.accepted}
        out.update({reason.value: self.dropped[reason] for reason in DropReason})
        return out


def to_ticks(price: Decimal | None) -> int | None:
    """Return a price as integer ticks, or None if it is not a positive on-grid price."""
    if price is None or not price.is_finite():
        return None
    scaled = price * PRICE_SCALE
    ticks = int(scaled)
    return ticks if ticks == scaled and ticks > 0 else None


def to_units(quantity: Decimal) -> int | None:
    """Return a size as integer units of 1e-9 share, or None if it is not a positive size."""
    if not quantity.is_finite():
        return None
    scaled = quantity * QTY_SCALE
    units = int(scaled)
    return units if units == scaled and units > 0 else None


def to_price(ticks: int) -> Decimal:
    """Return integer ticks as a Decimal price (at least two decimals, as prices are shown)."""
    value = Decimal(ticks).scaleb(-PRICE_DECIMALS).normalize()
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return value.quantize(Decimal("0.01"))
    return value


def to_quantity(units: int) -> Decimal:
    """Return integer units as a Decimal share quantity without trailing zeros."""
    value = Decimal(units).scaleb(-QTY_DECIMALS).normalize()
    exponent = value.as_tuple().exponent
    return value.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else value


def price_text(ticks: int) -> str:
    """Return ticks as the text of `to_price(ticks)`, with integer arithmetic only (hot path)."""
    whole, frac = divmod(ticks, PRICE_SCALE)
    digits = f"{frac:04d}".rstrip("0")
    return f"{whole}.{digits.ljust(2, '0')}"


def quantity_text(units: int) -> str:
    """Return units as the text of `to_quantity(units)`, with integer arithmetic only."""
    whole, frac = divmod(units, QTY_SCALE)
    if frac == 0:
        return str(whole)
    return f"{whole}.{f'{frac:09d}'.rstrip('0')}"


def to_us(when: datetime) -> int:
    """Return an aware datetime as integer microseconds since the epoch."""
    return (when - EPOCH) // _ONE_US


def from_us(us: int) -> datetime:
    """Return epoch microseconds as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=us)
