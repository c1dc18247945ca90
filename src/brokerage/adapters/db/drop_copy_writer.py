"""Store in-process venues' drop copies off the event loop, on a writer thread of their own.

A drop copy is the venue's evidence, independent of our booking: it is written by its own
writer, not in the OMS's transactions, so a failure of one never hides a break in the other.
The queue is bounded; on overflow the copy is logged and dropped, and reconciliation will
name the execution as missing at the venue (a visible break, never a silent one).
"""

import logging
import queue
import threading
from typing import Any

from brokerage.domain.execution import ExecutionReport

log = logging.getLogger(__name__)
QUEUE_LIMIT = 100_000
_STOP = object()


class ThreadedDropCopyWriter:
    """Hand each copy to a writer thread that stores it with `store.add` (idempotent)."""

    def __init__(self, store: Any, limit: int = QUEUE_LIMIT) -> None:
        self._store = store
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=limit)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __call__(self, venue: str, participant: str, report: ExecutionReport) -> None:
        """Queue one copy (never blocks the caller)."""
        self._start()
        try:
            self._queue.put_nowait((venue, participant, report))
        except queue.Full:
            log.error("drop copy queue full: %s %s not stored", venue, report.exec_id)

    def flush(self) -> None:
        """Wait until every queued copy is stored."""
        if self._thread is not None:
            self._queue.join()

    def close(self) -> None:
        """Store what is queued, then stop the thread."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join()
        self._thread = None

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="drop-copies",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                venue, participant, report = item
                self._store.add(venue, participant, report)
            except Exception:
                log.exception("drop copy not stored")
            finally:
                self._queue.task_done()
