"""Input commands of the matching engine and the journal that records them.

Every command that reaches the engine is a frozen dataclass; the journal numbers it and can
turn it into a JSON-able dict and back. Replaying a snapshot plus the entries after it
rebuilds the same books (compare `state_hash()`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from brokerage.domain.orders.types import Side
from brokerage.venues.matching.auction import AuctionOrder
from brokerage.venues.matching.book import OrderKey, Reason


class OrderKind(StrEnum):
    LIMIT = "limit"
    MARKET = "market"
    IOC = "ioc"
    FOK = "fok"


@dataclass(frozen=True, slots=True)
class AddOrder:
    symbol: str
    order_id: OrderKey
    owner: Any
    side: Side
    kind: OrderKind
    price: int | None  # None for market orders (and FOK without a limit)
    qty: int


@dataclass(frozen=True, slots=True)
class CancelOrder:
    symbol: str
    order_id: OrderKey
    reason: Reason = Reason.CANCELED


@dataclass(frozen=True, slots=True)
class ReplaceOrder:
    symbol: str
    order_id: OrderKey
    qty: int  # new total quantity
    price: int


@dataclass(frozen=True, slots=True)
class RunAuction:
    symbol: str
    orders: tuple[AuctionOrder, ...]  # queued orders; the book's resting orders join them
    reference: int


Command = AddOrder | CancelOrder | ReplaceOrder | RunAuction


@dataclass(frozen=True, slots=True)
class JournalEntry:
    seq: int
    command: Command

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict of this entry."""
        kind = _TYPE_NAMES[type(self.command)]
        return {"seq": self.seq, "type": kind, **_ENCODERS[kind](self.command)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JournalEntry:
        """Read an entry written by `to_dict`."""
        return cls(data["seq"], _DECODERS[data["type"]](data))


class Journal:
    """An append-only, numbered list of engine commands, optionally copied to a sink."""

    def __init__(self, sink: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._entries: list[JournalEntry] = []
        self._sink = sink

    def record(self, entry: JournalEntry) -> None:
        """Append an entry (numbers must follow on) and copy it to the sink."""
        if self._entries and entry.seq != self._entries[-1].seq + 1:
            raise ValueError(f"journal gap: {self._entries[-1].seq} then {entry.seq}")
        self._entries.append(entry)
        if self._sink is not None:
            self._sink(entry.to_dict())

    def since(self, seq: int) -> list[JournalEntry]:
        """Return the entries numbered after `seq`."""
        return [e for e in self._entries if e.seq > seq]

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def _encode_add(c: Any) -> dict[str, Any]:
    return {
        "symbol": c.symbol,
        "order_id": c.order_id,
        "owner": c.owner,
        "side": c.side.value,
        "kind": c.kind.value,
        "price": c.price,
        "qty": c.qty,
    }


def _decode_add(d: dict[str, Any]) -> AddOrder:
    return AddOrder(
        d["symbol"],
        d["order_id"],
        d["owner"],
        Side(d["side"]),
        OrderKind(d["kind"]),
        d["price"],
        d["qty"],
    )


def _encode_cancel(c: Any) -> dict[str, Any]:
    return {"symbol": c.symbol, "order_id": c.order_id, "reason": c.reason.value}


def _decode_cancel(d: dict[str, Any]) -> CancelOrder:
    return CancelOrder(d["symbol"], d["order_id"], Reason(d["reason"]))


def _encode_replace(c: Any) -> dict[str, Any]:
    return {"symbol": c.symbol, "order_id": c.order_id, "qty": c.qty, "price": c.price}


def _decode_replace(d: dict[str, Any]) -> ReplaceOrder:
    return ReplaceOrder(d["symbol"], d["order_id"], d["qty"], d["price"])


def _encode_auction(c: Any) -> dict[str, Any]:
    orders = [[o.order_id, o.side.value, o.price, o.qty, o.seq] for o in c.orders]
    return {"symbol": c.symbol, "orders": orders, "reference": c.reference}


def _decode_auction(d: dict[str, Any]) -> RunAuction:
    orders = tuple(
        AuctionOrder(order_id, Side(side), price, qty, seq)
        for order_id, side, price, qty, seq in d["orders"]
    )
    return RunAuction(d["symbol"], orders, d["reference"])


_TYPE_NAMES: dict[type, str] = {
    AddOrder: "add",
    CancelOrder: "cancel",
    ReplaceOrder: "replace",
    RunAuction: "auction",
}
_ENCODERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "add": _encode_add,
    "cancel": _encode_cancel,
    "replace": _encode_replace,
    "auction": _encode_auction,
}
_DECODERS: dict[str, Callable[[dict[str, Any]], Command]] = {
    "add": _decode_add,
    "cancel": _decode_cancel,
    "replace": _decode_replace,
    "auction": _decode_auction,
}
