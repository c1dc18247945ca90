"""FixVenueClient: a venue reached over a FIX 4.4 session, behind our `Venue` port.

The OMS and the router use it exactly like an in-process venue. quickfix runs the session
(logon, heartbeats, test requests, resend requests, FileStore-persisted sequence numbers:
a restart resumes, the venue gap-fills what we missed) on its own thread; this class:

- decodes each ExecutionReport on that thread, drops it if its ExecID was seen before (a
  resend, or `known_exec_ids` given at start from what the OMS already booked), keeps it for
  `executions()` and `order_status()`, then hands it to the asyncio loop with
  `loop.call_soon_threadsafe` (or calls the callback directly when no loop is given);
- tells listeners about logon and logout (`add_session_listener`) so a circuit breaker
  sees a dropped session; `is_logged_on` says the same synchronously;
- refuses to send while logged out (`VenueSessionDown`) instead of queueing an order to a
  venue nobody can reach: the router fails over.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import quickfix as fix

from brokerage.domain.execution import (
    CancelReject,
    CancelRequest,
    ExecutionReport,
    NewOrderRequest,
    ReplaceRequest,
)
from brokerage.domain.ids import Symbol
from brokerage.domain.orders.types import Side
from brokerage.venues.fix import codec
from brokerage.venues.fix.session import InitiatorSession
from brokerage.venues.fix.settings import InitiatorConfig

log = logging.getLogger(__name__)

EXEC_ID_MEMORY = 200_000  # ExecIDs remembered for de-duplication; the oldest are forgotten
HISTORY_LIMIT = 100_000  # reports kept for executions() and order_status()
STATUS_TIMEOUT_S = 2.0
UNKNOWN_SYMBOL = "[N/A]"  # OrderStatusRequest needs a symbol; the venue looks up by ClOrdID


class VenueSessionDown(ConnectionError):
    """The FIX session to the venue is not logged on: nothing was sent."""


@dataclass
class _StatusWaiter:
    done: threading.Event = field(default_factory=threading.Event)
    report: ExecutionReport | None = None


class FixVenueClient(InitiatorSession):
    """One FIX session to one venue; implements the `Venue` port."""

    def __init__(
        self,
        config: InitiatorConfig,
        loop: asyncio.AbstractEventLoop | None = None,
        known_exec_ids: Iterable[str] = (),
        status_timeout_s: float = STATUS_TIMEOUT_S,
    ) -> None:
        super().__init__(config, loop)
        self._status_timeout_s = status_timeout_s
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, None] = OrderedDict.fromkeys(known_exec_ids)
        self._history: deque[tuple[int, ExecutionReport]] = deque(maxlen=HISTORY_LIMIT)
        self._latest: OrderedDict[str, ExecutionReport] = OrderedDict()
        self._sent: OrderedDict[str, tuple[str, Side]] = OrderedDict()
        self._waiters: dict[str, _StatusWaiter] = {}
        self._seq = 0
        self._on_report: Callable[[ExecutionReport], None] | None = None
        self._on_cancel_reject: Callable[[CancelReject], None] | None = None

    def connect(
        self,
        participant_id: str,
        on_report: Callable[[ExecutionReport], None],
        on_cancel_reject: Callable[[CancelReject], None] | None = None,
    ) -> None:
        """Register the callbacks; the session's CompIDs, not `participant_id`, identify us."""
        self._on_report = on_report
        self._on_cancel_reject = on_cancel_reject

    def start(self) -> None:
        """Start the session (after connect()); it logs on in the background."""
        if self._on_report is None:
            raise RuntimeError("connect() before start(): reports need somewhere to go")
        super().start()

    def is_up(self) -> bool:
        """Tell the router whether the venue can be reached (the session is logged on)."""
        return self.is_logged_on

    # -- the Venue port --------------------------------------------------------------------

    def submit(self, participant_id: str, request: NewOrderRequest) -> None:
        """Send a NewOrderSingle (35=D)."""
        self._remember(request.cl_ord_id, request.symbol, request.side)
        self._send(codec.encode_new_order(request))

    def cancel(self, participant_id: str, request: CancelRequest) -> None:
        """Send an OrderCancelRequest (35=F)."""
        self._remember(request.cl_ord_id, request.symbol, request.side)
        self._send(codec.encode_cancel(request))

    def replace(self, participant_id: str, request: ReplaceRequest) -> None:
        """Send an OrderCancelReplaceRequest (35=G)."""
        self._remember(request.cl_ord_id, request.symbol, request.side)
        self._send(codec.encode_replace(request))

    def order_status(self, participant_id: str, cl_ord_id: str) -> ExecutionReport | None:
        """Return the order's latest report: from memory, else ask the venue (35=H).

        Asking blocks the caller up to the status timeout (recovery only); raises
        VenueSessionDown when the session is not logged on within it.
        """
        with self._lock:
            known = self._latest.get(cl_ord_id)
            symbol, side = self._sent.get(cl_ord_id, (UNKNOWN_SYMBOL, Side.BUY))
        if known is not None:
            return known
        if not self._logged_on.wait(self._status_timeout_s):
            raise VenueSessionDown(f"{self.venue_id}: not logged on")
        with self._lock:
            waiter = self._waiters.setdefault(cl_ord_id, _StatusWaiter())
        self._send(codec.encode_status_request(cl_ord_id, symbol, side))
        answered = waiter.done.wait(self._status_timeout_s)
        with self._lock:
            self._waiters.pop(cl_ord_id, None)
        if not answered:
            raise TimeoutError(f"{self.venue_id}: no answer to a status request")
        return waiter.report

    def executions(self, participant_id: str, since_seq: int = 0) -> list[ExecutionReport]:
        """Return the reports received this run whose arrival number exceeds since_seq."""
        with self._lock:
            return [report for seq, report in self._history if seq > since_seq]

    # -- quickfix callbacks (quickfix's thread; never block) --------------------------------

    def on_app_message(self, message: Any, session_id: Any) -> None:
        kind = codec.msg_type(message)
        if kind == codec.REPORT:
            self._on_execution_report(message)
        elif kind == codec.CANCEL_REJECT:
            reject = codec.decode_cancel_reject(message, self.venue_id)
            self._deliver(self._on_cancel_reject or self._on_report, reject)
        else:
            log.warning("fix client %s: %s", self.venue_id, message.toString().replace("\x01", "|"))

    def _on_execution_report(self, message: Any) -> None:
        report = codec.decode_report(message, self.venue_id)
        if codec.field_or_empty(message, codec.EXEC_TYPE) == codec.ORDER_STATUS_EXEC_TYPE:
            self._answer(report)
            return
        with self._lock:
            if report.exec_id in self._seen:
                return  # a resend of a report already delivered
            self._seen[report.exec_id] = None
            if len(self._seen) > EXEC_ID_MEMORY:
                self._seen.popitem(last=False)
            self._seq += 1
            self._history.append((self._seq, report))
            self._keep_latest(report)
        self._deliver(self._on_report, report)

    # -- internals -------------------------------------------------------------------------

    def _answer(self, report: ExecutionReport) -> None:
        found = None if report.venue_order_id == "NONE" else report
        with self._lock:
            if found is not None:
                self._keep_latest(found)
            waiter = self._waiters.get(report.cl_ord_id)
        if waiter is not None:
            waiter.report = found
            waiter.done.set()

    def _keep_latest(self, report: ExecutionReport) -> None:
        """Index the report by its ClOrdID and OrigClOrdID (caller holds the lock)."""
        for key in (report.cl_ord_id, report.orig_cl_ord_id):
            if key:
                self._latest[key] = report
                self._latest.move_to_end(key)
        while len(self._latest) > HISTORY_LIMIT:
            self._latest.popitem(last=False)

    def _remember(self, cl_ord_id: str, symbol: Symbol, side: Side) -> None:
        with self._lock:
            self._sent[cl_ord_id] = (symbol, side)
            while len(self._sent) > HISTORY_LIMIT:
                self._sent.popitem(last=False)

    def _send(self, message: Any) -> None:
        if not self._logged_on.is_set():
            raise VenueSessionDown(f"{self.venue_id}: FIX session is not logged on")
        if not fix.Session.sendToTarget(message, self.session_id):
            raise VenueSessionDown(f"{self.venue_id}: no FIX session {self.session_id}")

    def _deliver(self, callback: Callable[[Any], None] | None, item: Any) -> None:
        if callback is None:
            log.error("fix client %s: nobody to hand %s to", self.venue_id, item)
            return
        self._call(callback, item)
