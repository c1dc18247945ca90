"""A scheduler on its own thread, for a venue process that has no asyncio loop.

`call_at(when, callback)` runs the callback when the clock reaches `when` (at once if it
already has); `call_soon_threadsafe(callback, *args)` runs it as soon as possible. Every
callback runs on the scheduler's thread while holding the lock it was given: the lock that
serializes the venue, so a delayed report never races the FIX worker.
"""

import heapq
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)
MAX_PENDING = 1_000_000  # a runaway producer fails loudly instead of eating memory
IDLE_WAIT_S = 1.0
MANUAL_POLL_S = 0.01  # a clock with speed 0 is polled


class ThreadScheduler:
    """Run callbacks on one thread at clock times, under a lock."""

    def __init__(self, clock: Any, lock: Any) -> None:
        self._clock = clock
        self._lock = lock
        self._heap: list[tuple[datetime, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._soon: deque[Callable[[], None]] = deque()
        self._wake = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="venue-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        self._thread.join(timeout=5)

    def call_at(self, when: datetime, callback: Callable[[], None]) -> None:
        """Run `callback` when the clock reaches `when`."""
        with self._wake:
            if len(self._heap) >= MAX_PENDING:
                raise OverflowError(f"{MAX_PENDING} scheduled callbacks are waiting")
            heapq.heappush(self._heap, (when, next(self._seq), callback))
            self._wake.notify()

    def call_soon_threadsafe(self, callback: Callable[..., None], *args: Any) -> None:
        """Run `callback(*args)` on the scheduler's thread as soon as possible."""
        with self._wake:
            if len(self._soon) >= MAX_PENDING:
                raise OverflowError(f"{MAX_PENDING} callbacks are waiting to run")
            self._soon.append(lambda: callback(*args))
            self._wake.notify()

    def _run(self) -> None:
        while True:
            due = self._next_due()
            if due is None:
                return
            with self._lock:
                for callback in due:
                    try:
                        callback()
                    except Exception:
                        log.exception("scheduled callback failed")

    def _next_due(self) -> list[Callable[[], None]] | None:
        """Wait until something is due (or stop); return what is due, oldest first."""
        with self._wake:
            while not self._stopped:
                now = self._clock.now()
                due = list(self._soon)
                self._soon.clear()
                while self._heap and self._heap[0][0] <= now:
                    due.append(heapq.heappop(self._heap)[2])
                if due:
                    return due
                self._wake.wait(self._wait_s(now))
            return None

    def _wait_s(self, now: datetime) -> float:
        if not self._heap:
            return IDLE_WAIT_S
        speed = float(getattr(self._clock, "speed", 1.0))
        if speed <= 0:
            return MANUAL_POLL_S
        return max((self._heap[0][0] - now).total_seconds() / speed, 0.0)
