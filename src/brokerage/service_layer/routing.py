"""The smart order router: a `Venue` in front of several venues, with best-execution evidence.

The OMS keeps calling submit/cancel/replace on one venue; this router picks the real one per
order. For each new order it snapshots the NBBO, scores every venue (`domain.routing`: price
with expected improvement, then fill rate, then rebate, then capacity), records the snapshot,
the scores and the decision durably, and only then sends. Cancels and replaces go to the venue
that holds the order (ClOrdID -> route; a replace maps its new ClOrdID to the same route).

Each venue has a circuit breaker (`domain.breaker`) fed by venue-side rejects, ack timeouts
(no answer within `ack_timeout` of the injected clock) and session drops (the venue's `is_up`
hook). A venue-side reject fails the order over to the next venue; a customer-side reject goes
back to the OMS. When no venue can take an order because venues are down, it is parked (the
OMS is told PENDING_NEW, text "parked") and leaves the park queue when a venue returns.

Reports pass through unchanged: the OMS books them and deduplicates them by ExecID. Call every
method from the event loop thread (venue clients hand their callbacks over to it).
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from brokerage.domain.breaker import BreakerState, CircuitBreaker
from brokerage.domain.execution import (
    CancelReject,
    CancelRequest,
    ExecType,
    ExecutionReport,
    NewOrderRequest,
    ReplaceRequest,
    TopOfBook,
    TradePrint,
    VenueOrdStatus,
)
from brokerage.domain.ids import ExecId, Symbol, VenueId
from brokerage.domain.routing import (
    Decision,
    Ineligible,
    VenueProfile,
    decide,
    is_venue_side_reject,
)
from brokerage.service_layer.routing_records import (
    ACKED,
    DONE,
    PARKED,
    RECORDING,
    SENT,
    ParkQueue,
    Route,
    as_new,
    decision_row,
    nbbo_of,
    own_report,
    replace_row,
    to_route,
)

log = logging.getLogger(__name__)
ROUTER_ID = VenueId("SOR")
PARKED_TEXT = "parked"
_TERMINAL = frozenset({VenueOrdStatus.FILLED, VenueOrdStatus.CANCELED, VenueOrdStatus.EXPIRED,
                       VenueOrdStatus.REJECTED})
_COMES_BACK = frozenset({Ineligible.BREAKER_OPEN.value, Ineligible.SESSION_DOWN.value})
DONE_ROUTES_KEPT = 100_000  # finished routes remembered for late reports, oldest forgotten


class SmartOrderRouter:
    """Route each order to the best venue; fail over, break circuits, park and drain."""

    def __init__(self, venues: list[Any], profiles: list[VenueProfile], market: Any, clock: Any,
                 scheduler: Any, recorder: Any, ids: Callable[[], str],
                 ack_timeout: timedelta = timedelta(seconds=5),
                 breaker: Callable[[], CircuitBreaker] = CircuitBreaker,
                 park_retry: timedelta = timedelta(seconds=1), park_limit: int = 10_000,
                 venue_id: VenueId = ROUTER_ID) -> None:
        self.venue_id = venue_id
        self.venues: dict[VenueId, Any] = {VenueId(v.venue_id): v for v in venues}
        self.profiles = profiles
        self.breakers = {VenueId(v.venue_id): breaker() for v in venues}
        self.recorder = recorder
        self._market, self._clock, self._scheduler, self._ids = market, clock, scheduler, ids
        self._ack_timeout, self._park_retry = ack_timeout, park_retry
        self.parked = ParkQueue(park_limit)
        self._routes: dict[str, Route] = {}
        self._done: list[Route] = []
        self._retry_armed = False
        self._participant = ""
        self._on_report: Callable[[ExecutionReport], None] = lambda r: None
        self._on_cancel_reject: Callable[[CancelReject], None] | None = None

    # -- Venue protocol -------------------------------------------------------------------

    def connect(self, participant_id: str, on_report: Callable[[ExecutionReport], None],
                on_cancel_reject: Callable[[CancelReject], None] | None = None) -> None:
        """Connect upstream (the OMS) and connect to every venue as the same participant."""
        self._participant = participant_id
        self._on_report, self._on_cancel_reject = on_report, on_cancel_reject
        for venue_id, venue in self.venues.items():
            venue.connect(participant_id,
                          lambda r, v=venue_id: self._from_venue(v, r),
                          lambda r, v=venue_id: self._reject_from_venue(v, r))

    def submit(self, participant_id: str, request: NewOrderRequest) -> None:
        """Choose a venue, record why, then send (or park when every venue is down)."""
        route = Route(request)
        self._map(request.cl_ord_id, route)
        self._dispatch(route, "new")

    def cancel(self, participant_id: str, request: CancelRequest) -> None:
        """Cancel where the order is: in the park queue, in flight, or at its venue."""
        route = self._routes.get(request.orig_cl_ord_id)
        if route is None:
            self._cancel_unknown(request)
        elif route.state == PARKED:
            self.parked.remove(route)
            self._finish_here(route, ExecType.CANCELED, VenueOrdStatus.CANCELED,
                              "canceled while parked")
        elif route.state == RECORDING:
            route.pending_cancel = request  # sent right after the record: cancel it there
        elif route.venue_id is not None:
            self._map(request.cl_ord_id, route)
            self._amend(route.venue_id, request, self.venues[route.venue_id].cancel)

    def replace(self, participant_id: str, request: ReplaceRequest) -> None:
        """Replace at the venue that holds the order; the new ClOrdID maps to the same venue."""
        route = self._routes.get(request.orig_cl_ord_id)
        venue_id = route.venue_id if route is not None else self._find_holder(
            request.orig_cl_ord_id)
        if venue_id is None or (route is not None and route.state in (PARKED, RECORDING)):
            self._refuse_amend(request, "the order is not at a venue yet (parked or routing)")
            return
        if route is None:
            route = Route(as_new(request), venue_id, ACKED)
        self._map(request.cl_ord_id, route)
        base = decision_row("", "replace", as_new(request), nbbo_of(self._market, request.symbol),
                            Decision(venue_id, ()), "", self._clock.now())
        row = replace_row(self._ids(), request.cl_ord_id, request.orig_cl_ord_id, venue_id,
                          self._clock.now(), base)
        self._amend(venue_id, request, self.venues[venue_id].replace)
        self.recorder.record(request.cl_ord_id, [row], lambda: None)

    def order_status(self, participant_id: str, cl_ord_id: str) -> ExecutionReport | None:
        """Ask the venue holding the order (or every venue, after a restart)."""
        route = self._routes.get(cl_ord_id)
        if route is not None and route.venue_id is not None:
            found: ExecutionReport | None = self.venues[route.venue_id].order_status(
                participant_id, cl_ord_id)
            return found
        if route is not None:
            return None
        failure: Exception | None = None
        for venue in self.venues.values():
            try:
                found = venue.order_status(participant_id, cl_ord_id)
            except Exception as exc:  # unreachable: another venue may still know the order
                failure = exc
                continue
            if found is not None:
                return found
        if failure is not None:
            raise failure  # nobody that answered knows it, and one venue could not answer
        return None

    def executions(self, participant_id: str, since_seq: int = 0) -> list[ExecutionReport]:
        """Return every venue's reports to the participant (recovery replays them)."""
        return [r for venue in self.venues.values()
                for r in venue.executions(participant_id, since_seq)]

    # -- market data and phases (the router stands in for the exchange when wired alone) ----

    def top_of_book(self, symbol: Symbol) -> TopOfBook | None:
        return self._market.top_of_book(symbol)  # type: ignore[no-any-return]

    def last_trade(self, symbol: Symbol) -> TradePrint | None:
        return self._market.last_trade(symbol)  # type: ignore[no-any-return]

    def add_trade_listener(self, listener: Callable[[TradePrint], None]) -> None:
        if hasattr(self._market, "add_trade_listener"):
            self._market.add_trade_listener(listener)

    def set_phase(self, phase: Any, now: Any) -> None:
        for venue in self.venues.values():
            if hasattr(venue, "set_phase"):
                venue.set_phase(phase, now)

    # -- health ---------------------------------------------------------------------------

    def restore(self, request: NewOrderRequest, venue_id: VenueId) -> None:
        """Remember, after a restart, that a venue holds an order (from the stored decisions)."""
        if venue_id in self.venues and request.cl_ord_id not in self._routes:
            self._map(request.cl_ord_id, Route(request, venue_id, ACKED))

    def holder_of(self, cl_ord_id: str) -> VenueId | None:
        route = self._routes.get(cl_ord_id)
        return None if route is None else route.venue_id

    def venue_state_changed(self) -> None:
        """Look again at the venues (a FIX session logged on) and drain what is parked."""
        self._drain()

    def breaker_states(self) -> dict[str, str]:
        return {v: b.state.value for v, b in self.breakers.items()}

    def _blocked(self, tried: set[VenueId]) -> dict[VenueId, str]:
        now = self._clock.now()
        blocked: dict[VenueId, str] = {}
        for venue_id, venue in self.venues.items():
            breaker = self.breakers[venue_id]
            is_up = getattr(venue, "is_up", None)
            if venue_id in tried:
                blocked[venue_id] = Ineligible.ALREADY_TRIED
            elif callable(is_up) and not is_up():
                if breaker.state is not BreakerState.OPEN:
                    breaker.trip(now, "session down")
                blocked[venue_id] = Ineligible.SESSION_DOWN
            elif not breaker.allows(now):
                blocked[venue_id] = Ineligible.BREAKER_OPEN
        return blocked

    # -- routing --------------------------------------------------------------------------

    def _dispatch(self, route: Route, kind: str) -> None:
        request = route.request
        nbbo = nbbo_of(self._market, request.symbol)
        decision = decide(to_route(request), nbbo, self.profiles, self._blocked(route.tried))
        now = self._clock.now()
        route.attempt += 1
        attempt = route.attempt
        if decision.venue_id is not None:
            route.venue_id, route.state = decision.venue_id, RECORDING
            self.breakers[decision.venue_id].sent()
            row = decision_row(self._ids(), kind, request, nbbo, decision, "routed", now)
            self.recorder.record(request.cl_ord_id, [row], lambda: self._send(route, attempt))
            return
        waits = any(c.reason in _COMES_BACK for c in decision.candidates)
        if waits and self.parked.add(route):
            route.venue_id, route.state = None, PARKED
            row = decision_row(self._ids(), kind, request, nbbo, decision, "parked", now)
            self.recorder.record(request.cl_ord_id, [row], lambda: self._tell_parked(route))
            self._arm_retry()
            return
        reasons = ", ".join(sorted({c.reason for c in decision.candidates})) or "no venues"
        row = decision_row(self._ids(), kind, request, nbbo, decision, "rejected", now)
        self.recorder.record(request.cl_ord_id, [row], lambda: self._finish_here(
            route, ExecType.REJECTED, VenueOrdStatus.REJECTED, f"no venue can take it: {reasons}"))

    def _send(self, route: Route, attempt: int) -> None:
        if route.attempt != attempt or route.venue_id is None:
            return
        if route.pending_cancel is not None:  # canceled before it ever left
            self._finish_here(route, ExecType.CANCELED, VenueOrdStatus.CANCELED, "canceled")
            return
        route.state, route.sent_at = SENT, self._clock.now()
        venue_id = route.venue_id
        self._scheduler.call_at(route.sent_at + self._ack_timeout,
                                lambda: self._check_ack(route, attempt, venue_id))
        try:
            self.venues[venue_id].submit(self._participant, route.request)
        except Exception as exc:  # the session is down (a FIX client refuses to send)
            log.warning("could not send %s to %s: %s", route.request.cl_ord_id, venue_id, exc)
            self.breakers[venue_id].trip(self._clock.now(), f"send failed: {exc}")
            if not self._fail_over(route):
                self._finish_here(route, ExecType.REJECTED, VenueOrdStatus.REJECTED,
                                  f"{venue_id} unreachable and no other venue can take it")

    def _check_ack(self, route: Route, attempt: int, venue_id: VenueId) -> None:
        if route.attempt == attempt and route.state == SENT and route.venue_id == venue_id:
            seconds = self._ack_timeout.total_seconds()
            log.warning("no ack from %s within %ss for %s", venue_id, seconds,
                        route.request.cl_ord_id)
            self.breakers[venue_id].record_failure(self._clock.now(), f"no ack in {seconds}s")

    # -- reports from venues ----------------------------------------------------------------

    def _from_venue(self, venue_id: VenueId, report: ExecutionReport) -> None:
        route = self._routes.get(report.cl_ord_id)
        if route is None:
            self._on_report(report)
            return
        is_new_reject = (report.exec_type is ExecType.REJECTED and route.state == SENT
                         and route.venue_id == venue_id
                         and report.cl_ord_id == route.request.cl_ord_id)
        if is_new_reject and is_venue_side_reject(report.text):
            self.breakers[venue_id].record_failure(self._clock.now(), report.text)
            route.tried.add(venue_id)
            if self._fail_over(route):
                return
        elif route.venue_id == venue_id and route.state in (SENT, ACKED):
            route.state = ACKED
            self._healthy(venue_id)
        if report.ord_status in _TERMINAL and report.exec_type is not ExecType.REPLACED:
            self._retire(route)
        self._on_report(report)

    def _fail_over(self, route: Route) -> bool:
        """Send the order to the next venue (or park it); False when nowhere is left."""
        request = route.request
        decision = decide(to_route(request), nbbo_of(self._market, request.symbol),
                          self.profiles, self._blocked(route.tried))
        if decision.venue_id is None and not any(
                c.reason in _COMES_BACK for c in decision.candidates):
            return False
        self._dispatch(route, "failover")
        return True

    def _reject_from_venue(self, venue_id: VenueId, reject: CancelReject) -> None:
        self._healthy(venue_id)
        if self._on_cancel_reject is not None:
            self._on_cancel_reject(reject)

    def _healthy(self, venue_id: VenueId) -> None:
        breaker = self.breakers[venue_id]
        if breaker.state is BreakerState.CLOSED and not breaker.failures:
            return  # the common case: nothing to reset
        was_closed = breaker.state is BreakerState.CLOSED
        breaker.record_success(self._clock.now())
        if not was_closed and breaker.state is BreakerState.CLOSED and len(self.parked):
            self._drain()

    # -- the park queue ---------------------------------------------------------------------

    def _arm_retry(self) -> None:
        if self._retry_armed:
            return
        self._retry_armed = True
        now = self._clock.now()
        reopen = [b.reopens_at() for b in self.breakers.values()]
        soonest = min([now + self._park_retry, *[t for t in reopen if t is not None]])
        self._scheduler.call_at(max(soonest, now + timedelta(microseconds=1)), self._retry)

    def _retry(self) -> None:
        self._retry_armed = False
        self._drain()

    def _drain(self) -> None:
        """Route what is parked, oldest first; what still finds no venue parks again."""
        for route in self.parked.take_all():
            if route.pending_cancel is None:
                route.state = RECORDING
                self._dispatch(route, "drain")
        if len(self.parked):
            self._arm_retry()

    # -- answers the router gives itself ----------------------------------------------------

    def _tell_parked(self, route: Route) -> None:
        if route.state == PARKED:
            self._emit(route, ExecType.PENDING_NEW, VenueOrdStatus.PENDING_NEW, PARKED_TEXT)

    def _finish_here(self, route: Route, exec_type: ExecType, status: VenueOrdStatus,
                     text: str) -> None:
        self._retire(route)
        self._emit(route, exec_type, status, text)

    def _emit(self, route: Route, exec_type: ExecType, status: VenueOrdStatus, text: str) -> None:
        exec_id = ExecId(f"{self.venue_id}-{self._ids()}")
        self._on_report(own_report(self.venue_id, exec_id, route.request, exec_type, status,
                                   text, self._clock.now()))

    def _refuse_amend(self, request: ReplaceRequest, text: str) -> None:
        if self._on_cancel_reject is not None:
            self._on_cancel_reject(CancelReject(self.venue_id, request.cl_ord_id,
                                                request.orig_cl_ord_id, text, self._clock.now()))

    def _cancel_unknown(self, request: CancelRequest) -> None:
        venue_id = self._find_holder(request.orig_cl_ord_id)
        if venue_id is not None:
            self.venues[venue_id].cancel(self._participant, request)
        elif self._on_cancel_reject is not None:
            self._on_cancel_reject(CancelReject(self.venue_id, request.cl_ord_id,
                                                request.orig_cl_ord_id, "unknown order",
                                                self._clock.now()))

    def _find_holder(self, cl_ord_id: str) -> VenueId | None:
        for venue_id, venue in self.venues.items():
            try:
                if venue.order_status(self._participant, cl_ord_id) is not None:
                    return venue_id
            except Exception:
                log.warning("%s could not say whether it holds %s", venue_id, cl_ord_id)
        return None

    def _amend(self, venue_id: VenueId, request: CancelRequest | ReplaceRequest,
               send: Callable[[str, Any], None]) -> None:
        """Send a cancel or replace; an unreachable venue refuses it (the order stays)."""
        try:
            send(self._participant, request)
        except Exception as exc:
            self.breakers[venue_id].trip(self._clock.now(), f"send failed: {exc}")
            if self._on_cancel_reject is not None:
                self._on_cancel_reject(CancelReject(
                    self.venue_id, request.cl_ord_id, request.orig_cl_ord_id,
                    f"{venue_id} unreachable: {exc}", self._clock.now()))

    def _map(self, cl_ord_id: str, route: Route) -> None:
        self._routes[cl_ord_id] = route
        route.keys.append(cl_ord_id)

    def _retire(self, route: Route) -> None:
        """Remember a finished route for late reports; forget the oldest beyond the limit."""
        if route.state == DONE:
            return
        route.state = DONE
        self._done.append(route)
        if len(self._done) > 2 * DONE_ROUTES_KEPT:
            for old in self._done[:DONE_ROUTES_KEPT]:
                for cl_ord_id in old.keys:
                    self._routes.pop(cl_ord_id, None)
            self._done = self._done[DONE_ROUTES_KEPT:]

