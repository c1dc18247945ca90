"""The order transition table: every row holds, every missing pair is refused."""

import itertools

import pytest
from order_builders import a_fill, a_trailing_sell, an_event, an_order, reach

from brokerage.domain.orders.events import (
    EVENT_TYPES,
    CancelRejected,
    EventKind,
    OrderEvent,
    ReplaceRejected,
)
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.states import (
    LATE_FILL_KINDS,
    TRANSITIONS,
    IllegalTransition,
    TransitionKind,
    WorkingPhase,
    resolve_kind,
    transition,
)
from brokerage.domain.orders.types import TERMINAL_STATUSES, OrderStatus

K = TransitionKind
ROWS = sorted(TRANSITIONS.items())
MISSING = [
    pair for pair in itertools.product(OrderStatus, TransitionKind) if pair not in TRANSITIONS
]
_PHASE_OF = {
    K.CANCEL_REJECTED_UNACKED: WorkingPhase.UNACKED,
    K.REPLACE_REJECTED_UNACKED: WorkingPhase.UNACKED,
    K.CANCEL_REJECTED_PARTIAL: WorkingPhase.PARTIAL,
    K.REPLACE_REJECTED_PARTIAL: WorkingPhase.PARTIAL,
}


def _row_id(row: tuple[tuple[OrderStatus, TransitionKind], OrderStatus]) -> str:
    (state, kind), target = row
    return f"{state.value}+{kind.value}->{target.value}"


def _event_for(kind: TransitionKind, order: Order) -> OrderEvent:
    if kind is K.FILL_PARTIAL:
        return a_fill("1", exec_id="x-row")
    if kind is K.FILL_COMPLETE:
        return a_fill(str(order.remaining_quantity), exec_id="x-row")
    if kind.value.startswith("cancel_rejected"):
        return an_event(CancelRejected)
    if kind.value.startswith("replace_rejected"):
        return an_event(ReplaceRejected)
    return an_event(EVENT_TYPES[EventKind(kind.value)])


@pytest.mark.parametrize("row", ROWS, ids=[_row_id(row) for row in ROWS])
def test_every_row_of_the_table_is_a_legal_transition(row):
    (state, kind), target = row

    assert transition(state, kind) is target


@pytest.mark.parametrize("row", ROWS, ids=[_row_id(row) for row in ROWS])
def test_every_row_of_the_table_is_reachable_through_order_apply(row):
    (state, kind), target = row
    fresh = a_trailing_sell() if kind in (K.TRIGGERED, K.TRAIL_UPDATED) else an_order()
    order = reach(state, _PHASE_OF.get(kind, WorkingPhase.WORKING), fresh)
    assert order.status is state

    applied = order.apply(_event_for(kind, order))

    assert applied
    assert order.status is target


@pytest.mark.parametrize("pair", MISSING, ids=[f"{s.value}+{k.value}" for s, k in MISSING])
def test_every_pair_missing_from_the_table_is_refused(pair):
    state, kind = pair

    with pytest.raises(IllegalTransition):
        transition(state, kind)


def test_terminal_statuses_have_only_late_fill_rows():
    kinds = {kind for state, kind in TRANSITIONS if state in TERMINAL_STATUSES}
    froms = {state for state, _ in TRANSITIONS if state in TERMINAL_STATUSES}

    assert kinds == LATE_FILL_KINDS
    assert froms == {OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REPLACED}


@pytest.mark.parametrize(
    ("status", "quantity", "expected"),
    [
        (OrderStatus.CANCELED, "1", OrderStatus.CANCELED),
        (OrderStatus.CANCELED, "9", OrderStatus.FILLED),
        (OrderStatus.EXPIRED, "1", OrderStatus.EXPIRED),
        (OrderStatus.EXPIRED, "9", OrderStatus.FILLED),
        (OrderStatus.REPLACED, "9", OrderStatus.REPLACED),
        (OrderStatus.DONE_FOR_DAY, "9", OrderStatus.FILLED),
    ],
)
def test_a_late_fill_on_a_closed_order_counts_and_completes_only_when_all_is_done(
        status, quantity, expected):
    order = reach(status, WorkingPhase.PARTIAL, an_order())  # 1 of 10 filled before

    assert order.apply(a_fill(quantity, exec_id="x-late"))

    assert order.status is expected
    assert order.filled_quantity == 1 + int(quantity)
    assert not order.apply(a_fill(quantity, exec_id="x-late"))  # deduplicated by ExecID


@pytest.mark.parametrize("status", [OrderStatus.FILLED, OrderStatus.REJECTED])
def test_filled_and_rejected_orders_take_no_late_fill(status):
    with pytest.raises(IllegalTransition):
        transition(status, K.FILL_PARTIAL)


def test_every_transition_kind_is_used_by_some_row():
    assert {kind for _, kind in TRANSITIONS} == set(TransitionKind)


def test_every_live_status_is_reachable_from_pending_new():
    reached = {OrderStatus.PENDING_NEW}
    frontier = [OrderStatus.PENDING_NEW]
    while frontier:
        state = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is state and target not in reached:
                reached.add(target)
                frontier.append(target)

    assert reached == set(OrderStatus)


@pytest.mark.parametrize(
    ("kind", "completes", "phase", "expected"),
    [
        (EventKind.FILLED, False, WorkingPhase.WORKING, K.FILL_PARTIAL),
        (EventKind.FILLED, True, WorkingPhase.PARTIAL, K.FILL_COMPLETE),
        (EventKind.CANCEL_REJECTED, False, WorkingPhase.UNACKED, K.CANCEL_REJECTED_UNACKED),
        (EventKind.CANCEL_REJECTED, False, WorkingPhase.WORKING, K.CANCEL_REJECTED_WORKING),
        (EventKind.CANCEL_REJECTED, False, WorkingPhase.PARTIAL, K.CANCEL_REJECTED_PARTIAL),
        (EventKind.REPLACE_REJECTED, False, WorkingPhase.UNACKED, K.REPLACE_REJECTED_UNACKED),
        (EventKind.REPLACE_REJECTED, False, WorkingPhase.WORKING, K.REPLACE_REJECTED_WORKING),
        (EventKind.REPLACE_REJECTED, False, WorkingPhase.PARTIAL, K.REPLACE_REJECTED_PARTIAL),
        (EventKind.CANCELED, True, WorkingPhase.PARTIAL, K.CANCELED),
    ],
)
def test_the_resolver_splits_outcome_dependent_events(kind, completes, phase, expected):
    assert resolve_kind(kind, completes=completes, phase=phase) is expected


@pytest.mark.parametrize(
    ("kind", "completes", "phase"),
    list(itertools.product(EventKind, (False, True), WorkingPhase)),
)
def test_the_resolver_maps_every_event_kind_in_every_phase(kind, completes, phase):
    assert resolve_kind(kind, completes=completes, phase=phase) in set(TransitionKind)
