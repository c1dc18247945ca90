"""Trading status of a symbol (one declared table) and the market-wide circuit breaker.

A symbol is TRADING, in a LULD LIMIT_STATE (the best bid sits on the upper band or the best
offer on the lower band; trading goes on within the bands), PAUSED (a LULD trading pause) or
HALTED (a market-wide circuit breaker or a regulatory halt). New orders are refused while
PAUSED or HALTED.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class TradingStatus(StrEnum):
    TRADING = "trading"
    LIMIT_STATE = "limit_state"
    PAUSED = "paused"
    HALTED = "halted"


class HaltEvent(StrEnum):
    LIMIT_REACHED = "limit_reached"
    LIMIT_EXITED = "limit_exited"
    LIMIT_TIMED_OUT = "limit_timed_out"  # 15 s in a limit state
    BAND_BREACHED = "band_breached"  # a trade printed outside the bands
    PAUSE_ENDED = "pause_ended"  # the 5-minute pause is over
    HALTED = "halted"  # market-wide breaker or regulatory halt
    RESUMED = "resumed"


S, E = TradingStatus, HaltEvent
TRANSITIONS: dict[tuple[TradingStatus, HaltEvent], TradingStatus] = {
    (S.TRADING, E.LIMIT_REACHED): S.LIMIT_STATE,
    (S.LIMIT_STATE, E.LIMIT_EXITED): S.TRADING,
    (S.LIMIT_STATE, E.LIMIT_TIMED_OUT): S.PAUSED,
    # Our venues do not enforce the bands, so a print outside them pauses at once (the Plan's
    # venues would have refused it).
    (S.TRADING, E.BAND_BREACHED): S.PAUSED,
    (S.LIMIT_STATE, E.BAND_BREACHED): S.PAUSED,
    (S.PAUSED, E.PAUSE_ENDED): S.TRADING,
    (S.TRADING, E.HALTED): S.HALTED,
    (S.LIMIT_STATE, E.HALTED): S.HALTED,
    # A market-wide halt supersedes a LULD pause; its resume returns the symbol to trading.
    (S.PAUSED, E.HALTED): S.HALTED,
    (S.HALTED, E.RESUMED): S.TRADING,
}
STOPPED = frozenset({S.PAUSED, S.HALTED})


class InvalidHaltTransition(ValueError):
    """An event that is not allowed in the symbol's current status."""


@dataclass
class SymbolStatus:
    status: TradingStatus = TradingStatus.TRADING
    since_us: int = 0
    reason: str = ""

    def can(self, event: HaltEvent) -> bool:
        return (self.status, event) in TRANSITIONS

    def apply(self, event: HaltEvent, now_us: int, reason: str = "") -> TradingStatus:
        """Move to the table's next status; raise on a pair the table does not hold."""
        next_status = TRANSITIONS.get((self.status, event))
        if next_status is None:
            raise InvalidHaltTransition(f"{event} is not allowed when {self.status}")
        self.status, self.since_us, self.reason = next_status, now_us, reason
        return next_status

    @property
    def stopped(self) -> bool:
        """Tell whether new orders are refused."""
        return self.status in STOPPED


# --- market-wide circuit breaker (SEC-approved MWCB rule; SPY stands for the S&P 500) ---------

MWCB_LEVELS = ((3, 20), (2, 13), (1, 7))  # (level, % decline from the previous close)
MWCB_HALT_US = 15 * 60 * 1_000_000


def breaker_level(previous_close: int, price: int) -> int:
    """Return the breaker level (0-3) that a decline from the previous close reaches."""
    decline = previous_close - price
    for level, percent in MWCB_LEVELS:
        if decline * 100 >= percent * previous_close:
            return level
    return 0


@dataclass(frozen=True, slots=True)
class BreakerTrip:
    level: int
    halts: bool  # False for a level 1 or 2 reached at or after 15:25 (no halt then)
    resume_at_us: int | None  # None: halted for the rest of the day (level 3)


@dataclass
class CircuitBreaker:
    """Each level trips at most once a session; level 3 halts for the rest of the day."""

    tripped: set[int] = field(default_factory=set)

    def on_index(self, previous_close: int, price: int, now_us: int,
                 late: bool) -> BreakerTrip | None:
        """Return the trip a new reference-index price causes, if any.

        `late` says whether it is 15:25 New York time or later (the caller owns the calendar).
        """
        level = breaker_level(previous_close, price)
        if level == 0 or level <= max(self.tripped, default=0):
            return None
        self.tripped.update(range(1, level + 1))
        if level == 3:
            return BreakerTrip(3, True, None)
        if late:
            return BreakerTrip(level, False, None)
        return BreakerTrip(level, True, now_us + MWCB_HALT_US)

    def new_session(self) -> None:
        self.tripped.clear()
