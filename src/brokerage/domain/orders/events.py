"""Order lifecycle events: immutable facts an `Order` applies to move through its state table.

Every event names its order, carries an `event_id` and the time `ts` it happened (both made
outside the domain), and has a stable `kind` string used for storage and the audit log.
`to_dict` / `event_from_dict` round-trip an event through plain JSON-able values: Decimal as
str, datetime as ISO 8601, ids and enums as their strings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, TypeVar, get_type_hints

from brokerage.domain.ids import EventId, ExecId, OrderId, TransferId, VenueId, VenueOrderId


class EventKind(StrEnum):
    """Stable storage names of the order events (never rename: they are in the audit log)."""

    RISK_ACCEPTED = "risk_accepted"
    RISK_REJECTED = "risk_rejected"
    ROUTED = "routed"
    VENUE_ACCEPTED = "venue_accepted"
    VENUE_REJECTED = "venue_rejected"
    TRIGGERED = "triggered"
    TRAIL_UPDATED = "trail_updated"
    FILLED = "filled"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELED = "canceled"
    CANCEL_REJECTED = "cancel_rejected"
    REPLACE_REQUESTED = "replace_requested"
    REPLACED = "replaced"
    REPLACE_REJECTED = "replace_rejected"
    EXPIRED = "expired"
    DONE_FOR_DAY = "done_for_day"


class UnknownEvent(ValueError):
    """A stored event whose kind or fields this code does not know."""


E = TypeVar("E", bound="OrderEvent")


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """Base of every order event; never instantiated on its own."""

    kind: ClassVar[EventKind]
    event_id: EventId
    order_id: OrderId
    ts: datetime

    def to_dict(self) -> dict[str, Any]:
        """Return the event as JSON-able values, with its `kind`."""
        data: dict[str, Any] = {"kind": self.kind.value}
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(f.name for f in dataclasses.fields(self))
        for name in names:
            data[name] = _dump(getattr(self, name))
        return data

    @classmethod
    def from_dict(cls: type[E], data: dict[str, Any]) -> E:
        """Rebuild an event of this class from `to_dict` output."""
        hints = get_type_hints(cls)
        names = {field.name for field in dataclasses.fields(cls)}
        required = {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING}
        if set(data) - names - {"kind"} or required - set(data):
            raise UnknownEvent(f"{cls.__name__}: fields do not match: {sorted(data)}")
        kwargs: dict[str, Any] = {n: _load(hints[n], data[n]) for n in names if n in data}
        return cls(**kwargs)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # per event class, filled on first use


def _dump(value: object) -> object:
    if value is None or type(value) is str:  # the common case first
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _load(hint: object, value: object) -> object:
    if value is None:
        return None
    if hint is Decimal or hint == Decimal | None:
        return Decimal(str(value))
    if hint is datetime:
        return datetime.fromisoformat(str(value))
    return value


@dataclass(frozen=True, slots=True)
class RiskAccepted(OrderEvent):
    """Pre-trade risk passed and the order's hold was placed."""

    kind: ClassVar[EventKind] = EventKind.RISK_ACCEPTED
    hold_id: TransferId | None = None


@dataclass(frozen=True, slots=True)
class RiskRejected(OrderEvent):
    """Pre-trade risk denied the order (code like RISK_INSUFFICIENT_BUYING_POWER)."""

    kind: ClassVar[EventKind] = EventKind.RISK_REJECTED
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Routed(OrderEvent):
    """The order was sent to a venue; `cl_ord_id` is the FIX ClOrdID used."""

    kind: ClassVar[EventKind] = EventKind.ROUTED
    venue: VenueId
    cl_ord_id: str


@dataclass(frozen=True, slots=True)
class VenueAccepted(OrderEvent):
    """The venue acknowledged the order; it is now working there.

    For a replacement version, `carried_quantity` is the cum qty of the versions before it
    when the venue confirmed the replace (see `Order`); None for a first version.
    """

    kind: ClassVar[EventKind] = EventKind.VENUE_ACCEPTED
    venue_order_id: VenueOrderId
    carried_quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class VenueRejected(OrderEvent):
    """The venue refused the order."""

    kind: ClassVar[EventKind] = EventKind.VENUE_REJECTED
    reason: str


@dataclass(frozen=True, slots=True)
class Triggered(OrderEvent):
    """A stop order's stop price was reached at `price`; it now routes as market or limit."""

    kind: ClassVar[EventKind] = EventKind.TRIGGERED
    price: Decimal


@dataclass(frozen=True, slots=True)
class TrailUpdated(OrderEvent):
    """A trailing stop's water mark moved, carrying its stop price with it."""

    kind: ClassVar[EventKind] = EventKind.TRAIL_UPDATED
    water_mark: Decimal
    stop_price: Decimal


@dataclass(frozen=True, slots=True)
class Filled(OrderEvent):
    """An execution; the order decides whether it is partial or completes the order."""

    kind: ClassVar[EventKind] = EventKind.FILLED
    exec_id: ExecId
    quantity: Decimal
    price: Decimal
    venue: VenueId
    liquidity: str = ""  # "added" or "removed"
    # The venue reports nothing left (leaves 0). A notional order is sized at its collar
    # price, so a fill at a better price spends less than the notional: the venue's word,
    # not the arithmetic, says when it is complete.
    venue_done: bool = False


@dataclass(frozen=True, slots=True)
class CancelRequested(OrderEvent):
    """A cancel was sent to the venue working the order."""

    kind: ClassVar[EventKind] = EventKind.CANCEL_REQUESTED


@dataclass(frozen=True, slots=True)
class Canceled(OrderEvent):
    """The order is canceled (requested, or unsolicited such as an IOC remainder)."""

    kind: ClassVar[EventKind] = EventKind.CANCELED
    reason: str


@dataclass(frozen=True, slots=True)
class CancelRejected(OrderEvent):
    """The venue refused a cancel; the order keeps working."""

    kind: ClassVar[EventKind] = EventKind.CANCEL_REJECTED
    reason: str


@dataclass(frozen=True, slots=True)
class ReplaceRequested(OrderEvent):
    """A replace was requested; `new_order_id` is the replacing order version."""

    kind: ClassVar[EventKind] = EventKind.REPLACE_REQUESTED
    new_order_id: OrderId


@dataclass(frozen=True, slots=True)
class Replaced(OrderEvent):
    """This order version was replaced by `new_order_id`."""

    kind: ClassVar[EventKind] = EventKind.REPLACED
    new_order_id: OrderId


@dataclass(frozen=True, slots=True)
class ReplaceRejected(OrderEvent):
    """The venue refused a replace; this version keeps working."""

    kind: ClassVar[EventKind] = EventKind.REPLACE_REJECTED
    reason: str


@dataclass(frozen=True, slots=True)
class Expired(OrderEvent):
    """The order's time in force ran out."""

    kind: ClassVar[EventKind] = EventKind.EXPIRED
    reason: str


@dataclass(frozen=True, slots=True)
class DoneForDay(OrderEvent):
    """The venue stopped working the order for today."""

    kind: ClassVar[EventKind] = EventKind.DONE_FOR_DAY


EVENT_TYPES: dict[EventKind, type[OrderEvent]] = {
    cls.kind: cls
    for cls in (
        RiskAccepted,
        RiskRejected,
        Routed,
        VenueAccepted,
        VenueRejected,
        Triggered,
        TrailUpdated,
        Filled,
        CancelRequested,
        Canceled,
        CancelRejected,
        ReplaceRequested,
        Replaced,
        ReplaceRejected,
        Expired,
        DoneForDay,
    )
}


def event_from_dict(data: dict[str, Any]) -> OrderEvent:
    """Rebuild any order event from `to_dict` output, choosing the class by its `kind`."""
    try:
        cls = EVENT_TYPES[EventKind(data["kind"])]
    except (KeyError, ValueError) as exc:
        raise UnknownEvent(f"unknown order event kind: {data.get('kind')!r}") from exc
    return cls.from_dict(data)
