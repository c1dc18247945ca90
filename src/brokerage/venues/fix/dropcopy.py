"""FixDropCopyClient: a read-only session that collects a venue's copies of its executions.

The venue sends every ExecutionReport of every participant to its drop-copy sessions
(CopyMsgIndicator 797=Y; OnBehalfOfCompID 115 names the participant). Copies are kept in
memory (`copies()`) and handed in batches to a sink (e.g. the `venue_drop_copies` table) by
a writer thread, so the quickfix thread never waits on storage. The sink must be idempotent by
(venue, exec_id): a resend after a restart hands it the same copy again.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from brokerage.domain.execution import ExecutionReport
from brokerage.domain.ids import VenueId
from brokerage.venues.fix import codec
from brokerage.venues.fix.session import InitiatorSession
from brokerage.venues.fix.settings import InitiatorConfig

log = logging.getLogger(__name__)

COPY_LIMIT = 1_000_000  # copies kept in memory per session: more than a venue's day
SINK_QUEUE_LIMIT = 100_000  # copies waiting for the sink; beyond it they stay in memory only
SINK_BATCH = 1_000  # copies handed to the sink at once
_STOP = object()


@dataclass(frozen=True, slots=True)
class DropCopy:
    venue: VenueId
    participant: str  # the CompID of the session the execution belongs to
    report: ExecutionReport


class FixDropCopyClient(InitiatorSession):
    """Log on to a venue's drop-copy session and collect every execution it copies."""

    def __init__(
        self, config: InitiatorConfig, sink: Callable[[list[DropCopy]], None] | None = None
    ) -> None:
        super().__init__(config, loop=None)
        self._sink = sink
        self._lock = threading.Lock()
        self._copies: list[DropCopy] = []
        self._seen: set[str] = set()
        self._pending: queue.Queue[Any] = queue.Queue(maxsize=SINK_QUEUE_LIMIT)
        self._writer: threading.Thread | None = None

    def start(self) -> None:
        """Start the sink writer, then the session."""
        if self._sink is not None:
            self._writer = threading.Thread(
                target=self._write, name=f"dropcopy-{self.venue_id}", daemon=True
            )
            self._writer.start()
        super().start()

    def stop(self) -> None:
        """Stop the session, then let the writer hand the sink what is left."""
        super().stop()
        if self._writer is not None:
            self._pending.put(_STOP)
            self._writer.join(timeout=10)
            self._writer = None

    def copies(self) -> list[DropCopy]:
        """Return the copies received by this run, in arrival order."""
        with self._lock:
            return list(self._copies)

    def on_app_message(self, message: Any, session_id: Any) -> None:
        fields = codec.read(message)
        if codec.msg_type(fields) != codec.REPORT:
            return
        participant = fields.get(codec.ON_BEHALF_OF, "")
        copy = DropCopy(self.venue_id, participant, codec.decode_report(fields, self.venue_id))
        with self._lock:
            if copy.report.exec_id in self._seen or len(self._copies) >= COPY_LIMIT:
                return
            self._seen.add(copy.report.exec_id)
            self._copies.append(copy)
        if self._writer is not None:
            try:
                self._pending.put_nowait(copy)
            except queue.Full:
                log.error("drop copy %s: sink queue full; %s kept in memory only",
                          self.venue_id, copy.report.exec_id)

    def _write(self) -> None:
        """Hand the sink every copy waiting, as one batch (one transaction, not one per copy)."""
        assert self._sink is not None
        stopping = False
        while not stopping:
            batch: list[DropCopy] = []
            item = self._pending.get()
            while True:
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
                if len(batch) >= SINK_BATCH:
                    break
                try:
                    item = self._pending.get_nowait()
                except queue.Empty:
                    break
            if not batch:
                continue
            try:
                self._sink(batch)
            except Exception:
                log.exception("drop copy %s: sink failed on %d copies from %s", self.venue_id,
                              len(batch), batch[0].report.exec_id)
