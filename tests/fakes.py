"""Test doubles of our own ports (unit and service tests only; integration uses the real ones)."""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from itertools import count

from brokerage.domain.execution import (
    CancelRequest,
    ExecType,
    ExecutionReport,
    NewOrderRequest,
    ReplaceRequest,
    TopOfBook,
    TradePrint,
    VenueOrdStatus,
)
from brokerage.domain.ids import ExecId, Symbol, VenueId, VenueOrderId


class FakeVenue:
    """Acknowledges everything and fills only when the test says so."""

    venue_id = "FAKE"

    def __init__(self) -> None:
        self.on_report: Callable[[ExecutionReport], None] = lambda r: None
        self.submitted: list[NewOrderRequest] = []
        self.canceled: list[CancelRequest] = []
        self.replaced: list[ReplaceRequest] = []
        self.reports: list[ExecutionReport] = []
        self.last: dict[Symbol, TradePrint] = {}
        self._seq = count(1)
        self._cum: dict[str, Decimal] = {}

    def connect(self, participant_id: str, on_report: Callable[[ExecutionReport], None]) -> None:
        self.on_report = on_report

    def submit(self, participant_id: str, request: NewOrderRequest) -> None:
        self.submitted.append(request)
        self._cum[request.cl_ord_id] = Decimal(0)
        self._send(request.cl_ord_id, None, request.symbol, request.side, ExecType.NEW,
                   VenueOrdStatus.NEW, Decimal(0), Decimal(0), request.quantity, request.ts)

    def cancel(self, participant_id: str, request: CancelRequest) -> None:
        self.canceled.append(request)
        self._send(request.orig_cl_ord_id, None, request.symbol, request.side, ExecType.CANCELED,
                   VenueOrdStatus.CANCELED, Decimal(0), Decimal(0), Decimal(0), request.ts)

    def replace(self, participant_id: str, request: ReplaceRequest) -> None:
        self.replaced.append(request)
        self._cum[request.cl_ord_id] = Decimal(0)
        self._send(request.cl_ord_id, request.orig_cl_ord_id, request.symbol, request.side,
                   ExecType.REPLACED, VenueOrdStatus.NEW, Decimal(0), Decimal(0),
                   request.quantity, request.ts)

    def fill(self, request: NewOrderRequest, quantity: Decimal, price: Decimal, ts: datetime,
             exec_id: str | None = None) -> ExecutionReport:
        """Report a fill of `quantity` at `price` for a submitted request."""
        self._cum[request.cl_ord_id] += quantity
        cum = self._cum[request.cl_ord_id]
        leaves = request.quantity - cum
        status = VenueOrdStatus.FILLED if leaves == 0 else VenueOrdStatus.PARTIALLY_FILLED
        return self._send(request.cl_ord_id, None, request.symbol, request.side, ExecType.TRADE,
                          status, quantity, price, leaves, ts, exec_id)

    def _send(self, cl_ord_id: str, orig: str | None, symbol: Symbol, side: object,
              exec_type: ExecType, status: VenueOrdStatus, last_qty: Decimal, last_px: Decimal,
              leaves: Decimal, ts: datetime, exec_id: str | None = None) -> ExecutionReport:
        report = ExecutionReport(
            venue=VenueId(self.venue_id), exec_id=ExecId(exec_id or f"E{next(self._seq)}"),
            exec_type=exec_type, ord_status=status, cl_ord_id=cl_ord_id, orig_cl_ord_id=orig,
            venue_order_id=VenueOrderId(f"V-{cl_ord_id}"), symbol=symbol, side=side,  # type: ignore[arg-type]
            last_qty=last_qty, last_px=last_px, cum_qty=self._cum.get(cl_ord_id, Decimal(0)),
            leaves_qty=leaves, avg_px=last_px, ts=ts, liquidity="removed" if last_qty else "")
        self.reports.append(report)
        self.on_report(report)
        return report

    def order_status(self, participant_id: str, cl_ord_id: str) -> ExecutionReport | None:
        found = [r for r in self.reports if r.cl_ord_id == cl_ord_id]
        return found[-1] if found else None

    def executions(self, participant_id: str, since_seq: int = 0) -> list[ExecutionReport]:
        return list(self.reports[since_seq:])

    def last_trade(self, symbol: Symbol) -> TradePrint | None:
        return self.last.get(symbol)

    def top_of_book(self, symbol: Symbol) -> TopOfBook | None:
        return None

    def set_phase(self, phase: object, now: datetime) -> None:
        pass
