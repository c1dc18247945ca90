"""Order events are immutable and round-trip through plain dicts by their stable kind."""

import dataclasses

import pytest
from order_builders import an_event

from brokerage.domain.orders.events import (
    EVENT_TYPES,
    EventKind,
    Filled,
    UnknownEvent,
    event_from_dict,
)


@pytest.mark.parametrize("kind", list(EventKind), ids=[k.value for k in EventKind])
def test_every_event_round_trips_through_its_dict(kind):
    event = an_event(EVENT_TYPES[kind])

    data = event.to_dict()

    assert data["kind"] == kind.value
    assert event_from_dict(data) == event


def test_every_event_kind_has_exactly_one_class():
    assert set(EVENT_TYPES) == set(EventKind)
    assert all(cls.kind is kind for kind, cls in EVENT_TYPES.items())


def test_decimals_and_times_are_stored_as_strings():
    data = an_event(Filled).to_dict()

    assert data["quantity"] == "1" and data["price"] == "100"
    assert data["ts"] == "2024-03-04T15:00:01+00:00"


def test_events_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        an_event(Filled).quantity = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "teleported"},
        {},
        {**an_event(Filled).to_dict(), "surprise": 1},
        {k: v for k, v in an_event(Filled).to_dict().items() if k != "exec_id"},
    ],
)
def test_an_unknown_kind_or_mismatched_fields_are_refused(data):
    with pytest.raises(UnknownEvent):
        event_from_dict(data)
