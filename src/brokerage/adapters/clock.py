"""Clocks. This module is the only place that reads the wall clock."""

import threading
import time
from datetime import UTC, datetime, timedelta


class RealClock:
    """Wall time, in UTC."""

    name = "real"
    speed = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """Time that starts at `start` and runs at `speed` times wall speed."""

    name = "simulated"

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._start = start
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * self.speed)


class ManualClock:
    """Time that moves only when told to (tests and deterministic scenarios)."""

    name = "manual"
    speed = 0.0

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward by `delta` and return the new time."""
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when`, which must not be in the past."""
        with self._lock:
            if when < self._now:
                raise ValueError("a clock never goes back")
            self._now = when
