"""The append-only audit log: each event carries the hash of the one before it.

hash = sha256(prev_hash + canonical_bytes(body)), hex. The body is every field except the two
hashes, serialized as sorted, compact JSON with `ts` in UTC ISO 8601, so editing, deleting or
reordering any stored event breaks the chain at exactly that event.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

import orjson

from brokerage.domain.ids import AccountId, EventId

GENESIS_HASH = "0" * 64
FIRST_SEQ = 1
# The reference encoder of the canonical form. orjson gives the same bytes for JSON-native
# bodies (str, int, bool, None, lists, dicts with str keys) about ten times faster; anything
# else (a NaN or a float, an int beyond 64 bits, a non-str key) goes through this encoder, so
# the bytes never depend on which of the two ran.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    seq: int
    event_id: EventId
    ts: datetime
    kind: str  # "order.accepted", "ledger.transfer", ...
    entity_id: str  # order id, transfer id or account id
    account_id: AccountId | None
    payload: dict[str, Any]  # JSON-able; decimals already serialized as str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    count: int  # events that verified before the first broken link
    first_broken_seq: int | None
    reason: str  # "" when ok


def canonical_bytes(
    seq: int,
    event_id: str,
    ts: datetime,
    kind: str,
    entity_id: str,
    account_id: str | None,
    payload: Mapping[str, Any],
) -> bytes:
    """Serialize an event body the one way its hash is computed over."""
    if ts.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    body = {
        "seq": seq,
        "event_id": event_id,
        "ts": ts.astimezone(UTC).isoformat(),
        "kind": kind,
        "entity_id": entity_id,
        "account_id": account_id,
        "payload": payload,
    }
    if _is_plain(payload):
        try:
            return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # e.g. an int beyond 64 bits
            pass
    return _CANONICAL.encode(body).encode("utf-8")


def _is_plain(value: object) -> bool:
    """Tell whether a value holds only JSON strings, ints, bools, nulls, lists, str-keyed dicts.

    Exact types only: a subclass (an enum...) takes the reference encoder, which is correct
    for anything and merely slower.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if kind is dict and isinstance(item, dict):
            for key in item:
                if type(key) is not str:
                    return False
            stack.extend(item.values())
        elif kind is list and isinstance(item, list):
            stack.extend(item)
        else:
            return False
    return True


def event_hash(prev_hash: str, body: bytes) -> str:
    """Chain a body onto the previous hash."""
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


def _body_of(event: AuditEvent) -> bytes:
    return canonical_bytes(
        event.seq,
        event.event_id,
        event.ts,
        event.kind,
        event.entity_id,
        event.account_id,
        event.payload,
    )


class AuditChain:
    """The tail of the chain (last seq and hash); the events themselves are stored elsewhere."""

    def __init__(self, last_seq: int = FIRST_SEQ - 1, last_hash: str = GENESIS_HASH) -> None:
        self.last_seq = last_seq
        self.last_hash = last_hash

    def append(
        self,
        event_id: EventId,
        ts: datetime,
        kind: str,
        entity_id: str,
        account_id: AccountId | None,
        payload: Mapping[str, Any],
    ) -> AuditEvent:
        """Make the next event of the chain and advance the tail to it."""
        seq = self.last_seq + 1
        own_payload = dict(payload)
        body = canonical_bytes(seq, event_id, ts, kind, entity_id, account_id, own_payload)
        digest = sha256(self.last_hash.encode("ascii") + body).hexdigest()  # = event_hash
        event = AuditEvent(
            seq, event_id, ts, kind, entity_id, account_id, own_payload, self.last_hash, digest
        )
        self.last_seq, self.last_hash = seq, digest
        return event

    @staticmethod
    def verify(
        events: Iterable[AuditEvent],
        expected_seq: int = FIRST_SEQ,
        prev_hash: str = GENESIS_HASH,
    ) -> VerifyResult:
        """Verify events in seq order from `expected_seq`, reporting the first broken link."""
        return verify(events, expected_seq, prev_hash)


def verify(
    events: Iterable[AuditEvent],
    expected_seq: int = FIRST_SEQ,
    prev_hash: str = GENESIS_HASH,
) -> VerifyResult:
    """Verify events in seq order from `expected_seq`, reporting the first broken link."""
    count = 0
    for event in events:
        reason = _broken_link(event, expected_seq, prev_hash)
        if reason is not None:
            return VerifyResult(False, count, expected_seq, reason)
        count += 1
        expected_seq += 1
        prev_hash = event.hash
    return VerifyResult(True, count, None, "")


def _broken_link(event: AuditEvent, expected_seq: int, prev_hash: str) -> str | None:
    if event.seq != expected_seq:
        return f"gap: expected seq {expected_seq}, found {event.seq}"
    if event.prev_hash != prev_hash:
        return f"prev_hash mismatch at seq {event.seq}"
    try:
        body = _body_of(event)
    except (TypeError, ValueError) as exc:
        return f"unreadable body at seq {event.seq}: {exc}"
    if event_hash(prev_hash, body) != event.hash:
        return f"hash mismatch at seq {event.seq}"
    return None
