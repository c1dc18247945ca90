"""The order state machine: one declared table `(status, transition kind) -> next status`.

The table is keyed on a `TransitionKind`, which is an event's kind except for the three events
whose outcome depends on the order rather than the event:

- a `Filled` is FILL_PARTIAL or FILL_COMPLETE, by whether it leaves quantity remaining;
- a `CancelRejected` / `ReplaceRejected` returns the order to where it was working, by its
  `WorkingPhase`: UNACKED (no venue ack, nothing filled) -> ACCEPTED, WORKING (acked, nothing
  filled) -> NEW, PARTIAL (something filled) -> PARTIALLY_FILLED.

`resolve_kind` is that small resolver; `transition` reads the table and raises
`IllegalTransition` on any pair it does not list.

Terminal statuses have one kind of row only: a late fill. A venue can report an execution
after it confirmed a cancel, after the order expired, or for a version it already replaced
(the trade happened before the venue processed our request, or crossed it on the wire). The
trade is real, so it is booked: the order becomes FILLED if that completes its quantity and
otherwise keeps its terminal status with the filled quantity updated (a replaced version stays
REPLACED either way: its successor carries the order on). FILLED and REJECTED take no fills.
"""

from enum import StrEnum

from brokerage.domain.orders.events import EventKind
from brokerage.domain.orders.types import OrderStatus


class IllegalTransition(Exception):
    """An event that the order's current status does not allow (a bug or a protocol break)."""


class TransitionKind(StrEnum):
    RISK_ACCEPTED = "risk_accepted"
    RISK_REJECTED = "risk_rejected"
    ROUTED = "routed"
    VENUE_ACCEPTED = "venue_accepted"
    VENUE_REJECTED = "venue_rejected"
    TRIGGERED = "triggered"
    TRAIL_UPDATED = "trail_updated"
    FILL_PARTIAL = "fill_partial"
    FILL_COMPLETE = "fill_complete"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELED = "canceled"
    CANCEL_REJECTED_UNACKED = "cancel_rejected_unacked"
    CANCEL_REJECTED_WORKING = "cancel_rejected_working"
    CANCEL_REJECTED_PARTIAL = "cancel_rejected_partial"
    REPLACE_REQUESTED = "replace_requested"
    REPLACED = "replaced"
    REPLACE_REJECTED_UNACKED = "replace_rejected_unacked"
    REPLACE_REJECTED_WORKING = "replace_rejected_working"
    REPLACE_REJECTED_PARTIAL = "replace_rejected_partial"
    EXPIRED = "expired"
    DONE_FOR_DAY = "done_for_day"


class WorkingPhase(StrEnum):
    """Where a live order stands at its venue; decides where a refused cancel/replace returns."""

    UNACKED = "unacked"  # no venue ack and nothing filled
    WORKING = "working"  # acked by the venue, nothing filled
    PARTIAL = "partial"  # something filled


S = OrderStatus
K = TransitionKind

TRANSITIONS: dict[tuple[OrderStatus, TransitionKind], OrderStatus] = {
    (S.PENDING_NEW, K.RISK_ACCEPTED): S.ACCEPTED,
    (S.PENDING_NEW, K.RISK_REJECTED): S.REJECTED,
    # The customer canceled before risk ran: nothing is held yet, so nothing to release.
    (S.PENDING_NEW, K.CANCELED): S.CANCELED,
    # Sent but not yet acknowledged: it stays ACCEPTED until the venue says it is working.
    (S.ACCEPTED, K.ROUTED): S.ACCEPTED,
    (S.ACCEPTED, K.VENUE_ACCEPTED): S.NEW,
    # Venue reject after our risk accept: the hold is released by the handler.
    (S.ACCEPTED, K.VENUE_REJECTED): S.REJECTED,
    # Stops wait in the OMS (only market/limit reach a venue), so a trigger or a trail move
    # happens while ACCEPTED; the triggered order is then routed. No NEW row: no venue holds
    # our stops.
    (S.ACCEPTED, K.TRIGGERED): S.ACCEPTED,
    (S.ACCEPTED, K.TRAIL_UPDATED): S.ACCEPTED,
    # A fill implies the venue's ack; some venues send the first fill before (or instead of) it.
    (S.ACCEPTED, K.FILL_PARTIAL): S.PARTIALLY_FILLED,
    (S.ACCEPTED, K.FILL_COMPLETE): S.FILLED,
    # Routed but unacked: only the venue can cancel it, so ask.
    (S.ACCEPTED, K.CANCEL_REQUESTED): S.PENDING_CANCEL,
    # Not routed (queued for the open, untriggered stop, parked): the OMS owns it outright.
    (S.ACCEPTED, K.CANCELED): S.CANCELED,
    (S.ACCEPTED, K.REPLACE_REQUESTED): S.PENDING_REPLACE,
    # Not routed: the OMS swaps the version itself, with no venue round trip.
    (S.ACCEPTED, K.REPLACED): S.REPLACED,
    # A queued DAY order or an untriggered stop at the close.
    (S.ACCEPTED, K.EXPIRED): S.EXPIRED,
    (S.NEW, K.FILL_PARTIAL): S.PARTIALLY_FILLED,
    (S.NEW, K.FILL_COMPLETE): S.FILLED,
    (S.NEW, K.CANCEL_REQUESTED): S.PENDING_CANCEL,
    # Unsolicited: an IOC/FOK that found nothing, a halt, a venue-side cancel.
    (S.NEW, K.CANCELED): S.CANCELED,
    (S.NEW, K.REPLACE_REQUESTED): S.PENDING_REPLACE,
    (S.NEW, K.EXPIRED): S.EXPIRED,
    (S.NEW, K.DONE_FOR_DAY): S.DONE_FOR_DAY,
    (S.PARTIALLY_FILLED, K.FILL_PARTIAL): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, K.FILL_COMPLETE): S.FILLED,
    (S.PARTIALLY_FILLED, K.CANCEL_REQUESTED): S.PENDING_CANCEL,
    # Unsolicited: the unfilled remainder of an IOC.
    (S.PARTIALLY_FILLED, K.CANCELED): S.CANCELED,
    (S.PARTIALLY_FILLED, K.REPLACE_REQUESTED): S.PENDING_REPLACE,
    (S.PARTIALLY_FILLED, K.EXPIRED): S.EXPIRED,
    (S.PARTIALLY_FILLED, K.DONE_FOR_DAY): S.DONE_FOR_DAY,
    (S.PENDING_CANCEL, K.CANCELED): S.CANCELED,
    (S.PENDING_CANCEL, K.CANCEL_REJECTED_UNACKED): S.ACCEPTED,
    (S.PENDING_CANCEL, K.CANCEL_REJECTED_WORKING): S.NEW,
    (S.PENDING_CANCEL, K.CANCEL_REJECTED_PARTIAL): S.PARTIALLY_FILLED,
    # The cancel raced a fill: a partial keeps the cancel pending, a complete one wins.
    (S.PENDING_CANCEL, K.FILL_PARTIAL): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, K.FILL_COMPLETE): S.FILLED,
    # The venue's ack crossed our cancel of an unacked order: the cancel is still pending.
    (S.PENDING_CANCEL, K.VENUE_ACCEPTED): S.PENDING_CANCEL,
    # The venue refused the order before it saw our cancel.
    (S.PENDING_CANCEL, K.VENUE_REJECTED): S.REJECTED,
    # The day ended before the venue answered the cancel.
    (S.PENDING_CANCEL, K.EXPIRED): S.EXPIRED,
    (S.PENDING_REPLACE, K.REPLACED): S.REPLACED,
    (S.PENDING_REPLACE, K.REPLACE_REJECTED_UNACKED): S.ACCEPTED,
    (S.PENDING_REPLACE, K.REPLACE_REJECTED_WORKING): S.NEW,
    (S.PENDING_REPLACE, K.REPLACE_REJECTED_PARTIAL): S.PARTIALLY_FILLED,
    # The replace raced a fill: a partial keeps the replace pending, a complete one wins.
    (S.PENDING_REPLACE, K.FILL_PARTIAL): S.PENDING_REPLACE,
    (S.PENDING_REPLACE, K.FILL_COMPLETE): S.FILLED,
    # The venue canceled the original (IOC remainder, halt) before it saw our replace.
    (S.PENDING_REPLACE, K.CANCELED): S.CANCELED,
    (S.PENDING_REPLACE, K.VENUE_ACCEPTED): S.PENDING_REPLACE,
    (S.PENDING_REPLACE, K.VENUE_REJECTED): S.REJECTED,
    (S.PENDING_REPLACE, K.EXPIRED): S.EXPIRED,
    # Done for today: the venue is not working it, so the OMS cancels or expires it directly.
    (S.DONE_FOR_DAY, K.CANCELED): S.CANCELED,
    (S.DONE_FOR_DAY, K.EXPIRED): S.EXPIRED,
    # ... but an execution from before the venue stopped working it may still arrive.
    (S.DONE_FOR_DAY, K.FILL_PARTIAL): S.DONE_FOR_DAY,
    (S.DONE_FOR_DAY, K.FILL_COMPLETE): S.FILLED,
    # Late fills on closed orders (see the module docstring): the trade really happened.
    (S.CANCELED, K.FILL_PARTIAL): S.CANCELED,
    (S.CANCELED, K.FILL_COMPLETE): S.FILLED,
    (S.EXPIRED, K.FILL_PARTIAL): S.EXPIRED,
    (S.EXPIRED, K.FILL_COMPLETE): S.FILLED,
    # A replaced version keeps its own fills, late ones too, and stays replaced.
    (S.REPLACED, K.FILL_PARTIAL): S.REPLACED,
    (S.REPLACED, K.FILL_COMPLETE): S.REPLACED,
}

# The only rows that leave a terminal status: a fill that arrives after the order closed.
LATE_FILL_KINDS = frozenset({K.FILL_PARTIAL, K.FILL_COMPLETE})

_DIRECT: dict[EventKind, TransitionKind] = {
    EventKind.RISK_ACCEPTED: K.RISK_ACCEPTED,
    EventKind.RISK_REJECTED: K.RISK_REJECTED,
    EventKind.ROUTED: K.ROUTED,
    EventKind.VENUE_ACCEPTED: K.VENUE_ACCEPTED,
    EventKind.VENUE_REJECTED: K.VENUE_REJECTED,
    EventKind.TRIGGERED: K.TRIGGERED,
    EventKind.TRAIL_UPDATED: K.TRAIL_UPDATED,
    EventKind.CANCEL_REQUESTED: K.CANCEL_REQUESTED,
    EventKind.CANCELED: K.CANCELED,
    EventKind.REPLACE_REQUESTED: K.REPLACE_REQUESTED,
    EventKind.REPLACED: K.REPLACED,
    EventKind.EXPIRED: K.EXPIRED,
    EventKind.DONE_FOR_DAY: K.DONE_FOR_DAY,
}

_FILL: dict[bool, TransitionKind] = {False: K.FILL_PARTIAL, True: K.FILL_COMPLETE}

_REFUSED: dict[tuple[EventKind, WorkingPhase], TransitionKind] = {
    (EventKind.CANCEL_REJECTED, WorkingPhase.UNACKED): K.CANCEL_REJECTED_UNACKED,
    (EventKind.CANCEL_REJECTED, WorkingPhase.WORKING): K.CANCEL_REJECTED_WORKING,
    (EventKind.CANCEL_REJECTED, WorkingPhase.PARTIAL): K.CANCEL_REJECTED_PARTIAL,
    (EventKind.REPLACE_REJECTED, WorkingPhase.UNACKED): K.REPLACE_REJECTED_UNACKED,
    (EventKind.REPLACE_REJECTED, WorkingPhase.WORKING): K.REPLACE_REJECTED_WORKING,
    (EventKind.REPLACE_REJECTED, WorkingPhase.PARTIAL): K.REPLACE_REJECTED_PARTIAL,
}


def resolve_kind(kind: EventKind, *, completes: bool, phase: WorkingPhase) -> TransitionKind:
    """Map an event kind to the table's key, given whether a fill completes and the phase."""
    if kind is EventKind.FILLED:
        return _FILL[completes]
    if kind in _DIRECT:
        return _DIRECT[kind]
    return _REFUSED[(kind, phase)]


def transition(state: OrderStatus, kind: TransitionKind) -> OrderStatus:
    """Return the status after `kind` in `state`; raise IllegalTransition if the table lacks it."""
    try:
        return TRANSITIONS[(state, kind)]
    except KeyError:
        raise IllegalTransition(f"{kind.value} is not allowed in {state.value}") from None
