"""Market data and notification messages on the event bus (the pipeline publishes, streams listen).

The pipeline publishes the *whole latest state* of a (channel, symbol) in each `MarketUpdate`;
a stream gateway keeps what each client last saw and sends only the fields that changed, so a
client that is conflated or reconnects always converges to the latest state.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    QUOTES = "quotes"  # NBBO + last sale + day stats + stale flag
    TRADES = "trades"  # one print per update (not conflated away: trades are batched)
    BARS = "bars"  # candles; `data["interval"]` says which (1m, 5m, 15m, 1h, 1d, 1w)
    DEPTH = "depth"  # aggregated book levels
    STATUS = "status"  # trading status: halts, resumes, LULD bands, market-wide breaker


@dataclass(frozen=True, slots=True)
class MarketUpdate:
    """The latest state of one channel of one symbol; `data` is JSON-able (Decimals as str)."""

    channel: Channel
    symbol: str
    data: dict[str, Any]
    ts: datetime


@dataclass(frozen=True, slots=True)
class Notification:
    """Something a user should see (alert fired, halt, fill); stored and pushed to streams."""

    notification_id: str
    user_id: str
    kind: str  # "alert", "halt", "fill", "margin_call" ...
    title: str
    body: str
    data: dict[str, Any]
    ts: datetime
