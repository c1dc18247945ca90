"""What the smart order router keeps: per-order routes, the park queue, and decision rows.

A decision row is the best-execution evidence of one routing step: the NBBO snapshot at the
decision, every candidate's score and the outcome. Rows go through a `RoutingRecorder`, which
makes them durable before the order is sent (`PartitionRecorder`: in the owning partition's
next group commit, off the event loop thread) so a crash right after sending loses nothing.
"""

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from brokerage.domain.execution import (
    CancelRequest,
    ExecType,
    ExecutionReport,
    NewOrderRequest,
    ReplaceRequest,
    VenueOrdStatus,
)
from brokerage.domain.ids import ExecId, Symbol, VenueId, VenueOrderId
from brokerage.domain.orders.types import OrderType
from brokerage.domain.routing import CandidateScore, Decision, Nbbo, OrderToRoute

log = logging.getLogger(__name__)

RECORDING, SENT, ACKED, PARKED, DONE = "recording", "sent", "acked", "parked", "done"


@dataclass(eq=False)
class Route:
    """The router's record of one customer order across its versions and venues."""

    request: NewOrderRequest
    venue_id: VenueId | None = None
    state: str = RECORDING
    tried: set[VenueId] = field(default_factory=set)
    attempt: int = 0
    pending_cancel: CancelRequest | None = None
    sent_at: datetime | None = None
    keys: list[str] = field(default_factory=list)  # every ClOrdID that maps to this route


class ParkQueue:
    """Orders waiting for a venue to come back, oldest first; bounded (overflow is refused)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._routes: deque[Route] = deque()

    def add(self, route: Route) -> bool:
        """Park a route; False when the queue is full (the caller rejects the order)."""
        if len(self._routes) >= self.limit:
            return False
        self._routes.append(route)
        return True

    def remove(self, route: Route) -> None:
        if route in self._routes:
            self._routes.remove(route)

    def take_all(self) -> list[Route]:
        taken, self._routes = list(self._routes), deque()
        return taken

    def __len__(self) -> int:
        return len(self._routes)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def candidate_doc(c: CandidateScore) -> dict[str, Any]:
    return {"venue": c.venue_id, "eligible": c.eligible, "reason": c.reason,
            "expected_price": _s(c.expected_price), "fill_rate": str(c.fill_rate),
            "rebate_per_share": str(c.rebate_per_share), "capacity": _s(c.capacity)}


def decision_row(row_id: str, kind: str, request: NewOrderRequest, nbbo: Nbbo,
                 decision: Decision, outcome: str, ts: datetime) -> dict[str, Any]:
    """Build one `routing_decisions` row."""
    return {
        "id": row_id, "order_id": request.cl_ord_id, "kind": kind, "ts": ts,
        "symbol": request.symbol, "side": request.side.value,
        "order_type": request.order_type.value, "quantity": request.quantity,
        "limit_price": request.limit_price, "nbbo_bid": nbbo.bid, "nbbo_bid_size": nbbo.bid_size,
        "nbbo_ask": nbbo.ask, "nbbo_ask_size": nbbo.ask_size, "venue": decision.venue_id,
        "outcome": outcome,
        "candidates": orjson.dumps([candidate_doc(c) for c in decision.candidates]).decode(),
    }


def replace_row(row_id: str, request_id: str, orig_id: str, venue: VenueId, ts: datetime,
                base: dict[str, Any]) -> dict[str, Any]:
    """Build the row that maps a replacement's new ClOrdID to the venue holding the order."""
    return {**base, "id": row_id, "order_id": request_id, "kind": "replace", "ts": ts,
            "venue": venue, "outcome": f"replaces {orig_id}", "candidates": "[]"}


class ImmediateRecorder:
    """Keep rows in memory and send at once (unit tests; a router without a database)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def record(self, order_id: str, rows: list[dict[str, Any]], then: Callable[[], None]) -> None:
        self.rows.extend(rows)
        then()


class PartitionRecorder:
    """Commit rows in the next group commit of the partition that owns the order, then send."""

    def __init__(self, partitions: list[Any], command_type: Any) -> None:
        self._partitions = partitions
        self._command = command_type

    def record(self, order_id: str, rows: list[dict[str, Any]], then: Callable[[], None]) -> None:
        for partition in self._partitions:
            if order_id in partition.state.orders:
                partition.post(self._command(tuple(rows), then))
                return
        # Not an open order of any partition (recovery of a closed one): any writer will do.
        self._partitions[0].post(self._command(tuple(rows), then))


def nbbo_of(market: Any, symbol: Symbol) -> Nbbo:
    quote = market.top_of_book(symbol)
    if quote is None:
        return Nbbo(symbol, None, Decimal(0), None, Decimal(0))
    return Nbbo(symbol, quote.bid, quote.bid_size, quote.ask, quote.ask_size)


def to_route(request: NewOrderRequest) -> OrderToRoute:
    return OrderToRoute(side=request.side, order_type=request.order_type,
                        quantity=request.quantity, limit_price=request.limit_price,
                        time_in_force=request.time_in_force)


def as_new(request: ReplaceRequest) -> NewOrderRequest:
    order_type = OrderType.MARKET if request.limit_price is None else OrderType.LIMIT
    return NewOrderRequest(cl_ord_id=request.cl_ord_id, symbol=request.symbol, side=request.side,
                           order_type=order_type, quantity=request.quantity,
                           time_in_force=request.time_in_force, limit_price=request.limit_price,
                           extended_hours=False, ts=request.ts)


def own_report(venue: VenueId, exec_id: ExecId, request: NewOrderRequest, exec_type: ExecType,
               status: VenueOrdStatus, text: str, ts: datetime) -> ExecutionReport:
    """Build a report the router sends itself (parked, canceled before sending, no venue)."""
    zero = Decimal(0)
    leaves = request.quantity if status is VenueOrdStatus.PENDING_NEW else zero
    return ExecutionReport(
        venue=venue, exec_id=exec_id, exec_type=exec_type, ord_status=status,
        cl_ord_id=request.cl_ord_id, orig_cl_ord_id=None, venue_order_id=VenueOrderId(""),
        symbol=request.symbol, side=request.side, last_qty=zero, last_px=zero, cum_qty=zero,
        leaves_qty=leaves, avg_px=zero, ts=ts, text=text)
