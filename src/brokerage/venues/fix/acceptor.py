"""FixVenueServer: put any in-process venue behind a quickfix FIX 4.4 acceptor.

Each configured counterparty session (our CompID -> theirs) is one participant of the venue,
named by the counterparty's CompID. Drop-copy sessions receive a copy of every
ExecutionReport the server sends (CopyMsgIndicator 797=Y, OnBehalfOfCompID 115 = the
participant it belongs to). Any participant may also subscribe to the venue's top of book
and trades (MarketDataRequest 35=V, answered by snapshots 35=W; see `marketdata`).

Threading model:
- quickfix's acceptor thread runs the callbacks. `fromApp` only decodes the message and puts
  it on a bounded inbox; it never touches the venue and never blocks. When the inbox is full
  the order or amendment is refused at once (ExecutionReport 150=8 / OrderCancelReject) with
  the text "venue busy": the overflow policy is "reject newest".
- One worker thread drains the inbox and calls the venue while holding `server.lock`. The
  venue is not thread-safe: whoever else drives it (liquidity agents, the phase timer,
  a market maker's quote loop) must hold the same lock (`with server.lock: ...`).
- The venue reports synchronously, on the thread that holds the lock; the report callbacks
  only queue the report on the server's outbox (`outbox`), whose one sender thread encodes
  and `Session.sendToTarget`s in the order the venue produced them, outside the venue lock.
  A report for a session that is logged out is stored by quickfix and resent when the peer
  logs on again and asks for the gap (sequence numbers persist in the FileStore).
- A resent NewOrderSingle (PossDupFlag 43=Y) whose ClOrdID the venue already knows is
  ignored, so a gap fill never creates a second order.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import quickfix as fix

from brokerage.domain.execution import (
    CancelReject,
    ExecType,
    ExecutionReport,
    NewOrderRequest,
    VenueOrdStatus,
)
from brokerage.domain.ids import ExecId, VenueId, VenueOrderId
from brokerage.venues.fix import codec, marketdata
from brokerage.venues.fix.application import Clock, GuardedApplication, counterparty
from brokerage.venues.fix.outbox import Outbox
from brokerage.venues.fix.settings import BEGIN_STRING, AcceptorConfig, load_settings

log = logging.getLogger(__name__)

INBOX_LIMIT = 10_000
BUSY = "venue busy"
_STOP = object()
_DECODERS: dict[str, Callable[[Any], Any]] = {
    codec.NEW_ORDER: codec.decode_new_order,
    codec.CANCEL: codec.decode_cancel,
    codec.REPLACE: codec.decode_replace,
    codec.STATUS: codec.decode_status_request,
}
_GROUP_DECODERS: dict[str, Callable[[Any], Any]] = {  # they read repeating groups: they get
    # the quickfix message itself, not its flattened `Fields`
    marketdata.MD_REQUEST: marketdata.decode_md_request,
}


@dataclass(frozen=True, slots=True)
class _Work:
    kind: str  # a MsgType: D, F, G, H or V
    participant: str
    session_id: Any
    request: Any
    poss_dup: bool


class FixVenueServer:
    """Serve one venue over FIX 4.4; every configured counterparty is a participant."""

    def __init__(
        self,
        venue: Any,
        config: AcceptorConfig,
        clock: Clock,
        lock: threading.RLock | None = None,
        inbox_limit: int = INBOX_LIMIT,
    ) -> None:
        self.venue = venue
        self.config = config
        self.lock = lock or threading.RLock()
        self._clock = clock
        self._venue_id = VenueId(config.venue_id)
        self._inbox: queue.Queue[Any] = queue.Queue(maxsize=inbox_limit)
        self._sessions = {c: _session_id(config.comp_id, c)
                          for c in config.clients + config.market_data_clients}
        self._drop_copies = [_session_id(config.comp_id, c) for c in config.drop_copy_clients]
        self._logged_on: set[str] = set()
        self._state_lock = threading.Lock()
        self._responding_to = codec.CANCEL  # the amendment being applied (worker, under lock)
        self._market_data = marketdata.MarketDataPublisher(venue)
        self._acceptor: Any = None
        self._worker: threading.Thread | None = None
        self._outbox = Outbox(f"fix-{config.venue_id}-sender")

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Connect every participant to the venue, start the worker, then listen."""
        settings = load_settings(self.config.session_text(), self.config.data_dir)
        with self.lock:
            self._market_data.attach()
            for participant, session_id in self._sessions.items():
                self.venue.connect(
                    participant,
                    self._report_sender(participant, session_id),
                    self._reject_sender(participant, session_id),
                )
        self._outbox.start()
        self._worker = threading.Thread(
            target=self._run, name=f"fix-{self.config.venue_id}-worker", daemon=True
        )
        self._worker.start()
        application = GuardedApplication(self, f"fix acceptor {self.config.venue_id}")
        self._acceptor = fix.ThreadedSocketAcceptor(
            application, fix.FileStoreFactory(settings), settings, fix.FileLogFactory(settings)
        )
        self._acceptor.start()

    def stop(self) -> None:
        """Log every session out, stop listening, then let the worker finish its inbox and
        the sender its outbox."""
        if self._acceptor is not None:
            self._acceptor.stop()
            self._acceptor = None
        if self._worker is not None:
            self._inbox.put(_STOP)
            self._worker.join(timeout=10)
            self._worker = None
        self._outbox.stop()

    def logged_on(self) -> set[str]:
        """Return the CompIDs of the counterparties logged on now."""
        with self._state_lock:
            return set(self._logged_on)

    # -- quickfix callbacks (quickfix's thread; never block) --------------------------------

    def on_logon(self, session_id: Any) -> None:
        with self._state_lock:
            self._logged_on.add(counterparty(session_id))
        log.info("fix %s: %s logged on", self.config.venue_id, counterparty(session_id))

    def on_logout(self, session_id: Any) -> None:
        with self._state_lock:
            self._logged_on.discard(counterparty(session_id))
        self._market_data.drop(session_id)
        log.info("fix %s: %s logged out", self.config.venue_id, counterparty(session_id))

    def on_app_message(self, message: Any, session_id: Any) -> None:
        fields = codec.read(message)  # once: every lookup below is then a dict lookup
        kind = codec.msg_type(fields)
        participant = fields[codec.SENDER_COMP_ID]  # the session's counterparty (checked)
        if participant not in self._sessions:
            self._business_reject(fields, session_id, "3", "drop-copy sessions are read-only")
            return
        try:
            if kind in _DECODERS:
                request = _DECODERS[kind](fields)
            elif kind in _GROUP_DECODERS:
                request = _GROUP_DECODERS[kind](message)
            else:
                self._business_reject(fields, session_id, "3", f"unsupported message type {kind}")
                return
        except codec.CodecError as exc:
            self._business_reject(fields, session_id, "0", str(exc))
            return
        work = _Work(kind, participant, session_id, request, codec.is_poss_dup(fields))
        try:
            self._inbox.put_nowait(work)
        except queue.Full:
            self._refuse(work, BUSY)

    # -- the worker (owns the venue while it holds the lock) --------------------------------

    def _run(self) -> None:
        while True:
            work = self._inbox.get()
            if work is _STOP:
                return
            try:
                with self.lock:
                    self._apply(work)
            except Exception:
                log.exception("fix %s: %s from %s failed", self.config.venue_id, work.kind,
                              work.participant)

    def _apply(self, work: _Work) -> None:
        venue, participant, request = self.venue, work.participant, work.request
        if work.kind == codec.NEW_ORDER:
            if work.poss_dup and venue.order_status(participant, request.cl_ord_id) is not None:
                return  # a resend of an order we already have
            venue.submit(participant, request)
        elif work.kind == codec.STATUS:
            self._answer_status(work)
        elif work.kind == marketdata.MD_REQUEST:
            self._market_data.subscribe(work.session_id, request)
        else:
            self._responding_to = work.kind
            if work.kind == codec.CANCEL:
                venue.cancel(participant, request)
            else:
                venue.replace(participant, request)

    def _answer_status(self, work: _Work) -> None:
        cl_ord_id, symbol, side = work.request
        report = self.venue.order_status(work.participant, cl_ord_id)
        if report is None:
            report = ExecutionReport(
                self._venue_id, ExecId("NONE"), ExecType.REJECTED, VenueOrdStatus.REJECTED,
                cl_ord_id, None, VenueOrderId("NONE"), symbol, side, Decimal(0), Decimal(0),
                Decimal(0), Decimal(0), Decimal(0), self._clock.now(), "unknown order",
            )  # fmt: skip
        answer = codec.encode_report(report, status_response=True)
        self._outbox.put(lambda: _send(answer, work.session_id))  # after the reports before it

    # -- output (whichever thread holds the venue lock queues; the sender thread sends) -----

    def _report_sender(
        self, participant: str, session_id: Any
    ) -> Callable[[ExecutionReport], None]:
        def send(report: ExecutionReport) -> None:
            try:
                fields = codec.report_fields(report)
                _send(codec.compose(codec.REPORT, fields), session_id)
                for drop_copy in self._drop_copies:
                    _send(codec.encode_drop_copy(fields, participant), drop_copy)
            except Exception:
                log.exception("fix %s: report %s to %s not sent", self.config.venue_id,
                              report.exec_id, participant)

        def queue(report: ExecutionReport) -> None:  # the venue is mid-update: never raise
            self._outbox.put(lambda: send(report))

        return queue

    def _reject_sender(self, participant: str, session_id: Any) -> Callable[[CancelReject], None]:
        def send(reject: CancelReject) -> None:
            try:  # what the venue knows now, under its lock; the sender encodes and sends
                known = self.venue.order_status(participant, reject.orig_cl_ord_id)
                order_id = "NONE" if known is None else known.venue_order_id
                status = VenueOrdStatus.REJECTED if known is None else known.ord_status
                responding_to = self._responding_to
            except Exception:
                log.exception("fix %s: cancel reject to %s not sent", self.config.venue_id,
                              participant)
                return
            self._outbox.put(lambda: _send(codec.encode_cancel_reject(
                reject, responding_to, order_id, status), session_id))

        return send

    def _refuse(self, work: _Work, text: str) -> None:
        """Refuse a request without the venue (inbox full): report it rejected."""
        now = self._clock.now()
        request = work.request
        if work.kind == codec.NEW_ORDER:
            _send(codec.encode_report(_rejected(self._venue_id, request, text, now)),
                  work.session_id)
        elif work.kind in (codec.CANCEL, codec.REPLACE):
            reject = CancelReject(self._venue_id, request.cl_ord_id, request.orig_cl_ord_id,
                                  text, now)
            _send(codec.encode_cancel_reject(reject, work.kind), work.session_id)
        else:
            log.warning("fix %s: status request dropped: %s", self.config.venue_id, text)

    def _business_reject(self, message: Any, session_id: Any, reason: str, text: str) -> None:
        reply = codec.encode_business_reject(
            codec.msg_type(message), codec.seq_num(message),
            codec.field_or_empty(message, codec.CL_ORD_ID), reason, text,
        )  # fmt: skip
        _send(reply, session_id)


def _rejected(venue: VenueId, request: NewOrderRequest, text: str, now: Any) -> ExecutionReport:
    return ExecutionReport(
        venue, ExecId(f"{venue}-R{uuid.uuid4().hex}"), ExecType.REJECTED,
        VenueOrdStatus.REJECTED, request.cl_ord_id, None, VenueOrderId("NONE"), request.symbol,
        request.side, Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0), now, text,
    )  # fmt: skip


def _session_id(sender: str, target: str) -> Any:
    return fix.SessionID(BEGIN_STRING, sender, target)


def _send(message: Any, session_id: Any) -> None:
    if not fix.Session.sendToTarget(message, session_id):
        log.error("fix: no session %s; message dropped", session_id.toString())
