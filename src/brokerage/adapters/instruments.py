"""Instrument reference data and daily bars, read from the files `make install` builds.

The files live in the package (src/brokerage/data/) and are produced by
scripts/build_instruments.py from sample data shipped in installed PyPI packages;
see src/brokerage/data/SOURCES.md.
"""

import csv
import io
import json
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from brokerage.domain.bars import DailyBar
from brokerage.domain.ids import Symbol
from brokerage.domain.instruments import Instrument
from brokerage.domain.money import to_decimal

DATA_PACKAGE = "brokerage.data"
INSTRUMENTS_FILE = "instruments.json"
BARS_FILE = "daily_bars.csv"


class ReferenceDataMissing(RuntimeError):
    """The generated reference data files are absent: the install step did not run."""


class UnknownSymbol(KeyError):
    """No instrument has this symbol."""


def _read_text(name: str) -> str:
    try:
        return resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        raise ReferenceDataMissing(
            f"{DATA_PACKAGE}/{name} is missing: run `make install` "
            "(it runs scripts/build_instruments.py)"
        ) from exc


@cache
def _records() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(_read_text(INSTRUMENTS_FILE)))


def _instrument(record: dict[str, Any]) -> Instrument:
    return Instrument(
        symbol=Symbol(record["symbol"]),
        name=record["name"],
        asset_class=record["asset_class"],
        exchange=record["exchange"],
        kind=record["kind"],
        tradable=bool(record["tradable"]),
        fractionable=bool(record["fractionable"]),
        reference_price=to_decimal(record["reference_price"]),
        daily_volatility=to_decimal(record["daily_volatility"]),
        calibration_source=record["calibration_source"],
        calibrated_from=Symbol(record["calibrated_from"]),
        proxied=bool(record["proxied"]),
    )


def load_instruments() -> dict[Symbol, Instrument]:
    """Return every instrument keyed by symbol, read from the packaged instruments.json."""
    return {Symbol(r["symbol"]): _instrument(r) for r in _records()}


def _bars_series(symbol: Symbol) -> str:
    for record in _records():
        if record["symbol"] == symbol:
            return str(record["bars_series"])
    raise UnknownSymbol(symbol)


@cache
def _bars_by_series() -> dict[str, list[list[str]]]:
    reader = csv.reader(io.StringIO(_read_text(BARS_FILE)))
    next(reader)
    index: dict[str, list[list[str]]] = {}
    for row in reader:
        index.setdefault(row[0], []).append(row)
    return index


def load_daily_bars(symbol: Symbol) -> list[DailyBar]:
    """Return the daily bars of a symbol's calibration series, oldest first.

    For a proxied symbol these are the proxy's bars (see the instrument's
    calibration_source); they carry the requested symbol.
    """
    series = _bars_series(symbol)
    return [
        DailyBar(
            symbol=symbol,
            session=date.fromisoformat(day),
            open=Decimal(open_),
            high=Decimal(high),
            low=Decimal(low),
            close=Decimal(close),
            volume_shares=int(volume),
        )
        for _series, day, open_, high, low, close, volume in _bars_by_series().get(series, [])
    ]
