"""Hand callbacks from quickfix's threads to the asyncio loop, in order, one wake-up a batch.

`loop.call_soon_threadsafe` per message writes to the loop's self-pipe every time (a syscall,
and a GIL hand-over, per report). Here a quickfix thread appends to a deque and wakes the
loop only when nothing is waiting already; the loop runs what is there, oldest first, at most
`BATCH` callbacks per turn so other tasks still get their turn. Nothing is ever dropped (they
are venue reports: money): the deque is as unbounded as the loop's own ready queue was.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

BATCH = 256  # callbacks run per loop turn


class LoopInbox:
    """A thread-safe, order-keeping queue of callbacks drained on one event loop.

    Lock-free (deque appends and pops are atomic): a lock here would be held by the loop
    while the GIL is taken from it, and quickfix's threads would queue behind it. The flag
    is cleared before a drain looks at the deque, so an item appended after the drain's
    last look always finds the flag clear and schedules a drain of its own: no item waits
    for a wake-up that never comes (at worst a drain finds nothing to do).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, name: str) -> None:
        self._loop = loop
        self._name = name
        self._waiting: deque[tuple[Callable[..., None], tuple[Any, ...]]] = deque()
        self._scheduled = False  # a drain is queued on the loop and has not started yet

    def put(self, callback: Callable[..., None], *args: Any) -> None:
        """Run `callback(*args)` on the loop after everything put before it (any thread)."""
        self._waiting.append((callback, args))
        if self._scheduled:
            return
        self._scheduled = True
        try:
            self._loop.call_soon_threadsafe(self._drain)
        except RuntimeError:  # the loop is closed: shutting down
            log.error("%s: event loop closed; not delivered: %s", self._name, args)

    def _drain(self) -> None:
        self._scheduled = False  # first: what is appended from now on schedules again
        waiting = self._waiting
        for _ in range(BATCH):
            if not waiting:
                return
            callback, args = waiting.popleft()
            try:
                callback(*args)
            except Exception:
                log.exception("%s: %s failed", self._name, getattr(callback, "__name__", ""))
        if waiting and not self._scheduled:  # the rest next turn: other tasks go first
            self._scheduled = True
            self._loop.call_soon(self._drain)
