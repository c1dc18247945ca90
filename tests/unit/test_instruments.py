"""The instrument reference data built from the installed sample-data packages."""

import importlib.util
import json
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from brokerage.adapters import instruments as adapter
from brokerage.adapters.instruments import (
    ReferenceDataMissing,
    UnknownSymbol,
    load_daily_bars,
    load_instruments,
)
from brokerage.domain.ids import Symbol

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "src" / "brokerage" / "data"
REQUIRED = ["AAPL", "MSFT", "NVDA", "TSLA", "GME", "AMC", "SPY", "QQQ"]


def _records() -> dict[str, dict[str, object]]:
    text = (DATA_DIR / "instruments.json").read_text(encoding="utf-8")
    return {r["symbol"]: r for r in json.loads(text)}


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_instruments", REPO / "scripts" / "build_instruments.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_at_least_one_hundred_instruments_are_listed():
    assert len(load_instruments()) >= 100


@pytest.mark.parametrize("symbol", REQUIRED)
def test_the_symbols_retail_customers_expect_are_listed(symbol):
    assert Symbol(symbol) in load_instruments()


def test_every_reference_price_is_positive_and_on_tick():
    for instrument in load_instruments().values():
        assert instrument.reference_price > 0, instrument.symbol
        assert instrument.is_on_tick(instrument.reference_price), instrument.symbol


def test_every_daily_volatility_is_plausible():
    for instrument in load_instruments().values():
        assert Decimal("0.003") <= instrument.daily_volatility <= Decimal("0.15"), instrument.symbol


def test_proxied_instruments_name_the_series_they_were_calibrated_from():
    records = _records()
    proxied = [i for i in load_instruments().values() if i.proxied]
    assert proxied
    for instrument in proxied:
        assert instrument.calibrated_from != instrument.symbol
        assert str(instrument.calibrated_from) in instrument.calibration_source or (
            "mix" in instrument.calibration_source
        )
        assert records[instrument.symbol]["note"], instrument.symbol


def test_instruments_with_their_own_history_are_not_proxied():
    for symbol in ["AAPL", "MSFT", "NVDA", "GME"]:
        instrument = load_instruments()[Symbol(symbol)]
        assert not instrument.proxied
        assert instrument.calibrated_from == symbol


def test_later_listings_and_etfs_are_proxied():
    instruments = load_instruments()
    for symbol in ["TSLA", "AMC", "SPY", "QQQ"]:
        assert instruments[Symbol(symbol)].proxied, symbol


def test_meme_stocks_are_not_fractionable_and_large_caps_and_etfs_are():
    instruments = load_instruments()
    assert not instruments[Symbol("GME")].fractionable
    assert not instruments[Symbol("AMC")].fractionable
    for symbol in ["AAPL", "MSFT", "SPY", "QQQ"]:
        assert instruments[Symbol(symbol)].fractionable, symbol


def test_loader_round_trips_every_json_field():
    records = _records()
    for symbol, instrument in load_instruments().items():
        record = records[symbol]
        assert str(instrument.reference_price) == record["reference_price"]
        assert str(instrument.daily_volatility) == record["daily_volatility"]
        assert (instrument.name, instrument.exchange, instrument.kind) == (
            record["name"],
            record["exchange"],
            record["kind"],
        )
        assert instrument.proxied is record["proxied"]


def test_reference_price_is_the_last_close_of_the_bars_rounded_to_tick():
    for symbol, instrument in load_instruments().items():
        last = load_daily_bars(symbol)[-1]
        tick = instrument.tick_size(last.close)
        assert instrument.reference_price == last.close.quantize(tick), symbol


def test_daily_bars_are_in_date_order_and_carry_the_requested_symbol():
    bars = load_daily_bars(Symbol("TSLA"))
    assert len(bars) >= 200
    assert all(bar.symbol == "TSLA" for bar in bars)
    assert [b.session for b in bars] == sorted({b.session for b in bars})


def test_a_proxy_has_the_bars_of_the_series_it_was_calibrated_from():
    tsla = load_daily_bars(Symbol("TSLA"))
    ford = load_daily_bars(Symbol("F"))
    assert [(b.session, b.close) for b in tsla] == [(b.session, b.close) for b in ford]


def test_an_unknown_symbol_has_no_bars():
    with pytest.raises(UnknownSymbol):
        load_daily_bars(Symbol("NOPE"))


def test_missing_data_files_tell_the_reader_to_run_make_install(monkeypatch):
    monkeypatch.setattr(adapter, "INSTRUMENTS_FILE", "absent.json")
    adapter._records.cache_clear()
    try:
        with pytest.raises(ReferenceDataMissing, match="make install"):
            load_instruments()
    finally:
        monkeypatch.undo()
        adapter._records.cache_clear()


def test_the_build_is_deterministic_and_matches_the_packaged_files(tmp_path):
    _build_script().build(tmp_path)
    for name in ["instruments.json", "daily_bars.csv", "SOURCES.md"]:
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name
