"""The synthetic consolidated feed: quotes and prints for the instruments no venue lists.

The market data timer advances it to the clock's `now` at every step (so a manual clock in a
test drives it exactly, and wall time never does). What the model produces goes through the
same path as any venue's ticks: parsed integers into the feed's `ingest_quote` and
`ingest_batch`, which validate, map the symbol and keep the state the timer then publishes.
Every quote and print carries the venue code `SYN`, so a quote says where it came from.
"""

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from brokerage.domain.instruments import Instrument
from brokerage.domain.market_data.synthetic import SOURCE, SyntheticModel
from brokerage.domain.market_data.ticks import to_ticks, to_us
from brokerage.domain.market_hours import MarketPhase
from brokerage.service_layer.market_feed import MarketFeed


class SyntheticFeed:
    """Drive a SyntheticModel with the clock; hand its ticks to the feed."""

    venue = SOURCE

    def __init__(self, model: SyntheticModel, feed: MarketFeed, calendar: Any,
                 halted: Collection[str] = frozenset()) -> None:
        """`calendar.phase(now)` says whether the market is open; `halted` is a live set."""
        self.model = model
        self._feed = feed
        self._calendar = calendar
        self._halted = halted

    @property
    def symbols(self) -> list[str]:
        return self.model.symbols

    def advance(self, now: datetime) -> None:
        """Play the model up to `now`; quotes and prints only while the market is open."""
        trading = self._calendar.phase(now) is not MarketPhase.CLOSED
        ticks = self.model.advance(to_us(now), trading, self._halted)
        ingest_quote = self._feed.ingest_quote
        for q in ticks.quotes:
            ingest_quote(q.symbol, SOURCE, q.bid, q.bid_size, q.ask, q.ask_size, q.ts_us)
        self._feed.ingest_batch((t.symbol, SOURCE, t.price, t.size, t.ts_us)
                                for t in ticks.trades)


def synthetic_references(instruments: Mapping[str, Instrument],
                         symbols: Collection[str]) -> dict[str, tuple[int, float]]:
    """Return (reference price in ticks, daily volatility) of each symbol, for the model.

    The volatility becomes a float here because it is a statistic of the random model only.
    """
    out: dict[str, tuple[int, float]] = {}
    for symbol in symbols:
        instrument = instruments[symbol]
        ticks = to_ticks(instrument.reference_price)
        if ticks is None:
            raise ValueError(f"{symbol}: reference price {instrument.reference_price} is not "
                             f"a positive price on the 0.0001 grid")
        out[symbol] = (ticks, float(instrument.daily_volatility))
    return out


def listed_instruments(instruments: Mapping[Any, Instrument],
                       symbols: Collection[str] | None) -> dict[Any, Instrument]:
    """Return the instruments a venue lists: `symbols` (None: all); refuse unknown ones."""
    if symbols is None:
        return dict(instruments)
    unknown = sorted(set(symbols) - {str(s) for s in instruments})
    if unknown:
        raise ValueError(f"unknown symbols to list: {', '.join(unknown)}")
    wanted = set(symbols)
    return {s: i for s, i in instruments.items() if str(s) in wanted}
