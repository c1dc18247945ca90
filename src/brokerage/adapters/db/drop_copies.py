"""Venue drop copies in the system of record (table `venue_drop_copies`), for reconciliation.

Idempotent by (venue, exec_id): a drop-copy session that resends after a restart hands the
same execution again, and storing it twice would invent a break.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from brokerage.adapters.db import tables
from brokerage.domain.execution import ExecType, ExecutionReport, VenueOrdStatus
from brokerage.domain.ids import ExecId, Symbol, VenueId, VenueOrderId
from brokerage.domain.orders.types import Side
from brokerage.service_layer.ports import Clock


@dataclass(frozen=True, slots=True)
class StoredDropCopy:
    participant: str  # CompID of the venue session the execution belongs to
    report: ExecutionReport
    received_at: datetime


class SqlDropCopyStore:
    """Write and read the executions that venues copy to us."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self._clock = clock

    def add(self, venue: str, participant: str, report: ExecutionReport) -> bool:
        """Store one copy; return False when (venue, exec_id) is already stored."""
        try:
            with self.engine.begin() as conn:
                conn.execute(tables.venue_drop_copies.insert(),
                             _row(venue, participant, report, self._clock.now()))
        except IntegrityError:
            return False
        return True

    def add_many(self, copies: Sequence[tuple[str, str, ExecutionReport]]) -> int:
        """Store (venue, participant, report) copies in one transaction; return how many were new.

        A venue's drop copies arrive in bursts (one per fill, on every session); one commit
        per copy made each of them an fsync competing with the OMS's group commit. Copies
        already stored are skipped; if another writer raced us to one, fall back to one by one.
        """
        now = self._clock.now()
        rows: dict[tuple[str, str], dict[str, object]] = {}
        for venue, participant, report in copies:
            rows.setdefault((venue, report.exec_id), _row(venue, participant, report, now))
        if not rows:
            return 0
        t = tables.venue_drop_copies
        try:
            with self.engine.begin() as conn:
                for venue in {venue for venue, _ in rows}:
                    ids = [exec_id for v, exec_id in rows if v == venue]
                    stored = conn.execute(select(t.c.exec_id).where(
                        t.c.venue == venue, t.c.exec_id.in_(ids))).scalars()
                    for exec_id in stored:
                        del rows[(venue, exec_id)]
                if rows:
                    conn.execute(t.insert(), list(rows.values()))
        except IntegrityError:
            return sum(self.add(venue, participant, report)
                       for venue, participant, report in copies)
        return len(rows)

    def between(
        self, start: datetime, end: datetime, venue: str | None = None
    ) -> list[StoredDropCopy]:
        """Return the copies whose venue timestamp is in [start, end), oldest first."""
        t = tables.venue_drop_copies
        query = select(t).where(t.c.ts >= start, t.c.ts < end)
        if venue is not None:
            query = query.where(t.c.venue == venue)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.c.ts, t.c.venue, t.c.exec_id)).all()
        return [_stored(row) for row in rows]


def _stored(row: object) -> StoredDropCopy:
    r = row._mapping  # type: ignore[attr-defined]
    report = ExecutionReport(
        venue=VenueId(r["venue"]), exec_id=ExecId(r["exec_id"]),
        exec_type=ExecType(r["exec_type"]), ord_status=VenueOrdStatus(r["ord_status"]),
        cl_ord_id=r["cl_ord_id"], orig_cl_ord_id=r["orig_cl_ord_id"],
        venue_order_id=VenueOrderId(r["venue_order_id"]), symbol=Symbol(r["symbol"]),
        side=Side(r["side"]), last_qty=r["last_qty"], last_px=r["last_px"],
        cum_qty=r["cum_qty"], leaves_qty=r["leaves_qty"], avg_px=r["avg_px"], ts=r["ts"],
        text=r["text"], liquidity=r["liquidity"], rebate=r["rebate"],
    )  # fmt: skip
    return StoredDropCopy(r["participant"], report, r["received_at"])


def _row(venue: str, participant: str, report: ExecutionReport,
         received_at: datetime) -> dict[str, object]:
    return {
        "venue": venue, "exec_id": report.exec_id, "participant": participant,
        "cl_ord_id": report.cl_ord_id, "orig_cl_ord_id": report.orig_cl_ord_id,
        "venue_order_id": report.venue_order_id, "symbol": report.symbol,
        "side": report.side.value, "exec_type": report.exec_type.value,
        "ord_status": report.ord_status.value, "last_qty": report.last_qty,
        "last_px": report.last_px, "cum_qty": report.cum_qty,
        "leaves_qty": report.leaves_qty, "avg_px": report.avg_px, "rebate": report.rebate,
        "liquidity": report.liquidity, "text": report.text, "ts": report.ts,
        "received_at": received_at,
    }  # fmt: skip
