"""Price alerts: "TSLA above 300" fires once, on the first last sale at or beyond the level.

The check takes the highest and lowest trade since the previous check, so a spike between two
checks is not missed: an "above" alert fires when that high reaches its level, a "below" alert
when that low does. A fired alert leaves the book: it never fires twice.
"""

from dataclasses import dataclass
from enum import StrEnum


class AlertDirection(StrEnum):
    ABOVE = "above"
    BELOW = "below"


@dataclass(frozen=True, slots=True)
class PriceAlert:
    alert_id: str
    user_id: str
    symbol: str
    direction: AlertDirection
    price: int  # ticks

    def crossed(self, high: int, low: int) -> bool:
        if self.direction is AlertDirection.ABOVE:
            return high >= self.price
        return low <= self.price


class AlertBook:
    """The armed alerts, by symbol."""

    def __init__(self) -> None:
        self._by_symbol: dict[str, dict[str, PriceAlert]] = {}

    def add(self, alert: PriceAlert) -> None:
        self._by_symbol.setdefault(alert.symbol, {})[alert.alert_id] = alert

    def remove(self, symbol: str, alert_id: str) -> bool:
        """Disarm an alert; tell whether it was armed."""
        return self._by_symbol.get(symbol, {}).pop(alert_id, None) is not None

    def symbols(self) -> set[str]:
        return {s for s, alerts in self._by_symbol.items() if alerts}

    def watchers(self, symbol: str) -> set[str]:
        """Return the users with an armed alert on the symbol."""
        return {a.user_id for a in self._by_symbol.get(symbol, {}).values()}

    def check(self, symbol: str, high: int, low: int) -> list[PriceAlert]:
        """Return (and disarm) the alerts that trades between `low` and `high` fire."""
        armed = self._by_symbol.get(symbol)
        if not armed:
            return []
        fired = [a for a in armed.values() if a.crossed(high, low)]
        for alert in fired:
            del armed[alert.alert_id]
        return sorted(fired, key=lambda a: a.alert_id)
