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
  venue nobody can reach: the router fails over;
- keeps a booked-through mark beside its store and, at start, asks the venue again for what
  came after it (`recovery`: a report consumed here but never committed by the OMS is not
  lost to a crash).
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
from brokerage.venues.fix.recovery import BookedMark, resume_from_mark
from brokerage.venues.fix.session import InitiatorSession
from brokerage.venues.fix.settings import BEGIN_STRING, InitiatorConfig

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
        booked_mark: bool = False,
    ) -> None:
        """`booked_mark`: keep a booked-through mark (whoever books the reports advances it
        with `save_booked_mark`) and resume from it at start; see `recovery`."""
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
        self._mark: BookedMark | None = None
        if booked_mark:
            self._mark = BookedMark(config.data_dir / "store" / (
                f"{BEGIN_STRING}-{config.sender_comp_id}-{config.target_comp_id}.booked"))
        self._processed = 0  # MsgSeqNum of the last application message handed over
        self._stalled = False  # a hand-over failed: _processed stays before it
        self._booked = 0  # the mark on disk

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

    def _before_logon(self, session: Any) -> None:
        if self._mark is not None:
            self._booked = self._processed = resume_from_mark(session, self._mark)

    def processed_through(self) -> int:
        """Return the MsgSeqNum of the last application message handed over to the loop's
        callbacks, all before it too (read it on the loop)."""
        return self._processed

    def booked_through(self) -> int:
        """Return the booked-through mark last saved."""
        return self._booked

    def save_booked_mark(self, seq: int) -> None:
        """Record that every application message up to `seq` is booked (see `recovery`)."""
        if self._mark is None:
            raise RuntimeError(f"{self.venue_id}: this client keeps no booked mark")
        self._mark.save(seq)
        self._booked = seq

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
        fields = codec.read(message)  # once: every lookup below is then a dict lookup
        handed: tuple[Callable[[Any], None] | None, Any] = (None, None)
        try:
            kind = codec.msg_type(fields)
            if kind == codec.REPORT:
                handed = self._on_execution_report(fields)
            elif kind == codec.CANCEL_REJECT:
                handed = (self._on_cancel_reject or self._on_report,
                          codec.decode_cancel_reject(fields, self.venue_id))
            else:
                log.warning("fix client %s: %s", self.venue_id,
                            message.toString().replace("\x01", "|"))
        finally:  # even a message that is not handed over (a duplicate, a status answer, one
            # that does not decode) takes its place in line: the checkpoint may then pass it
            self._call(self._deliver, *handed, codec.seq_num(fields))

    def _on_execution_report(
        self, message: codec.Fields
    ) -> tuple[Callable[[Any], None] | None, Any]:
        report = codec.decode_report(message, self.venue_id)
        if codec.field_or_empty(message, codec.EXEC_TYPE) == codec.ORDER_STATUS_EXEC_TYPE:
            self._answer(report)
            return None, None
        with self._lock:
            if report.exec_id in self._seen:
                return None, None  # a resend of a report already delivered
            self._seen[report.exec_id] = None
            if len(self._seen) > EXEC_ID_MEMORY:
                self._seen.popitem(last=False)
            self._seq += 1
            self._history.append((self._seq, report))
            self._keep_latest(report)
        return self._on_report, report

    def _deliver(self, callback: Callable[[Any], None] | None, item: Any, seq: int) -> None:
        """Hand a report over (on the loop, in arrival order), then count its MsgSeqNum.

        A callback that raises stops the count for good: the report may be lost, so the
        booked mark must never pass it (a restart asks for it again).
        """
        try:
            if callback is not None:
                callback(item)
            elif item is not None:
                log.error("fix client %s: nobody to hand %s to", self.venue_id, item)
        except Exception:
            self._stalled = True
            log.exception("fix client %s: handing over %s failed", self.venue_id, item)
        if not self._stalled:
            self._processed = seq

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

