"""Decimal money and quantities with explicit quanta. Never float."""

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal, InvalidOperation

USD = "USD"
CENT = Decimal("0.01")
# Ledger and cost arithmetic keep sub-cent precision; customer-facing cash is rounded to CENT.
USD_QUANTUM = Decimal("0.0001")
# Fractional shares are kept to nine decimal places (as the Alpaca API does).
QTY_QUANTUM = Decimal("0.000000001")
ZERO = Decimal(0)


class InvalidAmount(ValueError):
    """A value that cannot be read as a finite decimal amount."""


def to_decimal(value: object) -> Decimal:
    """Read a str/int/Decimal as a finite Decimal; refuse floats and junk."""
    if isinstance(value, (bool, float)):
        raise InvalidAmount(f"not a decimal amount: {value!r}")
    try:
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise InvalidAmount(f"not a decimal amount: {value!r}") from exc
    if not result.is_finite():
        raise InvalidAmount(f"not a finite amount: {value!r}")
    return result


def usd(value: object) -> Decimal:
    """Quantize a cash amount to the ledger quantum (banker's rounding)."""
    return to_decimal(value).quantize(USD_QUANTUM, rounding=ROUND_HALF_EVEN)


def cents(value: object) -> Decimal:
    """Quantize a cash amount to whole cents (banker's rounding)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN)


def cents_up(value: object) -> Decimal:
    """Round a cash amount up to whole cents (used for holds: never under-reserve)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_UP)


def qty(value: object) -> Decimal:
    """Quantize a share quantity to the nine-decimal quantum, rounding toward zero."""
    return to_decimal(value).quantize(QTY_QUANTUM, rounding=ROUND_DOWN)


def is_whole(value: Decimal) -> bool:
    """Tell whether a quantity is a whole number of shares."""
    return value == value.to_integral_value()
