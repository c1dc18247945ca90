"""A venue's outgoing FIX messages, encoded and sent on one thread in the order produced.

A venue reports while whoever drives it holds its lock (the FIX worker, the market makers'
latency timer, liquidity agents, the phase timer). Encoding a report and handing it to
quickfix (which persists it, logs it and writes the socket, and gives the GIL away on the
way) used to happen under that lock, so every other user of the venue, the router reading
the NBBO included, waited for it. Producers now only append a job (under the venue lock, so
in the order the venue produced them) and one sender thread runs the jobs in that order.
Jobs are never dropped (they are executions); `stop` sends what is queued before returning.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

Job = Callable[[], None]


class Outbox:
    """Run send jobs on one thread, first in, first out."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: deque[Job] = deque()
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def put(self, job: Job) -> None:
        """Queue a job (any thread); it runs after every job queued before it."""
        with self._wake:
            self._jobs.append(job)
            if len(self._jobs) == 1:
                self._wake.notify()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Run what is queued, then stop the thread."""
        if self._thread is None:
            return
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join(timeout=timeout_s)
        self._thread = None

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._jobs and not self._stopping:
                    self._wake.wait()
                if not self._jobs:
                    return  # stopping, and nothing left
                batch = list(self._jobs)
                self._jobs.clear()
            for job in batch:
                try:
                    job()
                except Exception:  # one bad message must not stop the others
                    log.exception("%s: a send failed", self._name)
