"""The hash-chained audit log detects edits, deletions and reordering at the first broken link."""

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokerage.domain.audit import (
    GENESIS_HASH,
    AuditChain,
    AuditEvent,
    canonical_bytes,
    event_hash,
    verify,
)
from brokerage.domain.ids import AccountId, EventId

T0 = datetime(2024, 3, 4, 14, 30, tzinfo=UTC)
ACCOUNT = AccountId("acc-1")


def a_chain_of(n: int) -> list[AuditEvent]:
    chain = AuditChain()
    return [
        chain.append(
            EventId(f"evt-{i}"),
            T0 + timedelta(seconds=i),
            "order.accepted",
            f"ord-{i}",
            ACCOUNT,
            {"qty": "10", "limit_price": "100.00", "note": "caf\u00e9"},
        )
        for i in range(1, n + 1)
    ]


def rehashed(event: AuditEvent, **changes: object) -> AuditEvent:
    """Edit an event and recompute its own hash, as a careful forger would."""
    edited = dataclasses.replace(event, **changes)  # type: ignore[arg-type]
    body = canonical_bytes(
        edited.seq,
        edited.event_id,
        edited.ts,
        edited.kind,
        edited.entity_id,
        edited.account_id,
        edited.payload,
    )
    return dataclasses.replace(edited, hash=event_hash(edited.prev_hash, body))


def test_an_untouched_chain_verifies() -> None:
    result = verify(a_chain_of(50))

    assert (result.ok, result.count, result.first_broken_seq, result.reason) == (True, 50, None, "")


def test_an_empty_chain_verifies() -> None:
    assert AuditChain.verify([]).ok


def test_the_first_event_links_to_the_genesis_hash_and_seq_1() -> None:
    first = a_chain_of(1)[0]

    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert first.hash == event_hash(
        GENESIS_HASH,
        canonical_bytes(1, "evt-1", first.ts, first.kind, "ord-1", ACCOUNT, first.payload),
    )


def test_canonical_bytes_ignore_key_order_and_the_timestamp_zone() -> None:
    new_york = timezone(timedelta(hours=-5))
    a = canonical_bytes(1, "e", T0, "k", "x", None, {"b": "1", "a": "2"})
    b = canonical_bytes(1, "e", T0.astimezone(new_york), "k", "x", None, {"a": "2", "b": "1"})

    assert a == b
    assert b" " not in a


def test_a_chain_resumes_from_its_stored_tail() -> None:
    events = a_chain_of(3)
    resumed = AuditChain(last_seq=events[-1].seq, last_hash=events[-1].hash)

    fourth = resumed.append(
        EventId("evt-4"), T0, "ledger.transfer", "tr-4", None, {"amount": "5.00"}
    )

    assert verify([*events, fourth]).ok


def test_a_tampered_payload_is_a_hash_mismatch_at_its_seq() -> None:
    events = a_chain_of(50)
    events[41] = dataclasses.replace(events[41], payload={**events[41].payload, "qty": "1000"})

    result = verify(events)

    assert (result.ok, result.count, result.first_broken_seq) == (False, 41, 42)
    assert result.reason == "hash mismatch at seq 42"


def test_a_tampered_hash_is_a_hash_mismatch_at_its_seq() -> None:
    events = a_chain_of(50)
    events[41] = dataclasses.replace(events[41], hash="f" * 64)

    assert verify(events).reason == "hash mismatch at seq 42"


def test_a_rehashed_forgery_breaks_the_next_link() -> None:
    events = a_chain_of(50)
    events[41] = rehashed(events[41], payload={"qty": "1000"})

    result = verify(events)

    assert (result.first_broken_seq, result.reason) == (43, "prev_hash mismatch at seq 43")


def test_a_deleted_event_is_a_gap_at_its_seq() -> None:
    events = a_chain_of(50)
    del events[9]

    result = verify(events)

    assert (result.count, result.first_broken_seq) == (9, 10)
    assert result.reason == "gap: expected seq 10, found 11"


def test_deleting_and_renumbering_is_still_detected() -> None:
    events = a_chain_of(20)
    del events[9]
    events[9:] = [rehashed(e, seq=e.seq - 1) for e in events[9:]]

    result = verify(events)

    assert result.reason == "prev_hash mismatch at seq 10"


def test_reordered_events_are_detected_at_the_first_out_of_place_seq() -> None:
    events = a_chain_of(50)
    events[4], events[5] = events[5], events[4]

    result = verify(events)

    assert (result.first_broken_seq, result.reason) == (5, "gap: expected seq 5, found 6")


def test_a_payload_that_is_not_json_is_reported_not_raised() -> None:
    events = a_chain_of(3)
    events[1] = dataclasses.replace(events[1], payload={"qty": float("nan")})

    result = verify(events)

    assert (result.first_broken_seq, result.reason.startswith("unreadable body at seq 2")) == (
        2,
        True,
    )


def test_appending_a_decimal_instead_of_its_string_is_a_bug() -> None:
    from decimal import Decimal

    with pytest.raises(TypeError):
        AuditChain().append(EventId("e"), T0, "k", "x", None, {"qty": Decimal("1")})


def test_appending_a_naive_timestamp_is_a_bug() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AuditChain().append(EventId("e"), T0.replace(tzinfo=None), "k", "x", None, {})


def test_a_failed_append_leaves_the_tail_where_it_was() -> None:
    chain = AuditChain()
    with pytest.raises(ValueError):
        chain.append(EventId("e"), T0.replace(tzinfo=None), "k", "x", None, {})

    assert (chain.last_seq, chain.last_hash) == (0, GENESIS_HASH)


def test_the_caller_mutating_its_payload_afterwards_does_not_change_the_event() -> None:
    payload = {"qty": "1"}
    event = AuditChain().append(EventId("e"), T0, "k", "x", None, payload)
    payload["qty"] = "2"

    assert verify([event]).ok


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.dictionaries(st.text(max_size=8), _json_values, max_size=4))
def test_canonical_bytes_are_the_sorted_compact_json_of_the_body(payload) -> None:
    body = canonical_bytes(7, "evt", T0, "order.accepted", "ord", None, payload)
    reference = json.dumps(
        {"seq": 7, "event_id": "evt", "ts": T0.isoformat(), "kind": "order.accepted",
         "entity_id": "ord", "account_id": None, "payload": payload},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
    ).encode("utf-8")
    assert body == reference
