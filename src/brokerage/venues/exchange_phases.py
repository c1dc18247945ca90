"""The exchange's trading phases: auction queues, opening and closing crosses, expiries.

A mixin of `SimulatedExchange` (venues.exchange), which owns the state it reads and writes;
the attributes it relies on are declared below.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from decimal import ROUND_HALF_EVEN
from typing import TYPE_CHECKING

from brokerage.domain.execution import ExecType, TradePrint, VenueOrdStatus
from brokerage.domain.ids import Symbol
from brokerage.domain.instruments import Instrument
from brokerage.domain.orders.types import TimeInForce
from brokerage.venues.exchange_orders import CLOSE, _ticks, _VenueOrder
from brokerage.venues.matching.auction import AuctionOrder, uncross
from brokerage.venues.matching.book import Event, OrderBook, Reason


class _ExchangePhases:
    """Queue orders for the auctions and run them (state lives in SimulatedExchange)."""

    _instruments: dict[Symbol, Instrument]
    _live: dict[Hashable, _VenueOrder]
    _queues: dict[str, dict[Symbol, list[_VenueOrder]]]
    _last_trade: dict[Symbol, TradePrint]

    if TYPE_CHECKING:  # provided by SimulatedExchange

        def _book(self, symbol: Symbol) -> OrderBook:
            ...

        def _apply(self, symbol: Symbol, events: list[Event], ts: datetime) -> None:
            ...

        def _enter_book(self, order: _VenueOrder) -> list[Event]:
            ...

        def _report(self, order: _VenueOrder, exec_type: ExecType, ts: datetime) -> None:
            ...

        def _finish(
            self,
            order: _VenueOrder,
            exec_type: ExecType,
            status: VenueOrdStatus,
            ts: datetime,
            text: str = "",
        ) -> None:
            ...

    def _enqueue(self, order: _VenueOrder, queue: str, ts: datetime) -> None:
        order.queue = queue
        order.seq = self._book(order.symbol).reserve_seq()
        self._live[order.venue_order_id] = order
        self._queues[queue].setdefault(order.symbol, []).append(order)
        order.status = VenueOrdStatus.NEW
        self._report(order, ExecType.NEW, ts)

    def _replace_queued(
        self, order: _VenueOrder, qty: int, price: int | None, ts: datetime
    ) -> None:
        keeps_priority = price == order.price and qty <= order.qty
        order.qty, order.price = qty, price
        if not keeps_priority:
            order.seq = self._book(order.symbol).reserve_seq()
        self._report(order, ExecType.REPLACED, ts)

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
