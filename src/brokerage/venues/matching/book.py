"""A price-time (FIFO) limit order book: integer price ticks, integer quantity units.

Each side keeps a dict of price levels keyed so that a smaller key is a better price (asks by
price, bids by minus price), a min-heap of those keys with lazy deletion to find the next best
level, and the cached best key. A level is an intrusive doubly linked list of orders, so a
cancel is O(1). Every operation returns a list of immutable events.

Order ids and owners are opaque to the book; keep them JSON-able (str or int) if the book is
snapshotted.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, NamedTuple

from brokerage.domain.orders.types import Side

OrderKey = Hashable
# Final: compiled with mypyc (scripts/build_native.py), these become C constants, not lookups.
BUY: Final = Side.BUY
SELL: Final = Side.SELL
# Best key of an empty side: no taker limit key ever reaches it.
_EMPTY: Final = 1 << 62
_MARKET_LIMIT: Final = _EMPTY - 1
_HEAP_SLACK: Final = 64


class Reason(StrEnum):
    """Why the book refused an input or took an order off the book."""

    DUPLICATE_ORDER_ID = "match_duplicate_order_id"
    INVALID_QUANTITY = "match_invalid_quantity"
    INVALID_PRICE = "match_invalid_price"
    UNKNOWN_ORDER = "match_unknown_order"
    CANCELED = "match_canceled"
    IOC_REMAINDER = "match_ioc_remainder"
    MARKET_REMAINDER = "match_market_remainder"
    FOK_UNFILLABLE = "match_fok_unfillable"
    REPLACED_BELOW_FILLED = "match_replaced_below_filled"
    EXPIRED = "match_expired"


# The events are immutable named tuples: a frozen dataclass costs several times more to
# build (one object.__setattr__ per field), and the book makes one or more per operation.
class Accepted(NamedTuple):
    order_id: OrderKey


class Rejected(NamedTuple):
    order_id: OrderKey
    reason: Reason


class Fill(NamedTuple):
    taker_id: OrderKey
    maker_id: OrderKey
    price: int
    qty: int
    taker_remaining: int
    maker_remaining: int


class Canceled(NamedTuple):
    order_id: OrderKey
    remaining: int
    reason: Reason


class Replaced(NamedTuple):
    order_id: OrderKey
    price: int
    qty: int  # new total quantity, including what already filled
    remaining: int
    priority_kept: bool


class AuctionFill(NamedTuple):
    buy_id: OrderKey
    sell_id: OrderKey
    price: int
    qty: int
    buy_remaining: int
    sell_remaining: int


Event = Accepted | Rejected | Fill | Canceled | Replaced | AuctionFill


@dataclass(frozen=True, slots=True)
class RestingOrder:
    """A read-only view of an order resting on the book."""

    order_id: OrderKey
    owner: Any
    side: Side
    price: int
    qty: int
    filled: int
    seq: int


class _Order:
    __slots__ = ("filled", "level", "next", "order_id", "owner", "prev", "price", "qty", "seq")

    def __init__(
        self, order_id: OrderKey, owner: Any, price: int, qty: int, filled: int, seq: int
    ) -> None:
        self.order_id = order_id
        self.owner = owner
        self.price = price
        self.qty = qty
        self.filled = filled
        self.seq = seq
        self.level: _Level
        self.prev: _Order | None = None
        self.next: _Order | None = None


class _Level:
    __slots__ = ("head", "key", "price", "qty", "side", "tail")

    def __init__(self, side: _BookSide, key: int, price: int) -> None:
        self.side = side
        self.key = key
        self.price = price
        self.qty = 0
        self.head: _Order | None = None
        self.tail: _Order | None = None


class _BookSide:
    __slots__ = ("best", "heap", "levels", "side", "sign")

    def __init__(self, side: Side) -> None:
        self.side = side
        self.sign = -1 if side is BUY else 1
        self.levels: dict[int, _Level] = {}
        self.heap: list[int] = []
        self.best = _EMPTY

    def new_level(self, key: int, price: int) -> _Level:
        level = _Level(self, key, price)
        self.levels[key] = level
        heap = self.heap
        if len(heap) > 2 * len(self.levels) + _HEAP_SLACK:
            heap[:] = self.levels
            heapq.heapify(heap)
        else:
            heapq.heappush(heap, key)
        if key < self.best:
            self.best = key
        return level

    def drop_level(self, key: int) -> None:
        levels = self.levels
        del levels[key]
        if key == self.best:
            heap = self.heap
            while heap and heap[0] not in levels:
                heapq.heappop(heap)
            self.best = heap[0] if heap else _EMPTY

    def sorted_levels(self) -> list[_Level]:
        return [self.levels[key] for key in sorted(self.levels)]


class OrderBook:
    """Match orders of one symbol by price, then time."""

    def __init__(self) -> None:
        self._bids = _BookSide(BUY)
        self._asks = _BookSide(SELL)
        self._orders: dict[OrderKey, _Order] = {}
        self._seq = 0

    # -- inputs -------------------------------------------------------------------------

    def add_limit(
        self, order_id: OrderKey, owner: Any, side: Side, price: int, qty: int
    ) -> list[Event]:
        """Match a limit order as far as its price allows, then rest the remainder."""
        if order_id in self._orders or qty <= 0 or price <= 0:
            return [self._refusal(order_id, qty, price)]
        events: list[Event] = [Accepted(order_id)]
        if side is BUY:
            own, opposite, limit = self._bids, self._asks, price
        else:
            own, opposite, limit = self._asks, self._bids, -price
        filled = 0
        if opposite.best <= limit:
            remaining = self._match(order_id, opposite, limit, qty, events)
            if not remaining:
                return events
            filled, qty = qty - remaining, remaining
        # Inlined _rest: this is the hottest path of the engine.
        level = own.levels.get(-price if own.sign < 0 else price)
        if level is None:
            level = own.new_level(-price if own.sign < 0 else price, price)
        self._seq = seq = self._seq + 1
        order = _Order(order_id, owner, price, qty, filled, seq)
        order.level = level
        tail = level.tail
        if tail is None:
            level.head = order
        else:
            tail.next = order
            order.prev = tail
        level.tail = order
        level.qty += qty
        self._orders[order_id] = order
        return events

    def add_market(self, order_id: OrderKey, owner: Any, side: Side, qty: int) -> list[Event]:
        """Match a market order against the book; cancel whatever cannot fill."""
        return self._add_immediate(order_id, side, None, qty, Reason.MARKET_REMAINDER)

    def add_ioc(
        self, order_id: OrderKey, owner: Any, side: Side, price: int, qty: int
    ) -> list[Event]:
        """Match an immediate-or-cancel limit order; cancel its remainder."""
        return self._add_immediate(order_id, side, price, qty, Reason.IOC_REMAINDER)

    def add_fok(
        self, order_id: OrderKey, owner: Any, side: Side, price: int | None, qty: int
    ) -> list[Event]:
        """Fill a fill-or-kill order completely at once, or cancel it untouched."""
        if order_id in self._orders or qty <= 0 or (price is not None and price <= 0):
            return [self._refusal(order_id, qty, price)]
        opposite, limit = self._taker_view(side, price)
        if self._available(opposite, limit, qty) < qty:
            return [Accepted(order_id), Canceled(order_id, qty, Reason.FOK_UNFILLABLE)]
        events: list[Event] = [Accepted(order_id)]
        self._match(order_id, opposite, limit, qty, events)
        return events

    def cancel(self, order_id: OrderKey, reason: Reason = Reason.CANCELED) -> list[Event]:
        """Take a resting order off the book."""
        order = self._orders.pop(order_id, None)
        if order is None:
            return [Rejected(order_id, Reason.UNKNOWN_ORDER)]
        # Inlined _unlink: cancels are a third of the flow.
        qty = order.qty
        level = order.level
        level.qty -= qty
        prev, nxt = order.prev, order.next
        if prev is None:
            level.head = nxt
        else:
            prev.next = nxt
        if nxt is None:
            level.tail = prev
        else:
            nxt.prev = prev
        if level.head is None:
            level.side.drop_level(level.key)
        return [Canceled(order_id, qty, reason)]

    def replace(self, order_id: OrderKey, qty: int, price: int) -> list[Event]:
        """Change a resting order's total quantity and/or price.

        Keep time priority only when the price is unchanged and the quantity is not
        increased; otherwise the order re-enters as a new arrival (and may match). A new total
        at or below the filled quantity cancels the remainder.
        """
        order = self._orders.get(order_id)
        if order is None:
            return [Rejected(order_id, Reason.UNKNOWN_ORDER)]
        if price <= 0:
            return [Rejected(order_id, Reason.INVALID_PRICE)]
        remaining = qty - order.filled
        if remaining <= 0:
            del self._orders[order_id]
            self._unlink(order)
            return [Canceled(order_id, order.qty, Reason.REPLACED_BELOW_FILLED)]
        if price == order.price and remaining <= order.qty:
            order.level.qty -= order.qty - remaining
            order.qty = remaining
            return [Replaced(order_id, price, qty, remaining, True)]
        del self._orders[order_id]
        self._unlink(order)
        events: list[Event] = [Replaced(order_id, price, qty, remaining, False)]
        side = order.level.side.side
        own, opposite = (self._bids, self._asks) if side is BUY else (self._asks, self._bids)
        limit = price if side is BUY else -price
        if opposite.best <= limit:
            remaining = self._match(order_id, opposite, limit, remaining, events)
            if not remaining:
                return events
        self._rest(order_id, order.owner, own, price, remaining, qty - remaining)
        return events

    # -- queries ------------------------------------------------------------------------

    def best_bid(self) -> int | None:
        """Return the best bid price, or None when there are no bids."""
        best = self._bids.best
        return None if best == _EMPTY else -best

    def best_ask(self) -> int | None:
        """Return the best ask price, or None when there are no asks."""
        best = self._asks.best
        return None if best == _EMPTY else best

    def top(self, side: Side) -> tuple[int, int] | None:
        """Return (price, total quantity) of the best level of a side, or None."""
        book_side = self._bids if side is BUY else self._asks
        if book_side.best == _EMPTY:
            return None
        level = book_side.levels[book_side.best]
        return level.price, level.qty

    def depth(self, side: Side, levels: int) -> list[tuple[int, int]]:
        """Return up to `levels` (price, total quantity) pairs from the best price outward."""
        book_side = self._bids if side is BUY else self._asks
        keys = heapq.nsmallest(levels, book_side.levels)
        return [(book_side.levels[k].price, book_side.levels[k].qty) for k in keys]

    def __len__(self) -> int:
        return len(self._orders)

    def __contains__(self, order_id: object) -> bool:
        return order_id in self._orders

    def order(self, order_id: OrderKey) -> RestingOrder | None:
        """Return a view of a resting order, or None."""
        order = self._orders.get(order_id)
        return None if order is None else self._view(order)

    def resting(self, side: Side) -> Iterator[RestingOrder]:
        """Yield the resting orders of a side in priority order."""
        book_side = self._bids if side is BUY else self._asks
        for level in book_side.sorted_levels():
            order = level.head
            while order is not None:
                yield self._view(order)
                order = order.next

    def reserve_seq(self) -> int:
        """Take the next arrival number for an order held outside the book (auction queue)."""
        self._seq += 1
        return self._seq

    def execute_resting(self, order_id: OrderKey, qty: int) -> int:
        """Fill part of a resting order outside continuous matching; return what remains."""
        order = self._orders[order_id]
        if not 0 < qty <= order.qty:
            raise ValueError(f"cannot execute {qty} of {order.qty} resting")
        order.qty -= qty
        order.filled += qty
        order.level.qty -= qty
        if not order.qty:
            del self._orders[order_id]
            self._unlink(order)
        return order.qty

    # -- persistence --------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Return a JSON-able image of the resting orders in priority order."""
        return {
            "seq": self._seq,
            "bids": [_order_row(o) for o in self.resting(BUY)],
            "asks": [_order_row(o) for o in self.resting(SELL)],
        }

    @classmethod
    def restore(cls, snapshot: dict[str, Any]) -> OrderBook:
        """Rebuild a book from `snapshot()`, keeping every order's priority and number."""
        book = cls()
        for side, rows in ((BUY, snapshot["bids"]), (SELL, snapshot["asks"])):
            own = book._bids if side is BUY else book._asks
            for order_id, owner, price, qty, filled, seq in rows:
                book._rest(order_id, owner, own, price, qty, filled)
                book._orders[order_id].seq = seq
        book._seq = snapshot["seq"]
        return book

    def state_hash(self) -> str:
        """Return a sha256 over the resting orders in priority order."""
        rows = {
            "bids": [_order_row(o) for o in self.resting(BUY)],
            "asks": [_order_row(o) for o in self.resting(SELL)],
        }
        canonical = json.dumps(rows, separators=(",", ":"), sort_keys=True, default=repr)
        return hashlib.sha256(canonical.encode()).hexdigest()

    # -- internals ----------------------------------------------------------------------

    def _add_immediate(
        self, order_id: OrderKey, side: Side, price: int | None, qty: int, reason: Reason
    ) -> list[Event]:
        if order_id in self._orders or qty <= 0 or (price is not None and price <= 0):
            return [self._refusal(order_id, qty, price)]
        events: list[Event] = [Accepted(order_id)]
        opposite, limit = self._taker_view(side, price)
        if opposite.best <= limit:
            qty = self._match(order_id, opposite, limit, qty, events)
        if qty:
            events.append(Canceled(order_id, qty, reason))
        return events

    def _taker_view(self, side: Side, price: int | None) -> tuple[_BookSide, int]:
        if side is BUY:
            return self._asks, _MARKET_LIMIT if price is None else price
        return self._bids, _MARKET_LIMIT if price is None else -price

    def _refusal(self, order_id: OrderKey, qty: int, price: int | None) -> Rejected:
        if order_id in self._orders:
            return Rejected(order_id, Reason.DUPLICATE_ORDER_ID)
        if qty <= 0:
            return Rejected(order_id, Reason.INVALID_QUANTITY)
        return Rejected(order_id, Reason.INVALID_PRICE)

    @staticmethod
    def _available(opposite: _BookSide, limit: int, wanted: int) -> int:
        total = 0
        for key, level in opposite.levels.items():
            if key <= limit:
                total += level.qty
                if total >= wanted:
                    break
        return total

    def _match(
        self, taker_id: OrderKey, opposite: _BookSide, limit: int, qty: int, events: list[Event]
    ) -> int:
        """Fill `qty` against the opposite side up to the limit key; return what is left."""
        levels = opposite.levels
        orders = self._orders
        append = events.append
        best = opposite.best
        while best <= limit:
            level = levels[best]
            price = level.price
            start = qty
            maker = level.head
            while maker is not None:
                resting = maker.qty
                fill = qty if qty < resting else resting
                qty -= fill
                resting -= fill
                maker.qty = resting
                maker.filled += fill
                append(Fill(taker_id, maker.order_id, price, fill, qty, resting))
                if resting:
                    break
                del orders[maker.order_id]
                maker = maker.next
                if not qty:
                    break
            level.qty -= start - qty
            level.head = maker
            if maker is None:
                level.tail = None
                opposite.drop_level(best)
                best = opposite.best
            else:
                maker.prev = None
            if not qty:
                break
        return qty

    def _rest(
        self, order_id: OrderKey, owner: Any, own: _BookSide, price: int, qty: int, filled: int
    ) -> None:
        key = -price if own.sign < 0 else price
        level = own.levels.get(key)
        if level is None:
            level = own.new_level(key, price)
        self._seq += 1
        order = _Order(order_id, owner, price, qty, filled, self._seq)
        order.level = level
        tail = level.tail
        if tail is None:
            level.head = order
        else:
            tail.next = order
            order.prev = tail
        level.tail = order
        level.qty += qty
        self._orders[order_id] = order

    @staticmethod
    def _unlink(order: _Order) -> None:
        level = order.level
        level.qty -= order.qty
        prev, nxt = order.prev, order.next
        if prev is None:
            level.head = nxt
        else:
            prev.next = nxt
        if nxt is None:
            level.tail = prev
        else:
            nxt.prev = prev
        if level.head is None:
            level.side.drop_level(level.key)

    @staticmethod
    def _view(order: _Order) -> RestingOrder:
        side = order.level.side.side
        return RestingOrder(
            order.order_id, order.owner, side, order.price, order.qty, order.filled, order.seq
        )


def _order_row(order: RestingOrder) -> list[Any]:
    return [order.order_id, order.owner, order.price, order.qty, order.filled, order.seq]
