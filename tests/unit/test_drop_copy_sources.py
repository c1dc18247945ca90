"""Drop-copy sources: stored copies answer for their venues before in-process records."""

from datetime import UTC, date, datetime
from decimal import Decimal

from brokerage.domain.execution import ExecType, ExecutionReport, VenueOrdStatus
from brokerage.domain.ids import ExecId, Symbol, VenueId, VenueOrderId
from brokerage.domain.orders.types import Side
from brokerage.service_layer.reconciliation import (
    InProcessDropCopies,
    MergedDropCopies,
    StoredDropCopies,
)

DAY = date(2026, 11, 24)
TS = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
LATE = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 21:00 New York: still the 24th


def a_report(venue: str, exec_id: str, qty: str = "1", ts: datetime = TS,
             exec_type: ExecType = ExecType.TRADE) -> ExecutionReport:
    return ExecutionReport(VenueId(venue), ExecId(exec_id), exec_type, VenueOrdStatus.FILLED,
                           "o1", None, VenueOrderId("v1"), Symbol("AAPL"), Side.BUY,
                           Decimal(qty), Decimal("10"), Decimal(qty), Decimal(0),
                           Decimal("10"), ts)


class Venue:
    def __init__(self, venue_id: str, reports: list[ExecutionReport]) -> None:
        self.venue_id, self._reports = venue_id, reports

    def executions(self, participant_id: str, since_seq: int = 0) -> list[ExecutionReport]:
        return self._reports


def test_only_fills_of_the_new_york_trading_day_count():
    venue = Venue("MM1", [a_report("MM1", "1"), a_report("MM1", "2", ts=LATE),
                          a_report("MM1", "3", qty="0", exec_type=ExecType.NEW)])
    source = InProcessDropCopies([venue], "oms")
    assert [r.exec_id for r in source.executions_for("MM1", DAY)] == ["1", "2"]


def test_stored_copies_answer_for_their_venues_before_the_in_process_ones():
    stored = StoredDropCopies([a_report("MM1", "s1")])
    live = InProcessDropCopies([Venue("MM1", [a_report("MM1", "m1")]),
                                Venue("XSIM", [a_report("XSIM", "x1")])], "oms")
    merged = MergedDropCopies(stored, live)
    assert merged.venue_ids() == ["MM1", "XSIM"]
    assert [r.exec_id for r in merged.executions_for("MM1", DAY)] == ["s1"]
    assert [r.exec_id for r in merged.executions_for("XSIM", DAY)] == ["x1"]
