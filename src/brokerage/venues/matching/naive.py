"""A deliberately simple order book used as the test oracle for the fast one.

Each side is one list of orders kept sorted by (price priority, arrival number); every
operation scans or re-sorts it. Slow, obviously correct, and emitting the same events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from brokerage.domain.orders.types import Side
from brokerage.venues.matching.book import (
    Accepted,
    Canceled,
    Event,
    Fill,
    OrderKey,
    Reason,
    Rejected,
    Replaced,
)


@dataclass(slots=True)
class _NaiveOrder:
    order_id: OrderKey
    owner: Any
    side: Side
    price: int
    qty: int
    filled: int
    seq: int


class NaiveBook:
    """Match orders by price, then time, the slow and obvious way."""

    def __init__(self) -> None:
        self.bids: list[_NaiveOrder] = []
        self.asks: list[_NaiveOrder] = []
        self._seq = 0

    def add_limit(
        self, order_id: OrderKey, owner: Any, side: Side, price: int, qty: int
    ) -> list[Event]:
        """Match a limit order, then rest the remainder."""
        refusal = self._refusal(order_id, qty, price)
        if refusal:
            return [refusal]
        events: list[Event] = [Accepted(order_id)]
        left = self._match(order_id, side, price, qty, events)
        if left:
            self._rest(_NaiveOrder(order_id, owner, side, price, left, qty - left, 0))
        return events

    def add_market(self, order_id: OrderKey, owner: Any, side: Side, qty: int) -> list[Event]:
        """Match a market order; cancel the remainder."""
        return self._immediate(order_id, side, None, qty, Reason.MARKET_REMAINDER)

    def add_ioc(
        self, order_id: OrderKey, owner: Any, side: Side, price: int, qty: int
    ) -> list[Event]:
        """Match an IOC limit order; cancel the remainder."""
        return self._immediate(order_id, side, price, qty, Reason.IOC_REMAINDER)

    def add_fok(
        self, order_id: OrderKey, owner: Any, side: Side, price: int | None, qty: int
    ) -> list[Event]:
        """Fill completely or do nothing."""
        refusal = self._refusal(order_id, qty, price)
        if refusal:
            return [refusal]
        available = sum(o.qty for o in self._opposite(side) if _crosses(side, price, o.price))
        if available < qty:
            return [Accepted(order_id), Canceled(order_id, qty, Reason.FOK_UNFILLABLE)]
        events: list[Event] = [Accepted(order_id)]
        self._match(order_id, side, price, qty, events)
        return events

    def cancel(self, order_id: OrderKey, reason: Reason = Reason.CANCELED) -> list[Event]:
        """Remove a resting order."""
        order = self._find(order_id)
        if order is None:
            return [Rejected(order_id, Reason.UNKNOWN_ORDER)]
        self._own(order.side).remove(order)
        return [Canceled(order_id, order.qty, reason)]

    def replace(self, order_id: OrderKey, qty: int, price: int) -> list[Event]:
        """Change total quantity and/or price with the same priority rules as OrderBook."""
        order = self._find(order_id)
        if order is None:
            return [Rejected(order_id, Reason.UNKNOWN_ORDER)]
        if price <= 0:
            return [Rejected(order_id, Reason.INVALID_PRICE)]
        remaining = qty - order.filled
        if remaining <= 0:
            self._own(order.side).remove(order)
            return [Canceled(order_id, order.qty, Reason.REPLACED_BELOW_FILLED)]
        if price == order.price and remaining <= order.qty:
            order.qty = remaining
            return [Replaced(order_id, price, qty, remaining, True)]
        self._own(order.side).remove(order)
        events: list[Event] = [Replaced(order_id, price, qty, remaining, False)]
        left = self._match(order_id, order.side, price, remaining, events)
        if left:
            self._rest(_NaiveOrder(order_id, order.owner, order.side, price, left, qty - left, 0))
        return events

    def best_bid(self) -> int | None:
        """Return the best bid price or None."""
        return self.bids[0].price if self.bids else None

    def best_ask(self) -> int | None:
        """Return the best ask price or None."""
        return self.asks[0].price if self.asks else None

    def resting_ids(self, side: Side) -> list[OrderKey]:
        """Return the resting order ids of a side in priority order."""
        return [o.order_id for o in self._own(side)]

    def _immediate(
        self, order_id: OrderKey, side: Side, price: int | None, qty: int, reason: Reason
    ) -> list[Event]:
        refusal = self._refusal(order_id, qty, price)
        if refusal:
            return [refusal]
        events: list[Event] = [Accepted(order_id)]
        left = self._match(order_id, side, price, qty, events)
        if left:
            events.append(Canceled(order_id, left, reason))
        return events

    def _match(
        self, taker_id: OrderKey, side: Side, price: int | None, qty: int, events: list[Event]
    ) -> int:
        opposite = self._opposite(side)
        while qty and opposite and _crosses(side, price, opposite[0].price):
            maker = opposite[0]
            fill = min(qty, maker.qty)
            qty -= fill
            maker.qty -= fill
            maker.filled += fill
            events.append(Fill(taker_id, maker.order_id, maker.price, fill, qty, maker.qty))
            if maker.qty == 0:
                opposite.pop(0)
        return qty

    def _rest(self, order: _NaiveOrder) -> None:
        self._seq += 1
        order.seq = self._seq
        own = self._own(order.side)
        own.append(order)
        if order.side is Side.BUY:
            own.sort(key=lambda o: (-o.price, o.seq))
        else:
            own.sort(key=lambda o: (o.price, o.seq))

    def _refusal(self, order_id: OrderKey, qty: int, price: int | None) -> Rejected | None:
        if self._find(order_id) is not None:
            return Rejected(order_id, Reason.DUPLICATE_ORDER_ID)
        if qty <= 0:
            return Rejected(order_id, Reason.INVALID_QUANTITY)
        if price is not None and price <= 0:
            return Rejected(order_id, Reason.INVALID_PRICE)
        return None

    def _find(self, order_id: OrderKey) -> _NaiveOrder | None:
        for order in self.bids + self.asks:
            if order.order_id == order_id:
                return order
        return None

    def _own(self, side: Side) -> list[_NaiveOrder]:
        return self.bids if side is Side.BUY else self.asks

    def _opposite(self, side: Side) -> list[_NaiveOrder]:
        return self.asks if side is Side.BUY else self.bids


def _crosses(side: Side, limit: int | None, resting_price: int) -> bool:
    if limit is None:
        return True
    return resting_price <= limit if side is Side.BUY else resting_price >= limit
