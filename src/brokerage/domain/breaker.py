"""A circuit breaker per venue: one declared table `(state, signal) -> next state`.

CLOSED lets orders through and counts consecutive failures (venue-side rejects, ack
timeouts); at the threshold, or at once on a session drop, it OPENs. After the cool-down an
OPEN breaker lets exactly one probe order through (HALF_OPEN); the probe's ack closes it, a
failure reopens it for another cool-down. Time is an input: nothing here reads a clock.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Signal(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"  # one failure below the threshold
    FAILURE_AT_THRESHOLD = "failure_at_threshold"
    TRIP = "trip"  # the session dropped: no need to count
    COOLED_DOWN = "cooled_down"


B, S = BreakerState, Signal
TRANSITIONS: dict[tuple[BreakerState, Signal], BreakerState] = {
    (B.CLOSED, S.SUCCESS): B.CLOSED,
    (B.CLOSED, S.FAILURE): B.CLOSED,
    (B.CLOSED, S.FAILURE_AT_THRESHOLD): B.OPEN,
    (B.CLOSED, S.TRIP): B.OPEN,
    # A late ack of an order sent before the trip says nothing about the venue now.
    (B.OPEN, S.SUCCESS): B.OPEN,
    (B.OPEN, S.FAILURE): B.OPEN,
    (B.OPEN, S.FAILURE_AT_THRESHOLD): B.OPEN,
    (B.OPEN, S.TRIP): B.OPEN,
    (B.OPEN, S.COOLED_DOWN): B.HALF_OPEN,
    (B.HALF_OPEN, S.SUCCESS): B.CLOSED,
    # The probe failed: back to OPEN for another full cool-down.
    (B.HALF_OPEN, S.FAILURE): B.OPEN,
    (B.HALF_OPEN, S.FAILURE_AT_THRESHOLD): B.OPEN,
    (B.HALF_OPEN, S.TRIP): B.OPEN,
}


@dataclass
class CircuitBreaker:
    failure_threshold: int = 3
    cool_down: timedelta = timedelta(seconds=5)
    state: BreakerState = BreakerState.CLOSED
    failures: int = 0
    opened_at: datetime | None = None
    reason: str = ""
    probe_out: bool = False  # HALF_OPEN: the one probe is in flight

    def _apply(self, signal: Signal, now: datetime) -> None:
        before, self.state = self.state, TRANSITIONS[(self.state, signal)]
        if self.state is BreakerState.OPEN and before is not BreakerState.OPEN:
            self.opened_at, self.probe_out = now, False
        if self.state is BreakerState.CLOSED and signal is Signal.SUCCESS:
            self.failures, self.reason, self.probe_out = 0, "", False

    def allows(self, now: datetime) -> bool:
        """Tell whether an order may go to the venue now (OPEN turns HALF_OPEN when cooled)."""
        if self.state is BreakerState.OPEN and self.opened_at is not None and (
                now >= self.opened_at + self.cool_down):
            self._apply(Signal.COOLED_DOWN, now)
        if self.state is BreakerState.HALF_OPEN:
            return not self.probe_out
        return self.state is BreakerState.CLOSED

    def sent(self) -> None:
        """Note that an order went out (in HALF_OPEN it is the probe)."""
        if self.state is BreakerState.HALF_OPEN:
            self.probe_out = True

    def record_success(self, now: datetime) -> None:
        self._apply(Signal.SUCCESS, now)

    def record_failure(self, now: datetime, reason: str) -> None:
        self.failures += 1
        self.reason = reason
        at_threshold = self.failures >= self.failure_threshold
        self._apply(Signal.FAILURE_AT_THRESHOLD if at_threshold else Signal.FAILURE, now)

    def trip(self, now: datetime, reason: str) -> None:
        """Open at once (the venue's session dropped)."""
        self.reason = reason
        self._apply(Signal.TRIP, now)

    def reopens_at(self) -> datetime | None:
        """Return when an OPEN breaker will let a probe through (None unless OPEN)."""
        if self.state is not BreakerState.OPEN or self.opened_at is None:
            return None
        return self.opened_at + self.cool_down
