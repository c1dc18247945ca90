"""A price-time (FIFO) limit order book: integer price ticks, integer quantity units.

Each side keeps a dict of price levels keyed so that a smaller key is a better price (asks by
price, bids by minus price), a min-heap of those levels with lazy deletion to find the next
best level, and the cached best key; emptied levels are kept a while for reuse. A level is an
intrusive doubly linked list of orders, so a cancel is O(1). Every operation returns a list of
immutable events.

mypyc compiles this module (scripts/build_native.py) and the code is written for it: native
classes with typed int fields, @final classes, events built by direct calls, no tuples or
bound-method lookups in the hot paths. It stays plain Python and is the reference build.

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
from typing import Any, Final, final

try:
    from mypy_extensions import mypyc_attr
except ImportError:  # plain Python without mypy installed: the hints are only for mypyc

    def mypyc_attr(*attrs: str, **kwattrs: object) -> Any:  # type: ignore[misc]
        return lambda cls: cls


from brokerage.domain.orders.types import Side

OrderKey = Hashable
# Final: compiled with mypyc (scripts/build_native.py), these become C constants, not lookups.
BUY: Final = Side.BUY
SELL: Final = Side.SELL
# Best key of an empty side: no taker limit key ever reaches it.
_EMPTY: Final = 1 << 62
_MARKET_LIMIT: Final = _EMPTY - 1
# Empty levels kept for reuse beyond the number of live levels, before they are dropped.
_EMPTY_SLACK: Final = 64
# Prime, so that keys one tick apart (whatever the tick) fall in different cache slots.
_RECENT_SLOTS: Final = 127


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


# The events are small immutable classes with typed fields, not NamedTuples: compiled with
# mypyc they are native objects made by a direct C call (a NamedTuple's __new__ runs in the
# interpreter), and `acyclic` (they hold only ids, ints and a Reason) keeps them out of the
# cyclic garbage collector. Fields are Final: mypy refuses any assignment after __init__, and
# the compiled build refuses it at run time as well.
@mypyc_attr(acyclic=True)
class _Event:
    """Value semantics for the events: equal when of one type with equal fields."""

    __slots__ = ()

    def fields(self) -> tuple[Any, ...]:
        """Return the field values in declaration order."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Event)
            and type(self) is type(other)
            and self.fields() == other.fields()
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.fields()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self.fields()!r}"


@final
@mypyc_attr(acyclic=True, free_list_len=1)
class Accepted(_Event):
    __slots__ = ("order_id",)

    def __init__(self, order_id: OrderKey) -> None:
        self.order_id: Final = order_id

    def fields(self) -> tuple[Any, ...]:
        """Return the field values in declaration order."""
        return (self.order_id,)


@final
@mypyc_attr(acyclic=True)
class Rejected(_Event):
    __slots__ = ("order_id", "reason")

    def __init__(self, order_id: OrderKey, reason: Reason) -> None:
        self.order_id: Final = order_id
        self.reason: Final = reason

    def fields(self) -> tuple[Any, ...]:
        """Return the field values in declaration order."""
        return (self.order_id, self.reason)


@final
@mypyc_attr(acyclic=True, free_list_len=1)
class Fill(_Event):
    __slots__ = ("maker_id", "maker_remaining", "price", "qty", "taker_id", "taker_remaining")

    def __init__(
        self,
        taker_id: OrderKey,
        maker_id: OrderKey,
        price: int,
        qty: int,
        taker_remaining: int,
        maker_remaining: int,
    ) -> None:
        self.taker_id: Final = taker_id
        self.maker_id: Final = maker_id
        self.price: Final = price
        self.qty: Final = qty
        self.taker_remaining: Final = taker_remaining
        self.maker_remaining: Final = maker_remaining

    def fields(self) -> tuple[Any, ...]:
        """Return the field values in declaration order."""
        return (
            self.taker_id,
            self.maker_id,
            self.price,
            self.qty,
            self.taker_remaining,
            self.maker_remaining,
        )


@final
@mypyc_attr(acyclic=True, free_list_len=1)
class Canceled(_Event):
    __slots__ = ("order_id", "reason", "remaining")

    def __init__(self, order_id: OrderKey, remaining: int, reason: Reason) -> None:
        self.order_id: Final = order_id
        self.remaining: Final = remaining
        self.reason: Final = reason

    def fields(self) -> tuple[Any, ...]:
        """Return the field values in declaration order."""
        return (self.order_id, self.remaining, self.reason)


@final
@mypyc_attr(acyclic=True)
class Replaced(_Event):
    __slots__ = ("order_id", "price", "priority_kept", "qty", "remaining")

    def __init__(
        self, order_id: OrderKey, price: int, qty: int, remaining: int, priority_kept: bool
    ) -> None:
        self.order_id: Final = order_id
        self.price: Final = price
        self.qty: Final = qty  # new total quantity, including what already filled
        self.remaining: Final = remaining
        self.priority_kept: Final = priority_kept

    def fields(self) -> tuple[Any, ...]:
        """Return the field values in declaration order."""
        return (self.order_id, self.price, self.qty, self.remaining, self.priority_kept)


@final
@mypyc_attr(acyclic=True)
class AuctionFill(_Event):
    __slots__ = ("buy_id", "buy_remaining", "price", "qty", "sell_id", "sell_remaining")

    def __init__(
        self,
        buy_id: OrderKey,
        sell_id: OrderKey,
        price: int,
        qty: int,
        buy_remaining: int,
        sell_remaining: int,
    ) -> None:
        self.buy_id: Final = buy_id
        self.sell_id: Final = sell_id
        self.price: Final = price
        self.qty: Final = qty
        self.buy_remaining: Final = buy_remaining
        self.sell_remaining: Final = sell_remaining

    def fields(self) -> tuple[Any, ...]:
        """Return the field values in declaration order."""
        return (
            self.buy_id,
            self.sell_id,
            self.price,
            self.qty,
            self.buy_remaining,
            self.sell_remaining,
        )


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


@final
@mypyc_attr(free_list_len=1)
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


@final
@mypyc_attr(free_list_len=1)
class _Level:
    __slots__ = ("head", "in_heap", "key", "price", "qty", "side", "tail")

    def __init__(self, side: _BookSide, key: int, price: int) -> None:
        self.side = side
        self.key = key
        self.price = price
        self.qty = 0
        self.head: _Order | None = None
        self.tail: _Order | None = None
        self.in_heap = False

    def __lt__(self, other: _Level) -> bool:
        return self.key < other.key


@final
class _BookSide:
    """One side: levels by key, a lazy min-heap of levels, the best key, a cache of levels.

    A level that empties stays in `levels` (and maybe in the heap) so that the next order at
    that price reuses it: prices near the touch empty and refill all the time. Every
    non-empty level is in the heap; empty ones leave it when they surface at its top; when
    empty levels outnumber live ones (plus a slack) they are all dropped. `recent` maps
    key % _RECENT_SLOTS to a level: a hit finds it by a native int compare instead of boxing
    the key for a dict lookup (`levels` stays the truth).
    """

    __slots__ = ("best", "empty", "heap", "levels", "recent", "side", "sign")

    def __init__(self, side: Side) -> None:
        self.side = side
        self.sign = -1 if side is BUY else 1
        self.levels: dict[int, _Level] = {}
        self.heap: list[_Level] = []
        self.best = _EMPTY
        self.empty = 0  # levels in `levels` without orders
        self.recent: list[_Level | None] = [None] * _RECENT_SLOTS

    def find(self, key: int) -> _Level | None:
        """Return the level of a key (possibly empty), or None."""
        slot = key % _RECENT_SLOTS
        level = self.recent[slot]
        if level is not None and level.key == key:
            return level
        level = self.levels.get(key)
        if level is not None:
            self.recent[slot] = level
        return level

    def new_level(self, key: int, price: int) -> _Level:
        """Add an empty level (the caller puts an order in it and calls `occupy`)."""
        level = _Level(self, key, price)
        self.levels[key] = level
        self.recent[key % _RECENT_SLOTS] = level
        self.empty += 1
        return level

    def occupy(self, level: _Level) -> None:
        """Note that an empty level received its first order."""
        self.empty -= 1
        if not level.in_heap:
            level.in_heap = True
            heapq.heappush(self.heap, level)
        if level.key < self.best:
            self.best = level.key

    def vacate(self, level: _Level) -> None:
        """Note that a level lost its last order; find the next best if it was the best."""
        self.empty += 1
        if level.key == self.best:
            heap = self.heap
            while heap and heap[0].head is None:
                heapq.heappop(heap).in_heap = False
            self.best = heap[0].key if heap else _EMPTY
        if self.empty > len(self.levels) - self.empty + _EMPTY_SLACK:
            self.purge()

    def purge(self) -> None:
        """Drop every empty level, then rebuild the heap and the cache from the live ones."""
        live = {key: level for key, level in self.levels.items() if level.head is not None}
        self.levels = live
        self.heap = list(live.values())
        heapq.heapify(self.heap)
        for level in self.heap:
            level.in_heap = True
        self.recent = [
            level if level is not None and level.head is not None else None
            for level in self.recent
        ]
        self.empty = 0

    def sorted_levels(self) -> list[_Level]:
        """Return the non-empty levels, best first."""
        levels = self.levels
        return [levels[key] for key in sorted(levels) if levels[key].head is not None]


@final
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
        level = own.find(-price if own.sign < 0 else price)
        if level is None:
            level = own.new_level(-price if own.sign < 0 else price, price)
        self._seq = seq = self._seq + 1
        order = _Order(order_id, owner, price, qty, filled, seq)
        order.level = level
        tail = level.tail
        if tail is None:
            level.head = order
            own.occupy(level)
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
        orders = self._orders
        order = orders.get(order_id)  # get + del: compiled, both are direct calls; pop is not
        if order is None:
            return [Rejected(order_id, Reason.UNKNOWN_ORDER)]
        del orders[order_id]
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
            level.side.vacate(level)
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
        level = book_side.find(book_side.best)
        assert level is not None
        return level.price, level.qty

    def depth(self, side: Side, levels: int) -> list[tuple[int, int]]:
        """Return up to `levels` (price, total quantity) pairs from the best price outward."""
        book_side = self._bids if side is BUY else self._asks
        live = [key for key, level in book_side.levels.items() if level.head is not None]
        keys = heapq.nsmallest(levels, live)
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
        orders = self._orders
        best = opposite.best
        while best <= limit:
            level = opposite.find(best)
            assert level is not None
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
                events.append(Fill(taker_id, maker.order_id, price, fill, qty, resting))
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
                opposite.vacate(level)
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
        level = own.find(key)
        if level is None:
            level = own.new_level(key, price)
        self._seq += 1
        order = _Order(order_id, owner, price, qty, filled, self._seq)
        order.level = level
        tail = level.tail
        if tail is None:
            level.head = order
            own.occupy(level)
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
            level.side.vacate(level)

    @staticmethod
    def _view(order: _Order) -> RestingOrder:
        side = order.level.side.side
        return RestingOrder(
            order.order_id, order.owner, side, order.price, order.qty, order.filled, order.seq
        )


def _order_row(order: RestingOrder) -> list[Any]:
    return [order.order_id, order.owner, order.price, order.qty, order.filled, order.seq]
