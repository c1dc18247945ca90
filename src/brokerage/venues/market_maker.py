"""A simulated wholesale market maker: fills marketable retail orders at or better than the NBBO.

It quotes the exchange's NBBO (read through a MarketDataSource), executes a marketable order
in full when it receives it, at the far side improved by a drawn price improvement, and pays a
per-share rebate (payment for order flow) carried on each fill report. It refuses orders above
its size limit, a configured share of orders for its own reasons, and every order while its
session is down. Non-marketable limit orders are declined, or forwarded to the exchange and
relayed back as its own reports.

Answers arrive after the configured latency through the injected scheduler (never a sleep).
Every report is kept for `executions()`: the day's drop copy.

Its own two-sided quote (the exchange's top of book, for up to its size limit) goes to quote
listeners like any venue's: on every change only, withdrawn while its session is down. It is
derived from the exchange's book, never from a consolidated NBBO that would contain itself,
and it is exactly what `submit` executes against, so a fill is at or better than the quote.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
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
from brokerage.domain.ids import ExecId, Symbol, VenueId, VenueOrderId
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.venues.mm_models import MarketMakerConfig, execution_price, rebate_usd

HISTORY_LIMIT = 100_000  # reports kept per participant for the drop copy
ReportHandler = Callable[[ExecutionReport], None]
QuoteListener = Callable[[TopOfBook], None]
CancelRejectHandler = Callable[[CancelReject], None]


@dataclass(slots=True)
class _Order:
    participant: str
    request: NewOrderRequest
    venue_order_id: VenueOrderId
    forwarded: bool = False


class MarketMaker:
    """An in-process market-maker venue with the same interface as the simulated exchange."""

    def __init__(self, venue_id: VenueId, market: Any, clock: Any, scheduler: Any,
                 config: MarketMakerConfig | None = None, exchange: Any = None,
                 rng: random.Random | None = None, session_id: str | None = None,
                 drop_copy: Callable[[str, str, ExecutionReport], None] | None = None) -> None:
        self.venue_id = venue_id
        # Exec and order ids carry the session so a restarted market maker never reuses one.
        self.session_id = session_id or uuid.uuid4().hex[:8]
        self.config = config or MarketMakerConfig()
        self._market = market
        self._clock = clock
        self._scheduler = scheduler
        self._exchange = exchange
        self._drop_copy = drop_copy  # also hand every report to a store (survives a restart)
        self._rng = rng or random.Random(self.config.seed)
        self._up = True
        self._on_report: dict[str, ReportHandler] = {}
        self._on_cancel_reject: dict[str, CancelRejectHandler | None] = {}
        self._orders: dict[str, _Order] = {}  # by every cl_ord_id the order has had
        self._latest: dict[VenueOrderId, ExecutionReport] = {}
        self._reports: dict[str, deque[tuple[int, ExecutionReport]]] = {}
        self._exec_seq = 0
        self._order_seq = 0
        self._quote_listeners: list[QuoteListener] = []
        self._published: dict[Symbol, TopOfBook] = {}  # the last quote sent, per symbol
        if exchange is not None and self.config.non_marketable == "forward":
            exchange.connect(self._fwd_participant, self._relay, self._relay_reject)

    # -- session ------------------------------------------------------------------------

    def connect(self, participant_id: str, on_report: ReportHandler,
                on_cancel_reject: CancelRejectHandler | None = None) -> None:
        """Register a participant; its reports (and cancel rejects) go to the callbacks."""
        self._on_report[participant_id] = on_report
        self._on_cancel_reject[participant_id] = on_cancel_reject

    def is_up(self) -> bool:
        """Tell whether the venue's session is up (the FIX client's logon state)."""
        return self._up

    def go_down(self) -> None:
        """Drop the session: messages sent meanwhile are lost, unanswered; quotes withdrawn."""
        self._up = False
        self._republish()

    def come_up(self) -> None:
        self._up = True
        self._republish()

    def add_quote_listener(self, listener: QuoteListener) -> None:
        """Call `listener` with this market maker's quote of a symbol whenever it changes.

        The first listener makes the market maker follow its market's quotes (when the market
        publishes them); a quote goes out only when its prices or sizes change, so the rate is
        at most the exchange's.
        """
        if not self._quote_listeners and hasattr(self._market, "add_quote_listener"):
            self._market.add_quote_listener(self._market_quote_changed)
        self._quote_listeners.append(listener)

    # -- inputs -------------------------------------------------------------------------

    def submit(self, participant_id: str, request: NewOrderRequest) -> None:
        """Execute a marketable order at once, forward or decline the rest; answer later."""
        if not self._up:
            return
        self._order_seq += 1
        order_id = VenueOrderId(f"{self.venue_id}-{self.session_id}-O{self._order_seq}")
        order = _Order(participant_id, request, order_id)
        if request.cl_ord_id in self._orders:
            self._reject(order, "duplicate cl_ord_id")
            return
        self._orders[request.cl_ord_id] = order
        quote = self._market.top_of_book(request.symbol)
        text = self._refusal(request, quote)
        if text == "forward":
            order.forwarded = True
            self._exchange.submit(self._fwd_participant, request)
        elif text:
            self._reject(order, text)
        else:
            self._execute(order, quote)

    def cancel(self, participant_id: str, request: CancelRequest) -> None:
        """Cancel a forwarded order; an executed one is too late to cancel."""
        if not self._up:
            return
        order = self._orders.get(request.orig_cl_ord_id)
        if order is not None and order.forwarded:
            self._orders[request.cl_ord_id] = order
            self._exchange.cancel(self._fwd_participant, request)
            return
        text = "unknown order" if order is None else "too late to cancel: order is executed"
        self._cancel_reject(participant_id, request.cl_ord_id, request.orig_cl_ord_id, text)

    def replace(self, participant_id: str, request: ReplaceRequest) -> None:
        """Replace a forwarded order; an executed one is too late to replace."""
        if not self._up:
            return
        order = self._orders.get(request.orig_cl_ord_id)
        if order is not None and order.forwarded:
            self._orders[request.cl_ord_id] = order
            self._exchange.replace(self._fwd_participant, request)
            return
        text = "unknown order" if order is None else "too late to replace: order is executed"
        self._cancel_reject(participant_id, request.cl_ord_id, request.orig_cl_ord_id, text)

    # -- queries ------------------------------------------------------------------------

    def order_status(self, participant_id: str, cl_ord_id: str) -> ExecutionReport | None:
        order = self._orders.get(cl_ord_id)
        if order is None or order.participant != participant_id:
            return None
        return self._latest.get(order.venue_order_id)

    def executions(self, participant_id: str, since_seq: int = 0) -> list[ExecutionReport]:
        """Return the reports sent to a participant (the drop copy) after `since_seq`."""
        return [r for seq, r in self._reports.get(participant_id, ()) if seq > since_seq]

    def top_of_book(self, symbol: Symbol) -> TopOfBook | None:
        """Return this market maker's quote: the NBBO, for up to its size limit."""
        nbbo = self._market.top_of_book(symbol)
        if nbbo is None or nbbo.bid is None or nbbo.ask is None or not self._up:
            return None
        size = self.config.max_order_quantity
        return TopOfBook(self.venue_id, symbol, nbbo.bid, size, nbbo.ask, size, nbbo.ts)

    def last_trade(self, symbol: Symbol) -> TradePrint | None:
        return None  # a wholesaler prints to the TRF, not to its own tape

    # -- quote publishing ----------------------------------------------------------------

    def _market_quote_changed(self, quote: TopOfBook) -> None:
        self._publish(quote.symbol)

    def _republish(self) -> None:
        for symbol in list(self._published):
            self._publish(symbol)

    def _publish(self, symbol: Symbol) -> None:
        """Send the current quote if it differs from the last one sent (time never goes back)."""
        quote = self.top_of_book(symbol)
        last = self._published.get(symbol)
        if quote is None:
            if last is None or (last.bid is None and last.ask is None):
                return  # nothing quoted: nothing to withdraw
            zero = Decimal(0)
            quote = TopOfBook(self.venue_id, symbol, None, zero, None, zero, self._clock.now())
        if last is not None:
            if (quote.bid, quote.bid_size, quote.ask, quote.ask_size) == (
                    last.bid, last.bid_size, last.ask, last.ask_size):
                return
            if quote.ts < last.ts:
                quote = replace(quote, ts=last.ts)
        self._published[symbol] = quote
        for listener in self._quote_listeners:
            listener(quote)

    def expected_improvement(self) -> Decimal:
        """Return the mean price improvement per share this market maker gives."""
        return self.config.improvement.expected()

    # -- execution ----------------------------------------------------------------------

    def _refusal(self, request: NewOrderRequest, quote: TopOfBook | None) -> str:
        """Return why the order is refused ("forward" to send it on), or "" to execute it."""
        if request.time_in_force in (TimeInForce.OPG, TimeInForce.CLS):
            return "auction orders are not accepted"
        if not request.quantity.is_finite() or request.quantity <= 0:
            return "quantity must be positive"
        if quote is None or quote.bid is None or quote.ask is None:
            return "no reference quote"
        if not _marketable(request, quote.bid, quote.ask):
            forward = self.config.non_marketable == "forward" and self._exchange is not None
            return "forward" if forward else "declines non-marketable limit orders"
        if request.quantity > self.config.max_order_quantity:
            return f"size limit {self.config.max_order_quantity} exceeded"
        if self._rng.random() < self.config.reject_rate:
            return "liquidity unavailable"
        return ""

    def _execute(self, order: _Order, quote: TopOfBook) -> None:
        request = order.request
        assert quote.bid is not None and quote.ask is not None
        improvement = self.config.improvement.draw(self._rng, quote.ask - quote.bid)
        price = execution_price(request.side, quote.bid, quote.ask, improvement)
        if request.limit_price is not None:  # never worse than the customer's limit
            price = (min(price, request.limit_price) if request.side is Side.BUY
                     else max(price, request.limit_price))
        qty = request.quantity
        zero = Decimal(0)
        self._send(order, ExecType.NEW, VenueOrdStatus.NEW, zero, zero, zero, zero)
        self._send(order, ExecType.TRADE, VenueOrdStatus.FILLED, qty, price, qty, price,
                   liquidity="removed", rebate=rebate_usd(self.config.rebate_per_share_usd, qty))

    def _reject(self, order: _Order, text: str) -> None:
        zero = Decimal(0)
        self._send(order, ExecType.REJECTED, VenueOrdStatus.REJECTED, zero, zero, zero, zero,
                   text=f"{self.venue_id}: {text}")

    def _send(self, order: _Order, exec_type: ExecType, status: VenueOrdStatus, last_qty: Decimal,
              last_px: Decimal, cum: Decimal, avg: Decimal, text: str = "",
              liquidity: str = "", rebate: Decimal = Decimal(0)) -> None:
        request = order.request
        leaves = request.quantity - cum if status is VenueOrdStatus.NEW else Decimal(0)
        self._exec_seq += 1
        report = ExecutionReport(
            venue=self.venue_id, exec_id=self._exec_id(),
            exec_type=exec_type, ord_status=status, cl_ord_id=request.cl_ord_id,
            orig_cl_ord_id=None, venue_order_id=order.venue_order_id, symbol=request.symbol,
            side=request.side, last_qty=last_qty, last_px=last_px, cum_qty=cum,
            leaves_qty=leaves, avg_px=avg, ts=self._clock.now(), text=text,
            liquidity=liquidity, rebate=rebate)
        self._deliver(order.participant, report)

    def _deliver(self, participant: str, report: ExecutionReport) -> None:
        """Keep the report for the drop copy; hand it over after the latency."""
        self._latest[report.venue_order_id] = report
        history = self._reports.get(participant)
        if history is None:
            history = self._reports[participant] = deque(maxlen=HISTORY_LIMIT)
        history.append((self._exec_seq, report))
        if self._drop_copy is not None:
            self._drop_copy(self.venue_id, participant, report)
        handler = self._on_report.get(participant)
        if handler is not None:
            self._later(lambda: handler(report) if self._up else None)

    def _cancel_reject(self, participant: str, cl_ord_id: str, orig: str, text: str) -> None:
        reject = CancelReject(self.venue_id, cl_ord_id, orig, text, self._clock.now())
        handler = self._on_cancel_reject.get(participant)
        if handler is not None:
            self._later(lambda: handler(reject) if self._up else None)

    def _exec_id(self) -> ExecId:
        return ExecId(f"{self.venue_id}-{self.session_id}-{self._exec_seq}")

    def _later(self, deliver: Callable[[], None]) -> None:
        self._scheduler.call_at(self._clock.now() + self.config.latency, deliver)

    # -- forwarding to the exchange ------------------------------------------------------

    @property
    def _fwd_participant(self) -> str:
        return f"{self.venue_id}-fwd"

    def _relay(self, report: ExecutionReport) -> None:
        """Send the exchange's report on as our own (our exec id and order id; no rebate)."""
        order = self._orders.get(report.cl_ord_id)
        if order is None:
            return
        self._exec_seq += 1
        mine = replace(report, venue=self.venue_id,
                       exec_id=self._exec_id(),
                       venue_order_id=order.venue_order_id, ts=self._clock.now())
        self._deliver(order.participant, mine)

    def _relay_reject(self, reject: CancelReject) -> None:
        order = self._orders.get(reject.orig_cl_ord_id)
        if order is not None:
            self._cancel_reject(order.participant, reject.cl_ord_id, reject.orig_cl_ord_id,
                                reject.reason)


def _marketable(request: NewOrderRequest, bid: Decimal, ask: Decimal) -> bool:
    if request.order_type is OrderType.MARKET:
        return True
    if request.limit_price is None:
        return False
    return request.limit_price >= ask if request.side is Side.BUY else request.limit_price <= bid
