"""The exchange's output side: book events become execution reports, prints and quotes.

A mixin of `SimulatedExchange` (venues.exchange), which owns the state it reads and writes;
the attributes it relies on are declared below. Callbacks and listeners stay silent while
the exchange replays its journal (`_replaying`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from brokerage.domain.execution import (
    CancelReject,
    ExecType,
    ExecutionReport,
    TopOfBook,
    TradePrint,
    VenueOrdStatus,
)
from brokerage.domain.ids import ExecId, Symbol, VenueId, VenueOrderId
from brokerage.domain.orders.types import Side
from brokerage.venues.exchange_orders import (
    _CANCEL_OUTCOMES,
    _DONE,
    _avg_px,
    _px,
    _qty,
    _VenueOrder,
)
from brokerage.venues.matching.book import (
    Accepted,
    AuctionFill,
    Canceled,
    Event,
    Fill,
    OrderBook,
    Rejected,
    Replaced,
)

ReportHandler = Callable[[ExecutionReport], None]
CancelRejectHandler = Callable[[CancelReject], None]


class _ExchangeOutput:
    """Report, print and quote what the books did (state lives in SimulatedExchange)."""

    venue_id: VenueId
    _replaying: bool
    _exec_seq: int
    _history_limit: int
    _live: dict[Hashable, _VenueOrder]
    _on_report: dict[str, ReportHandler | None]
    _on_cancel_reject: dict[str, CancelRejectHandler | None]
    _by_client: dict[tuple[str, str], VenueOrderId]
    _latest: dict[VenueOrderId, ExecutionReport]
    _reports: dict[str, deque[tuple[int, ExecutionReport]]]
    _cancel_rejects: dict[str, deque[CancelReject]]
    _finished: dict[str, deque[VenueOrderId]]
    _client_ids: dict[VenueOrderId, list[str]]
    _limits: dict[str, int]
    _last_trade: dict[Symbol, TradePrint]
    _quotes: dict[Symbol, TopOfBook]
    _trade_listeners: list[Callable[[TradePrint], None]]
    _quote_listeners: list[Callable[[TopOfBook], None]]
    _event_handlers: dict[type, Callable[[Symbol, Any, datetime], None]]

    if TYPE_CHECKING:  # provided by SimulatedExchange

        def _book(self, symbol: Symbol) -> OrderBook:
            ...

    def _event_table(self) -> dict[type, Callable[[Symbol, Any, datetime], None]]:
        return {
            Accepted: self._on_accepted,
            Fill: self._on_fill,
            Canceled: self._on_canceled,
            Replaced: self._on_replaced,
            AuctionFill: self._on_auction_fill,
            Rejected: self._on_rejected,
        }

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
        trade = TradePrint(self.venue_id, symbol, _px(price), _qty(qty), ts, (price, qty))
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
