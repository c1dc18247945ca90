"""Fixed builders for the venue tests: instruments, requests and an exchange with recorders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from brokerage.domain.execution import (
    CancelReject,
    CancelRequest,
    ExecType,
    ExecutionReport,
    NewOrderRequest,
    ReplaceRequest,
)
from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.instruments import Instrument
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.venues.exchange import SimulatedExchange

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
ACME = Symbol("ACME")
VENUE = VenueId("SIMX")


def at(seconds: float) -> datetime:
    """Return T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def an_instrument(
    symbol: str = "ACME", price: str = "100", fractionable: bool = True, vol: str = "0.02"
) -> Instrument:
    """Build a tradable instrument."""
    return Instrument(
        symbol=Symbol(symbol), name=f"{symbol} Corp", asset_class="us_equity",
        exchange="NASDAQ", kind="stock", tradable=True, fractionable=fractionable,
        reference_price=Decimal(price), daily_volatility=Decimal(vol),
        calibration_source="test", calibrated_from=Symbol(symbol), proxied=False,
    )


def a_new_order(
    cl: str, side: str = "buy", qty: str = "10", price: str | None = "100.00",
    tif: TimeInForce = TimeInForce.DAY, order_type: OrderType | None = None,
    extended: bool = False, symbol: str = "ACME", ts: datetime = T0,
) -> NewOrderRequest:
    """Build a new-order request (a limit order unless price is None)."""
    kind = order_type or (OrderType.MARKET if price is None else OrderType.LIMIT)
    return NewOrderRequest(
        cl, Symbol(symbol), Side(side), kind, Decimal(qty), tif,
        None if price is None else Decimal(price), extended, ts,
    )


def a_cancel(cl: str, orig: str, side: str = "buy", symbol: str = "ACME") -> CancelRequest:
    """Build a cancel request."""
    return CancelRequest(cl, orig, Symbol(symbol), Side(side), T0)


def a_replace(
    cl: str, orig: str, qty: str, price: str | None, side: str = "buy",
    tif: TimeInForce = TimeInForce.DAY,
) -> ReplaceRequest:
    """Build a cancel/replace request."""
    return ReplaceRequest(
        cl, orig, ACME, Side(side), Decimal(qty), None if price is None else Decimal(price),
        tif, T0,
    )


@dataclass
class Inbox:
    """Collect what the exchange sends one participant."""

    reports: list[ExecutionReport] = field(default_factory=list)
    rejects: list[CancelReject] = field(default_factory=list)

    def of(self, cl: str) -> list[ExecutionReport]:
        """Return the reports about a cl_ord_id (as cl_ord_id or orig_cl_ord_id)."""
        return [r for r in self.reports if cl in (r.cl_ord_id, r.orig_cl_ord_id)]

    def types(self, cl: str) -> list[ExecType]:
        """Return the exec types reported for a cl_ord_id, in order."""
        return [r.exec_type for r in self.of(cl)]

    def last(self, cl: str) -> ExecutionReport:
        """Return the last report about a cl_ord_id."""
        return self.of(cl)[-1]


def an_exchange(
    phase: MarketPhase = MarketPhase.REGULAR, *instruments: Instrument,
    sink: Any = None, participants: tuple[str, ...] = ("ann", "bob"),
) -> tuple[SimulatedExchange, dict[str, Inbox]]:
    """Build an exchange in a phase with connected participants and their inboxes."""
    listed = instruments or (an_instrument(),)
    exchange = SimulatedExchange(VENUE, {i.symbol: i for i in listed}, journal_sink=sink)
    inboxes = {}
    for participant in participants:
        inbox = inboxes[participant] = Inbox()
        exchange.connect(participant, inbox.reports.append, inbox.rejects.append)
    if phase is not MarketPhase.CLOSED:
        exchange.set_phase(phase, T0)
    return exchange, inboxes
