"""The simulated exchange: an in-process venue around the matching engine.

Inputs and outputs are the FIX-shaped messages of `domain.execution`, so a FIX acceptor can
sit in front of it unchanged. Every report is delivered synchronously to the participant's
callback and kept for `executions()` (drop copy / recovery). Prices become integer ticks of
0.0001 and quantities integer units of 1e-9 share inside; Decimal at every boundary.

Every input (submit, cancel, replace, set_phase) is copied to the journal sink as a JSON-able
dict, rejected ones included, so that `recover(entries)` on a fresh exchange rebuilds the same
books and the same execution reports. Callbacks and listeners are silent during recovery.

The venue is split by concern; this module is its facade (inputs, queries, admission):
`exchange_orders` (order record, conversions, checks), `exchange_output` (reports, prints,
quotes), `exchange_phases` (auction queues and crosses, expiries), `exchange_recovery` (journal,
snapshots, recovery), `exchange_codec` (JSON forms). `exchange_journal.SegmentedJournal` is
the compacting journal file store. Import `SimulatedExchange` from here.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

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
from brokerage.domain.ids import Symbol, VenueId, VenueOrderId
from brokerage.domain.instruments import Instrument
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.venues.exchange_codec import _PhaseChange
from brokerage.venues.exchange_orders import (
    CLOSE,
    CONTINUOUS,
    HISTORY_LIMIT,
    OPEN,
    _check_new,
    _check_replace,
    _px,
    _qty,
    _route,
    _ticks,
    _ticks_or_none,
    _units,
    _units_or_zero,
    _VenueOrder,
)
from brokerage.venues.exchange_output import (
    CancelRejectHandler,
    ReportHandler,
    _ExchangeOutput,
)
from brokerage.venues.exchange_phases import _ExchangePhases
from brokerage.venues.exchange_recovery import Checkpointing, _ExchangeRecovery
from brokerage.venues.matching.book import Event, OrderBook

__all__ = ["HISTORY_LIMIT", "CancelRejectHandler", "ReportHandler", "SimulatedExchange"]


class SimulatedExchange(_ExchangePhases, _ExchangeOutput, _ExchangeRecovery):
    """Match orders of connected participants by price-time priority, with auctions."""

    def __init__(
        self,
        venue_id: VenueId,
        instruments: Mapping[Symbol, Instrument],
        journal_sink: Callable[[dict[str, Any]], None] | None = None,
        history_limit: int = HISTORY_LIMIT,
    ) -> None:
        self.venue_id = venue_id
        self._history_limit = history_limit
        self._instruments = dict(instruments)
        self._sink = journal_sink
        self._checkpoints = journal_sink if isinstance(journal_sink, Checkpointing) else None
        self._phase = MarketPhase.CLOSED
        self._books: dict[Symbol, OrderBook] = {}
        self._on_report: dict[str, ReportHandler | None] = {}
        self._on_cancel_reject: dict[str, CancelRejectHandler | None] = {}
        # Keyed by venue order id, which is also the order's id inside the book.
        self._live: dict[Hashable, _VenueOrder] = {}
        self._queues: dict[str, dict[Symbol, list[_VenueOrder]]] = {OPEN: {}, CLOSE: {}}
        self._by_client: dict[tuple[str, str], VenueOrderId] = {}
        self._latest: dict[VenueOrderId, ExecutionReport] = {}
        self._reports: dict[str, deque[tuple[int, ExecutionReport]]] = {}
        self._cancel_rejects: dict[str, deque[CancelReject]] = {}
        self._finished: dict[str, deque[VenueOrderId]] = {}
        self._client_ids: dict[VenueOrderId, list[str]] = {}
        self._limits: dict[str, int] = {}
        self._last_trade: dict[Symbol, TradePrint] = {}
        self._quotes: dict[Symbol, TopOfBook] = {}
        self._trade_listeners: list[Callable[[TradePrint], None]] = []
        self._quote_listeners: list[Callable[[TopOfBook], None]] = []
        self._exec_seq = 0
        self._order_seq = 0
        self._journal_seq = 0
        self._replaying = False
        self._event_handlers = self._event_table()
        self._input_handlers: dict[str, Callable[[str, Any], None]] = {
            "submit": self.submit,
            "cancel": self.cancel,
            "replace": self.replace,
        }

    # -- participants and listeners -------------------------------------------------------

    def connect(
        self,
        participant_id: str,
        on_report: ReportHandler,
        on_cancel_reject: CancelRejectHandler | None = None,
        history_limit: int | None = None,
    ) -> None:
        """Register a participant; its reports (and cancel rejects) go to the callbacks.

        `history_limit` caps what is kept for `executions()` and `order_status()` of this
        participant (default: the exchange's); a market maker that churns quotes keeps little.
        """
        self._on_report[participant_id] = on_report
        self._on_cancel_reject[participant_id] = on_cancel_reject
        if history_limit is not None:
            self._limits[participant_id] = history_limit
            if participant_id in self._reports:
                old = self._reports[participant_id]
                self._reports[participant_id] = deque(old, maxlen=history_limit)
            if participant_id in self._cancel_rejects:
                rejects = self._cancel_rejects[participant_id]
                self._cancel_rejects[participant_id] = deque(rejects, maxlen=history_limit)

    def add_trade_listener(self, listener: Callable[[TradePrint], None]) -> None:
        """Call `listener` with every trade print."""
        self._trade_listeners.append(listener)

    def add_quote_listener(self, listener: Callable[[TopOfBook], None]) -> None:
        """Call `listener` whenever a symbol's top of book changes."""
        self._quote_listeners.append(listener)

    @property
    def phase(self) -> MarketPhase:
        """Return the current trading phase."""
        return self._phase

    # -- inputs ---------------------------------------------------------------------------

    def submit(self, participant_id: str, request: NewOrderRequest) -> None:
        """Accept, queue, match or reject a new order; report through the callback."""
        self._require(participant_id)
        self._record("submit", participant_id, request)
        self._submit(participant_id, request)
        self._checkpoint_if_due()

    def cancel(self, participant_id: str, request: CancelRequest) -> None:
        """Cancel a working or queued order; refuse with a CancelReject when impossible."""
        self._require(participant_id)
        self._record("cancel", participant_id, request)
        self._cancel(participant_id, request)
        self._checkpoint_if_due()

    def replace(self, participant_id: str, request: ReplaceRequest) -> None:
        """Change quantity, price or DAY/GTC of an open order (FIX total-quantity semantics)."""
        self._require(participant_id)
        self._record("replace", participant_id, request)
        self._replace(participant_id, request)
        self._checkpoint_if_due()

    def set_phase(self, phase: MarketPhase, now: datetime) -> None:
        """Move to a trading phase, running the auctions and expiries that the move implies."""
        self._record("set_phase", None, _PhaseChange(phase, now))
        self._set_phase(phase, now)
        self._checkpoint_if_due()

    # -- input handling -------------------------------------------------------------------

    def _submit(self, participant_id: str, request: NewOrderRequest) -> None:
        order = self._new_order(participant_id, request)
        if (participant_id, request.cl_ord_id) in self._by_client:
            self._finish(
                order, ExecType.REJECTED, VenueOrdStatus.REJECTED, request.ts, "duplicate cl_ord_id"
            )
            return
        self._by_client[(participant_id, request.cl_ord_id)] = order.venue_order_id
        self._client_ids[order.venue_order_id] = [request.cl_ord_id]
        text = _check_new(self._instruments.get(request.symbol), request)
        route = ""
        if text is None:
            route, text = _route(order, self._phase)
        if text is not None:
            self._finish(order, ExecType.REJECTED, VenueOrdStatus.REJECTED, request.ts, text)
        elif route == CONTINUOUS:
            self._live[order.venue_order_id] = order
            self._apply(order.symbol, self._enter_book(order), request.ts)
        else:
            self._enqueue(order, route, request.ts)

    def _cancel(self, participant_id: str, request: CancelRequest) -> None:
        order = self._amendable(
            participant_id,
            request.cl_ord_id,
            request.orig_cl_ord_id,
            request.symbol,
            request.side,
            request.ts,
        )
        if order is None:
            return
        self._rename(order, request.cl_ord_id)
        if order.queue:
            self._queues[order.queue][order.symbol].remove(order)
            self._finish(order, ExecType.CANCELED, VenueOrdStatus.CANCELED, request.ts)
        else:
            events = self._book(order.symbol).cancel(order.venue_order_id)
            self._apply(order.symbol, events, request.ts)

    def _replace(self, participant_id: str, request: ReplaceRequest) -> None:
        order = self._amendable(
            participant_id,
            request.cl_ord_id,
            request.orig_cl_ord_id,
            request.symbol,
            request.side,
            request.ts,
        )
        if order is None:
            return
        text = _check_replace(self._instruments[order.symbol], order, request)
        if text is not None:
            self._cancel_reject(
                participant_id, request.cl_ord_id, request.orig_cl_ord_id, text, request.ts
            )
            return
        self._rename(order, request.cl_ord_id)
        order.tif = request.time_in_force
        qty = _units(request.quantity)
        price = None if request.limit_price is None else _ticks(request.limit_price)
        if order.queue:
            self._replace_queued(order, qty, price, request.ts)
            return
        order.qty = qty
        assert price is not None
        events = self._book(order.symbol).replace(
            order.venue_order_id, qty - order.off_book_cum, price
        )
        self._apply(order.symbol, events, request.ts)

    def _set_phase(self, phase: MarketPhase, now: datetime) -> None:
        previous, self._phase = self._phase, phase
        if previous == phase:
            return
        if phase is MarketPhase.REGULAR:
            self._run_auctions(OPEN, now)
        if previous is MarketPhase.REGULAR:
            self._run_auctions(CLOSE, now)
            self._expire_day_orders(now, include_extended=False)
        if phase is MarketPhase.CLOSED:
            self._expire_day_orders(now, include_extended=True)

    # -- queries --------------------------------------------------------------------------

    def top_of_book(self, symbol: Symbol) -> TopOfBook | None:
        """Return the last published top of book of a symbol, or None if never quoted."""
        return self._quotes.get(symbol)

    def last_trade(self, symbol: Symbol) -> TradePrint | None:
        """Return the last trade print of a symbol, or None."""
        return self._last_trade.get(symbol)

    def order_status(self, participant_id: str, cl_ord_id: str) -> ExecutionReport | None:
        """Return the latest report of the order known by any of its cl_ord_ids."""
        venue_order_id = self._by_client.get((participant_id, cl_ord_id))
        return None if venue_order_id is None else self._latest.get(venue_order_id)

    def executions(self, participant_id: str, since_seq: int = 0) -> list[ExecutionReport]:
        """Return the reports sent to a participant whose exec_id number exceeds since_seq."""
        return [r for seq, r in self._reports.get(participant_id, []) if seq > since_seq]

    def open_orders(self, participant_id: str) -> list[ExecutionReport]:
        """Return the latest report of each open (working or queued) order of a participant."""
        return [
            self._latest[order.venue_order_id]
            for order in self._live.values()
            if order.participant == participant_id
        ]

    def cancel_rejects(self, participant_id: str) -> list[CancelReject]:
        """Return the cancel/replace rejects sent to a participant."""
        return list(self._cancel_rejects.get(participant_id, []))

    def depth(self, symbol: Symbol, side: Side, levels: int = 10) -> list[tuple[Decimal, Decimal]]:
        """Return up to `levels` (price, quantity) pairs of one side, best first."""
        return [(_px(p), _qty(q)) for p, q in self._book(symbol).depth(side, levels)]

    def state_hash(self) -> str:
        """Return a sha256 over every book and auction queue."""
        digest = hashlib.sha256()
        for symbol in sorted(self._books):
            digest.update(f"{symbol}:{self._books[symbol].state_hash()};".encode())
        for kind in (OPEN, CLOSE):
            for symbol in sorted(self._queues[kind]):
                for o in self._queues[kind][symbol]:
                    digest.update(f"{kind}:{o.venue_order_id}:{o.qty}:{o.price}:{o.seq};".encode())
        return digest.hexdigest()

    # -- admission ------------------------------------------------------------------------

    def _new_order(self, participant_id: str, request: NewOrderRequest) -> _VenueOrder:
        self._order_seq += 1
        price = request.limit_price if request.order_type is OrderType.LIMIT else None
        return _VenueOrder(
            participant=participant_id,
            cl_ord_id=request.cl_ord_id,
            venue_order_id=VenueOrderId(f"{self.venue_id}-O{self._order_seq}"),
            symbol=request.symbol,
            side=request.side,
            order_type=request.order_type,
            tif=request.time_in_force,
            extended_hours=request.extended_hours,
            qty=_units_or_zero(request.quantity),
            price=_ticks_or_none(price),
        )

    def _enter_book(self, order: _VenueOrder) -> list[Event]:
        book = self._book(order.symbol)
        vid, owner, side, qty = order.venue_order_id, order.participant, order.side, order.qty
        qty -= order.cum
        if order.order_type is OrderType.MARKET:
            if order.tif is TimeInForce.FOK:
                return book.add_fok(vid, owner, side, None, qty)
            return book.add_market(vid, owner, side, qty)
        assert order.price is not None
        if order.tif is TimeInForce.IOC:
            return book.add_ioc(vid, owner, side, order.price, qty)
        if order.tif is TimeInForce.FOK:
            return book.add_fok(vid, owner, side, order.price, qty)
        return book.add_limit(vid, owner, side, order.price, qty)

    # -- cancel / replace -----------------------------------------------------------------

    def _amendable(
        self,
        participant_id: str,
        cl_ord_id: str,
        orig_cl_ord_id: str,
        symbol: Symbol,
        side: Side,
        ts: datetime,
    ) -> _VenueOrder | None:
        """Find the open order a cancel/replace names, or send a CancelReject and return None."""
        venue_order_id = self._by_client.get((participant_id, orig_cl_ord_id))
        order = None if venue_order_id is None else self._live.get(venue_order_id)
        text = None
        if (participant_id, cl_ord_id) in self._by_client:
            text = "duplicate cl_ord_id"
        elif venue_order_id is None:
            text = "unknown order"
        elif order is None:
            text = "order is not open"
        elif order.symbol != symbol or order.side is not side:
            text = "symbol or side does not match the order"
        if text is not None:
            self._cancel_reject(participant_id, cl_ord_id, orig_cl_ord_id, text, ts)
            return None
        return order

    def _rename(self, order: _VenueOrder, cl_ord_id: str) -> None:
        self._by_client[(order.participant, cl_ord_id)] = order.venue_order_id
        self._client_ids[order.venue_order_id].append(cl_ord_id)
        order.orig_cl_ord_id, order.cl_ord_id = order.cl_ord_id, cl_ord_id

    # -- helpers ------------------------------------------------------------------------

    def _require(self, participant_id: str) -> None:
        if participant_id not in self._on_report:
            raise KeyError(f"participant {participant_id!r} is not connected")

    def _book(self, symbol: Symbol) -> OrderBook:
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = OrderBook()
        return book
