"""Schedulers: run callbacks when the injected clock reaches a time (never sleep in tests).

`ManualScheduler` runs what is due only when told (`run_due`), for deterministic tests on a
manual clock. `LoopScheduler` arms an asyncio timer on the running loop, converting clock time
to wall time by the clock's speed (a manual clock, speed 0, is polled). A callback that is
already due runs at once, in the caller's stack, like a venue with no latency.
"""

import asyncio
import heapq
import itertools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)
POLL_S = 0.01  # how often a manual clock is looked at while something waits
MAX_PENDING = 1_000_000  # put a limit on everything: a runaway producer fails loudly


class _Heap:
    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self._heap: list[tuple[datetime, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def push(self, when: datetime, callback: Callable[[], None]) -> None:
        if len(self._heap) >= MAX_PENDING:
            raise OverflowError(f"{MAX_PENDING} scheduled callbacks are waiting")
        heapq.heappush(self._heap, (when, next(self._seq), callback))

    def next_due(self) -> datetime | None:
        return self._heap[0][0] if self._heap else None

    def run_due(self) -> int:
        """Run every callback whose time has come, earliest first; return how many ran."""
        ran = 0
        while self._heap and self._heap[0][0] <= self.clock.now():
            _, _, callback = heapq.heappop(self._heap)
            ran += 1
            try:
                callback()
            except Exception:
                log.exception("scheduled callback failed")
        return ran

    def __len__(self) -> int:
        return len(self._heap)


class ManualScheduler:
    """Keep callbacks until `run_due` is called (tests move the clock, then run what is due)."""

    def __init__(self, clock: Any) -> None:
        self._heap = _Heap(clock)

    def call_at(self, when: datetime, callback: Callable[[], None]) -> None:
        self._heap.push(when, callback)

    def run_due(self) -> int:
        """Run what is due now, including what those callbacks schedule for now."""
        total = 0
        while (ran := self._heap.run_due()) > 0:
            total += ran
        return total

    def __len__(self) -> int:
        return len(self._heap)


class LoopScheduler:
    """Run callbacks on the asyncio loop when the clock reaches their time."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._heap = _Heap(clock)
        self._timer: asyncio.TimerHandle | None = None
        self._armed_for: datetime | None = None

    def call_at(self, when: datetime, callback: Callable[[], None]) -> None:
        if when <= self._clock.now():
            callback()
            return
        self._heap.push(when, callback)
        if self._timer is None or self._armed_for is None or when < self._armed_for:
            self._arm()  # only an earlier deadline needs the timer moved

    def _arm(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a one-shot CLI run): what waits runs at the next call_at
        if self._timer is not None:
            self._timer.cancel()
        when = self._heap.next_due()
        self._armed_for = when
        if when is None:
            self._timer = None
            return
        speed = float(getattr(self._clock, "speed", 1.0)) or 0.0
        seconds = (when - self._clock.now()).total_seconds()
        delay = POLL_S if speed <= 0 else max(seconds / speed, 0.0)
        self._timer = loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._heap.run_due()
        if len(self._heap):
            self._arm()
