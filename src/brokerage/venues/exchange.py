"""The simulated exchange: an in-process venue around the matching engine.

Inputs and outputs are the FIX-shaped messages of `domain.execution`, so a FIX acceptor can
sit in front of it unchanged. Every report is delivered synchronously to the participant's
callback and kept for `executions()` (drop copy / recovery). Prices become integer ticks of
0.0001 and quantities integer units of 1e-9 share inside; Decimal at every boundary.

Every input (submit, cancel, replace, set_phase) is copied to the journal sink as a JSON-able
dict, rejected ones included, so that `recover(entries)` on a fresh exchange rebuilds the same
books and the same execution reports. Callbacks and listeners are silent during recovery.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
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
from brokerage.domain.ids import ExecId, Symbol, VenueId, VenueOrderId
from brokerage.domain.instruments import Instrument
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.venues.matching.auction import AuctionOrder, uncross
from brokerage.venues.matching.book import (
    Accepted,
    AuctionFill,
    Canceled,
    Event,
    Fill,
    OrderBook,
    Reason,
    Rejected,
    Replaced,
)

PRICE_DECIMALS = 4  # internal tick: 0.0001
QTY_DECIMALS = 9  # internal unit: 1e-9 share
AVG_PX_QUANTUM = Decimal("0.000001")
# Per participant: reports kept for executions() and finished orders kept for order_status()
# and duplicate detection; beyond it the oldest are dropped (a day of liquidity churn is
# millions of orders).
HISTORY_LIMIT = 100_000
OPEN, CLOSE, CONTINUOUS = "open", "close", "continuous"
_DONE = frozenset(
    {
        VenueOrdStatus.FILLED,
        VenueOrdStatus.CANCELED,
        VenueOrdStatus.EXPIRED,
        VenueOrdStatus.REJECTED,
    }
)
_CANCEL_OUTCOMES: dict[Reason, tuple[ExecType, str]] = {
    Reason.CANCELED: (ExecType.CANCELED, ""),
    Reason.REPLACED_BELOW_FILLED: (ExecType.CANCELED, "replaced below filled quantity"),
    Reason.IOC_REMAINDER: (ExecType.EXPIRED, "immediate-or-cancel remainder"),
    Reason.MARKET_REMAINDER: (ExecType.EXPIRED, "no more liquidity"),
    Reason.FOK_UNFILLABLE: (ExecType.EXPIRED, "fill-or-kill not fillable"),
    Reason.EXPIRED: (ExecType.EXPIRED, "time in force expired"),
}
ReportHandler = Callable[[ExecutionReport], None]
CancelRejectHandler = Callable[[CancelReject], None]


@dataclass(slots=True)
class _VenueOrder:
    """The venue's mutable record of one order (never leaves this module)."""

    participant: str
    cl_ord_id: str
    venue_order_id: VenueOrderId
    symbol: Symbol
    side: Side
    order_type: OrderType
    tif: TimeInForce
    extended_hours: bool
    qty: int
    price: int | None
    orig_cl_ord_id: str | None = None
    cum: int = 0
    notional: int = 0  # sum of units * ticks, for avg_px
    off_book_cum: int = 0  # filled in an auction before the order reached the book
    status: VenueOrdStatus = VenueOrdStatus.PENDING_NEW
    queue: str = ""  # OPEN or CLOSE while waiting for an auction
    seq: int = 0


class SimulatedExchange:
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
        self._event_handlers: dict[type, Callable[[Symbol, Any, datetime], None]] = {
            Accepted: self._on_accepted,
            Fill: self._on_fill,
            Canceled: self._on_canceled,
            Replaced: self._on_replaced,
            AuctionFill: self._on_auction_fill,
            Rejected: self._on_rejected,
        }
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
        order = self._new_order(participant_id, request)
        if (participant_id, request.cl_ord_id) in self._by_client:
            self._finish(
                order, ExecType.REJECTED, VenueOrdStatus.REJECTED, request.ts, "duplicate cl_ord_id"
            )
            return
        self._by_client[(participant_id, request.cl_ord_id)] = order.venue_order_id
        self._client_ids[order.venue_order_id] = [request.cl_ord_id]
        text = self._check_new(request)
        route = ""
        if text is None:
            route, text = self._route(order)
        if text is not None:
            self._finish(order, ExecType.REJECTED, VenueOrdStatus.REJECTED, request.ts, text)
        elif route == CONTINUOUS:
            self._live[order.venue_order_id] = order
            self._apply(order.symbol, self._enter_book(order), request.ts)
        else:
            self._enqueue(order, route, request.ts)

    def cancel(self, participant_id: str, request: CancelRequest) -> None:
        """Cancel a working or queued order; refuse with a CancelReject when impossible."""
        self._require(participant_id)
        self._record("cancel", participant_id, request)
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

    def replace(self, participant_id: str, request: ReplaceRequest) -> None:
        """Change quantity, price or DAY/GTC of an open order (FIX total-quantity semantics)."""
        self._require(participant_id)
        self._record("replace", participant_id, request)
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
        text = self._check_replace(order, request)
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

    def set_phase(self, phase: MarketPhase, now: datetime) -> None:
        """Move to a trading phase, running the auctions and expiries that the move implies."""
        self._record("set_phase", None, _PhaseChange(phase, now))
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

    def recover(self, entries: Iterable[dict[str, Any]]) -> None:
        """Replay journal entries on a fresh exchange, silently, to rebuild its state."""
        self._replaying = True
        try:
            for entry in entries:
                self._replay_one(entry)
                self._journal_seq = entry["seq"]
        finally:
            self._replaying = False

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

    def _check_new(self, request: NewOrderRequest) -> str | None:
        instrument = self._instruments.get(request.symbol)
        if instrument is None:
            return "unknown symbol"
        if not instrument.tradable:
            return "symbol is not tradable"
        text = _check_quantity(instrument, request.quantity)
        if text is not None:
            return text
        if request.order_type is OrderType.MARKET:
            return "extended hours orders must be limit orders" if request.extended_hours else None
        if request.order_type is not OrderType.LIMIT:
            return f"unsupported order type {request.order_type.value}"
        return _check_price(instrument, request.limit_price)

    def _route(self, order: _VenueOrder) -> tuple[str, str | None]:
        """Decide where an order goes in the current phase, or why it cannot."""
        if order.tif is TimeInForce.OPG:
            return OPEN, None
        if order.tif is TimeInForce.CLS:
            return CLOSE, None
        phase = self._phase
        if phase is MarketPhase.REGULAR:
            return CONTINUOUS, None
        extended = order.extended_hours and order.order_type is OrderType.LIMIT
        if extended and phase is not MarketPhase.CLOSED:
            return CONTINUOUS, None
        if order.tif in (TimeInForce.IOC, TimeInForce.FOK):
            closed = phase is MarketPhase.CLOSED
            return "", "market closed" if closed else "outside regular trading hours"
        return OPEN, None

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

    def _enqueue(self, order: _VenueOrder, queue: str, ts: datetime) -> None:
        order.queue = queue
        order.seq = self._book(order.symbol).reserve_seq()
        self._live[order.venue_order_id] = order
        self._queues[queue].setdefault(order.symbol, []).append(order)
        order.status = VenueOrdStatus.NEW
        self._report(order, ExecType.NEW, ts)

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

    def _check_replace(self, order: _VenueOrder, request: ReplaceRequest) -> str | None:
        instrument = self._instruments[order.symbol]
        text = _check_quantity(instrument, request.quantity)
        if text is not None:
            return text
        if order.tif != request.time_in_force and not (
            {order.tif, request.time_in_force} <= {TimeInForce.DAY, TimeInForce.GTC}
        ):
            return "time in force can only change between day and gtc"
        if order.order_type is OrderType.MARKET:
            return None if request.limit_price is None else "cannot add a limit to a market order"
        return _check_price(instrument, request.limit_price)

    def _rename(self, order: _VenueOrder, cl_ord_id: str) -> None:
        self._by_client[(order.participant, cl_ord_id)] = order.venue_order_id
        self._client_ids[order.venue_order_id].append(cl_ord_id)
        order.orig_cl_ord_id, order.cl_ord_id = order.cl_ord_id, cl_ord_id

    def _replace_queued(
        self, order: _VenueOrder, qty: int, price: int | None, ts: datetime
    ) -> None:
        keeps_priority = price == order.price and qty <= order.qty
        order.qty, order.price = qty, price
        if not keeps_priority:
            order.seq = self._book(order.symbol).reserve_seq()
        self._report(order, ExecType.REPLACED, ts)

    def _cancel_reject(
        self, participant_id: str, cl_ord_id: str, orig_cl_ord_id: str, text: str, ts: datetime
    ) -> None:
        reject = CancelReject(self.venue_id, cl_ord_id, orig_cl_ord_id, text, ts)
        self._history(self._cancel_rejects, participant_id).append(reject)
        handler = self._on_cancel_reject.get(participant_id)
        if handler is not None and not self._replaying:
            handler(reject)

    # -- events from the book -------------------------------------------------------------

    def _apply(self, symbol: Symbol, events: list[Event], ts: datetime) -> None:
        """Turn book events into reports, prints and quotes."""
        handlers = self._event_handlers
        for event in events:
            handlers[type(event)](symbol, event, ts)
        self._publish_quote(symbol, ts)

    def _on_rejected(self, symbol: Symbol, event: Rejected, ts: datetime) -> None:
        raise RuntimeError(f"book refused an admitted order: {event}")

    def _on_accepted(self, symbol: Symbol, event: Accepted, ts: datetime) -> None:
        order = self._live[event.order_id]
        if order.status is VenueOrdStatus.PENDING_NEW:
            order.status = VenueOrdStatus.NEW
            self._report(order, ExecType.NEW, ts)

    def _on_fill(self, symbol: Symbol, event: Fill, ts: datetime) -> None:
        taker = self._live[event.taker_id]
        maker = self._live[event.maker_id]
        self._fill(maker, event.qty, event.price, ts, "added")
        self._fill(taker, event.qty, event.price, ts, "removed")
        self._print(symbol, event.price, event.qty, ts)

    def _on_auction_fill(self, symbol: Symbol, event: AuctionFill, ts: datetime) -> None:
        self._fill(self._live[event.buy_id], event.qty, event.price, ts, "auction")
        self._fill(self._live[event.sell_id], event.qty, event.price, ts, "auction")
        self._print(symbol, event.price, event.qty, ts)

    def _on_canceled(self, symbol: Symbol, event: Canceled, ts: datetime) -> None:
        order = self._live[event.order_id]
        exec_type, text = _CANCEL_OUTCOMES[event.reason]
        status = VenueOrdStatus(exec_type.value)
        self._finish(order, exec_type, status, ts, text)

    def _on_replaced(self, symbol: Symbol, event: Replaced, ts: datetime) -> None:
        order = self._live[event.order_id]
        order.price = event.price
        self._report(order, ExecType.REPLACED, ts)

    def _fill(self, order: _VenueOrder, qty: int, price: int, ts: datetime, liquidity: str) -> None:
        order.cum += qty
        order.notional += qty * price
        if order.queue:
            order.off_book_cum += qty
        done = order.cum >= order.qty
        order.status = VenueOrdStatus.FILLED if done else VenueOrdStatus.PARTIALLY_FILLED
        if done:
            del self._live[order.venue_order_id]
        self._report(order, ExecType.TRADE, ts, qty, price, liquidity=liquidity)

    def _finish(
        self,
        order: _VenueOrder,
        exec_type: ExecType,
        status: VenueOrdStatus,
        ts: datetime,
        text: str = "",
    ) -> None:
        order.status = status
        self._live.pop(order.venue_order_id, None)
        self._report(order, exec_type, ts, text=text)

    # -- phases and auctions --------------------------------------------------------------

    def _run_auctions(self, queue: str, now: datetime) -> None:
        for symbol in sorted(self._queues[queue]):
            self._run_auction(queue, symbol, now)

    def _run_auction(self, queue: str, symbol: Symbol, now: datetime) -> None:
        queued = self._queues[queue].pop(symbol)
        orders = tuple(
            AuctionOrder(o.venue_order_id, o.side, o.price, o.qty - o.cum, o.seq) for o in queued
        )
        _, fills = uncross(self._book(symbol), orders, self._reference_ticks(symbol))
        self._apply(symbol, list(fills), now)
        for order in sorted(queued, key=lambda o: o.seq):
            order.queue = ""
            if order.venue_order_id not in self._live:
                continue
            if queue == CLOSE or order.tif is TimeInForce.OPG:
                self._finish(
                    order,
                    ExecType.EXPIRED,
                    VenueOrdStatus.EXPIRED,
                    now,
                    "auction remainder expired",
                )
            else:
                self._apply(symbol, self._enter_book(order), now)

    def _expire_day_orders(self, now: datetime, include_extended: bool) -> None:
        expiring = [
            o
            for o in self._live.values()
            if not o.queue
            and o.tif is TimeInForce.DAY
            and (include_extended or not o.extended_hours)
        ]
        for order in expiring:
            events = self._book(order.symbol).cancel(order.venue_order_id, Reason.EXPIRED)
            self._apply(order.symbol, events, now)

    def _reference_ticks(self, symbol: Symbol) -> int:
        last = self._last_trade.get(symbol)
        price = last.price if last is not None else self._instruments[symbol].reference_price
        tick = self._instruments[symbol].tick_size(price)
        on_tick = (price / tick).to_integral_value(ROUND_HALF_EVEN) * tick
        return max(_ticks(on_tick), 1)

    # -- output ---------------------------------------------------------------------------

    def _report(
        self,
        order: _VenueOrder,
        exec_type: ExecType,
        ts: datetime,
        last_qty: int = 0,
        last_px: int = 0,
        text: str = "",
        liquidity: str = "",
    ) -> None:
        self._exec_seq += 1
        amends = exec_type is ExecType.REPLACED or exec_type is ExecType.CANCELED
        leaves = 0 if order.status in _DONE else order.qty - order.cum
        report = ExecutionReport(
            venue=self.venue_id,
            exec_id=ExecId(f"{self.venue_id}-{self._exec_seq}"),
            exec_type=exec_type,
            ord_status=order.status,
            cl_ord_id=order.cl_ord_id,
            orig_cl_ord_id=order.orig_cl_ord_id if amends else None,
            venue_order_id=order.venue_order_id,
            symbol=order.symbol,
            side=order.side,
            last_qty=_qty(last_qty),
            last_px=_px(last_px),
            cum_qty=_qty(order.cum),
            leaves_qty=_qty(leaves),
            avg_px=_avg_px(order.notional, order.cum),
            ts=ts,
            text=text,
            liquidity=liquidity,
        )
        self._latest[order.venue_order_id] = report
        self._history(self._reports, order.participant).append((self._exec_seq, report))
        if order.status in _DONE:
            self._retire(order)
        handler = self._on_report.get(order.participant)
        if handler is not None and not self._replaying:
            handler(report)

    def _history(self, store: dict[str, deque[Any]], participant_id: str) -> deque[Any]:
        history = store.get(participant_id)
        if history is None:
            limit = self._limits.get(participant_id, self._history_limit)
            history = store[participant_id] = deque(maxlen=limit)
        return history

    def _retire(self, order: _VenueOrder) -> None:
        """Remember a finished order; forget the oldest beyond the history limit."""
        finished = self._finished.get(order.participant)
        if finished is None:
            finished = self._finished[order.participant] = deque()
        finished.append(order.venue_order_id)
        limit = self._limits.get(order.participant, self._history_limit)
        while len(finished) > limit:
            oldest = finished.popleft()
            self._latest.pop(oldest, None)
            for cl_ord_id in self._client_ids.pop(oldest, ()):
                self._by_client.pop((order.participant, cl_ord_id), None)

    def _print(self, symbol: Symbol, price: int, qty: int, ts: datetime) -> None:
        trade = TradePrint(self.venue_id, symbol, _px(price), _qty(qty), ts)
        self._last_trade[symbol] = trade
        if not self._replaying:
            for listener in self._trade_listeners:
                listener(trade)

    def _publish_quote(self, symbol: Symbol, ts: datetime) -> None:
        book = self._book(symbol)
        bid, ask = book.top(Side.BUY), book.top(Side.SELL)
        quote = TopOfBook(
            self.venue_id,
            symbol,
            None if bid is None else _px(bid[0]),
            _qty(0 if bid is None else bid[1]),
            None if ask is None else _px(ask[0]),
            _qty(0 if ask is None else ask[1]),
            ts,
        )
        last = self._quotes.get(symbol)
        if last is not None and (last.bid, last.bid_size, last.ask, last.ask_size) == (
            quote.bid,
            quote.bid_size,
            quote.ask,
            quote.ask_size,
        ):
            return
        self._quotes[symbol] = quote
        if not self._replaying:
            for listener in self._quote_listeners:
                listener(quote)

    # -- journal --------------------------------------------------------------------------

    def _record(self, op: str, participant_id: str | None, request: Any) -> None:
        if self._sink is None or self._replaying:
            return
        self._journal_seq += 1
        self._sink(
            {
                "seq": self._journal_seq,
                "op": op,
                "participant": participant_id,
                "request": _encode(request),
            }
        )

    def _replay_one(self, entry: dict[str, Any]) -> None:
        op, participant, payload = entry["op"], entry["participant"], entry["request"]
        if op == "set_phase":
            self.set_phase(MarketPhase(payload["phase"]), datetime.fromisoformat(payload["ts"]))
            return
        self._on_report.setdefault(participant, None)
        self._input_handlers[op](participant, _decode(_REQUEST_TYPES[op], payload))

    def _require(self, participant_id: str) -> None:
        if participant_id not in self._on_report:
            raise KeyError(f"participant {participant_id!r} is not connected")

    def _book(self, symbol: Symbol) -> OrderBook:
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = OrderBook()
        return book


# -- conversions ----------------------------------------------------------------------------


def _ticks(price: Decimal) -> int:
    return int(price.scaleb(PRICE_DECIMALS))


def _ticks_or_none(price: Decimal | None) -> int | None:
    if price is None or not price.is_finite() or price <= 0:
        return None
    scaled = price.scaleb(PRICE_DECIMALS)
    return int(scaled) if scaled == scaled.to_integral_value() else None


def _units(quantity: Decimal) -> int:
    return int(quantity.scaleb(QTY_DECIMALS))


def _units_or_zero(quantity: Decimal) -> int:
    if not quantity.is_finite():
        return 0
    scaled = quantity.scaleb(QTY_DECIMALS)
    return int(scaled) if scaled == scaled.to_integral_value() and scaled > 0 else 0


def _px(ticks: int) -> Decimal:
    return Decimal(ticks).scaleb(-PRICE_DECIMALS)


def _qty(units: int) -> Decimal:
    return Decimal(units).scaleb(-QTY_DECIMALS)


def _avg_px(notional: int, cum: int) -> Decimal:
    if not cum:
        return Decimal(0)
    return (Decimal(notional) / Decimal(cum)).scaleb(-PRICE_DECIMALS).quantize(AVG_PX_QUANTUM)


def _check_quantity(instrument: Instrument, quantity: Decimal) -> str | None:
    if not quantity.is_finite() or quantity <= 0:
        return "quantity must be positive"
    if _units_or_zero(quantity) == 0:
        return "quantity has more than 9 decimal places"
    if quantity != quantity.to_integral_value() and not instrument.fractionable:
        return "fractional quantity not allowed for this symbol"
    return None


def _check_price(instrument: Instrument, price: Decimal | None) -> str | None:
    if price is None or not price.is_finite() or price <= 0:
        return "limit price must be positive"
    if not instrument.is_on_tick(price):
        return f"price {price} is not on tick {instrument.tick_size(price)}"
    return None


# -- journal codec ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PhaseChange:
    phase: MarketPhase
    ts: datetime


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_REQUEST_TYPES: dict[str, type] = {
    "submit": NewOrderRequest,
    "cancel": CancelRequest,
    "replace": ReplaceRequest,
}
_ENCODE_FIELD: dict[str, Callable[[Any], Any]] = {
    "quantity": str,
    "limit_price": lambda v: None if v is None else str(v),
    "ts": lambda v: v.isoformat(),
    "side": lambda v: v.value,
    "phase": lambda v: v.value,
    "order_type": lambda v: v.value,
    "time_in_force": lambda v: v.value,
}
_DECODE_FIELD: dict[str, Callable[[Any], Any]] = {
    "quantity": Decimal,
    "limit_price": lambda v: None if v is None else Decimal(v),
    "ts": datetime.fromisoformat,
    "side": Side,
    "order_type": OrderType,
    "time_in_force": TimeInForce,
    "symbol": Symbol,
}


def _identity(value: Any) -> Any:
    return value


def _encode(request: Any) -> dict[str, Any]:
    names = _FIELD_NAMES.get(type(request))
    if names is None:
        names = _FIELD_NAMES[type(request)] = tuple(f.name for f in fields(request))
    return {name: _ENCODE_FIELD.get(name, _identity)(getattr(request, name)) for name in names}


def _decode(request_type: type, payload: dict[str, Any]) -> Any:
    return request_type(
        **{name: _DECODE_FIELD.get(name, _identity)(value) for name, value in payload.items()}
    )
