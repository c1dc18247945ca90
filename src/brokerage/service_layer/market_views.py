"""JSON-able views of candles (live and stored) for the API and the bus; rows for the table."""

from datetime import date
from decimal import Decimal
from typing import Any

from brokerage.domain.market_data.candles import Candle
from brokerage.domain.market_data.ticks import from_us, to_price, to_quantity

Row = dict[str, Any]


def candle_row(candle: Candle) -> Row:
    return {"symbol": candle.symbol, "timeframe": candle.interval.value,
            "start_at": from_us(candle.start_us), "end_at": from_us(candle.end_us),
            "open": to_price(candle.open), "high": to_price(candle.high),
            "low": to_price(candle.low), "close": to_price(candle.close),
            "volume": to_quantity(candle.volume), "trades": candle.trades, "source": "live"}


def bar_view(candle: Candle, final: bool) -> Row:
    return {"symbol": candle.symbol, "interval": candle.interval.value,
            "start": from_us(candle.start_us).isoformat(),
            "end": from_us(candle.end_us).isoformat(), "open": str(to_price(candle.open)),
            "high": str(to_price(candle.high)), "low": str(to_price(candle.low)),
            "close": str(to_price(candle.close)), "volume": str(to_quantity(candle.volume)),
            "trades": candle.trades, "final": final}


def stored_bar_view(row: Row) -> Row:
    return {"symbol": row["symbol"], "interval": row["timeframe"],
            "start": row["start_at"].isoformat(), "end": row["end_at"].isoformat(),
            "open": _px(row["open"]), "high": _px(row["high"]), "low": _px(row["low"]),
            "close": _px(row["close"]), "volume": _d(row["volume"]), "trades": row["trades"],
            "final": True, "source": row["source"]}


def _d(value: Decimal) -> str:
    """Show a stored decimal without the column's trailing zeros."""
    return format(value.normalize(), "f")


def _px(value: Decimal) -> str:
    """Show a stored price with at least two decimals, as prices are shown everywhere."""
    text = _d(value)
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def iso_date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
