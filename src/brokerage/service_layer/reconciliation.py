"""Reconcile our fills with every venue's drop copy for one trading day.

`InProcessDropCopies` reads in-process venues' own records (`venue.executions()`); a FIX
deployment reads the drop copies its sessions stored instead. Both are `DropCopySource`s.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from brokerage.domain.execution import ExecType, ExecutionReport
from brokerage.domain.reconciliation import Break, Execution, reconcile

MARKET_TZ = ZoneInfo("America/New_York")
_FILLS = frozenset({ExecType.TRADE, ExecType.FILL, ExecType.PARTIAL_FILL})


def trading_day(ts: datetime) -> date:
    """Return the New York date of a timestamp (a trading day's executions share it)."""
    return ts.astimezone(MARKET_TZ).date()


class InProcessDropCopies:
    """The drop copies of in-process venues: what each one says it sent a participant."""

    def __init__(self, venues: Iterable[Any], participant_id: str) -> None:
        self._venues = {str(v.venue_id): v for v in venues}
        self._participant = participant_id

    def venue_ids(self) -> list[str]:
        return sorted(self._venues)

    def executions_for(self, venue_id: str, day: date) -> list[ExecutionReport]:
        reports = self._venues[venue_id].executions(self._participant)
        return [r for r in reports if r.exec_type in _FILLS and r.last_qty > 0
                and trading_day(r.ts) == day]


class StoredDropCopies:
    """Drop copies that venue sessions stored (FIX drop-copy sessions), already loaded."""

    def __init__(self, reports: Iterable[ExecutionReport]) -> None:
        self._by_venue: dict[str, list[ExecutionReport]] = {}
        for r in reports:
            self._by_venue.setdefault(str(r.venue), []).append(r)

    def venue_ids(self) -> list[str]:
        return sorted(self._by_venue)

    def executions_for(self, venue_id: str, day: date) -> list[ExecutionReport]:
        return [r for r in self._by_venue.get(venue_id, []) if r.exec_type in _FILLS
                and r.last_qty > 0 and trading_day(r.ts) == day]


class MergedDropCopies:
    """The first source that knows a venue answers for it (stored copies before in-process)."""

    def __init__(self, *sources: Any) -> None:
        self._sources = sources

    def venue_ids(self) -> list[str]:
        return sorted({v for s in self._sources for v in s.venue_ids()})

    def executions_for(self, venue_id: str, day: date) -> list[ExecutionReport]:
        for source in self._sources:
            if venue_id in source.venue_ids():
                return list(source.executions_for(venue_id, day))
        return []


def venues_of(venue: Any) -> list[Any]:
    """Return the venues behind a router (or the venue itself)."""
    behind = getattr(venue, "venues", None)
    return list(behind.values()) if isinstance(behind, dict) else [venue]


def reconcile_day(our_fills: list[dict[str, Any]], source: Any, day: date) -> dict[str, Any]:
    """Compare our fills of `day` with every venue's drop copy; list every break."""
    ours = [Execution(str(f["venue"]), str(f["exec_id"]), str(f["order_id"]), str(f["symbol"]),
                      str(f["side"]), f["quantity"], f["price"])
            for f in our_fills if trading_day(f["ts"]) == day]
    theirs = [Execution(str(r.venue), str(r.exec_id), r.cl_ord_id, str(r.symbol),
                        r.side.value, r.last_qty, r.last_px)
              for venue_id in source.venue_ids()
              for r in source.executions_for(venue_id, day)]
    checked = set(source.venue_ids())
    ours_known = [e for e in ours if e.venue in checked]
    breaks = reconcile(ours_known, theirs)
    return {"date": day.isoformat(), "venues": sorted(checked),
            "our_fills": len(ours_known), "venue_fills": len(theirs),
            "unchecked_venues": sorted({e.venue for e in ours} - checked),
            "breaks": [_break_doc(b) for b in breaks]}


def _break_doc(b: Break) -> dict[str, Any]:
    def side(e: Execution | None) -> dict[str, str] | None:
        return None if e is None else {"quantity": str(e.quantity), "price": str(e.price)}

    return {"kind": b.kind.value, "venue": b.venue, "exec_id": b.exec_id,
            "order_id": b.order_id, "ours": side(b.ours), "venue_copy": side(b.theirs)}
