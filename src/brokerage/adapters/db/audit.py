"""Read the stored audit chain back and verify it."""

import json

from sqlalchemy import Engine, select

from brokerage.adapters.db import tables
from brokerage.domain.audit import AuditEvent, VerifyResult, verify
from brokerage.domain.ids import AccountId, EventId


def stored_events(engine: Engine) -> list[AuditEvent]:
    t = tables.audit_events
    with engine.connect() as conn:
        return [AuditEvent(r.seq, EventId(r.event_id), r.ts, r.kind, r.entity_id,
                           AccountId(r.account_id) if r.account_id else None,
                           json.loads(r.payload), r.prev_hash, r.hash)
                for r in conn.execute(select(t).order_by(t.c.seq))]


def verify_chain(engine: Engine) -> VerifyResult:
    """Recompute every link of the stored chain."""
    return verify(stored_events(engine))
