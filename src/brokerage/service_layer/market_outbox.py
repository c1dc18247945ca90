"""What one market data step has to store and announce, kept for retry if the store fails."""

import logging
from dataclasses import dataclass, field
from typing import Any

from brokerage.service_layer.market_events import Notification
from brokerage.service_layer.market_status import StatusChange

# Logs under the service's name, as it did before this class moved out of market_data.py.
log = logging.getLogger("brokerage.service_layer.market_data")
Row = dict[str, Any]
MAX_UNSAVED_CANDLES = 100_000  # kept for retry while the database is unreachable


@dataclass
class Outbox:
    candles: list[Row] = field(default_factory=list)
    fired: list[Row] = field(default_factory=list)
    notices: list[tuple[Row, Notification]] = field(default_factory=list)
    quotes: dict[str, Row] = field(default_factory=dict)
    halts: list[StatusChange] = field(default_factory=list)

    def merge(self, later: "Outbox") -> "Outbox":
        """Return this unsaved outbox followed by a later one (later quotes win)."""
        return Outbox(self.candles + later.candles, self.fired + later.fired,
                      self.notices + later.notices, {**self.quotes, **later.quotes},
                      self.halts + later.halts)

    def bounded(self) -> "Outbox":
        dropped = len(self.candles) - MAX_UNSAVED_CANDLES
        if dropped > 0:
            log.error("database unavailable: %d finalized candles dropped", dropped)
            self.candles = self.candles[dropped:]
        return self
