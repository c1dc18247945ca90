"""The ports the service layer needs; adapters implement them, bootstrap wires them."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from brokerage.domain.execution import (
    CancelRequest,
    ExecutionReport,
    NewOrderRequest,
    ReplaceRequest,
    TopOfBook,
    TradePrint,
)
from brokerage.domain.ids import Symbol
from brokerage.domain.market_hours import MarketPhase


class Clock(Protocol):
    name: str
    speed: float

    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    def __call__(self) -> str: ...


class MarketCalendar(Protocol):
    def phase(self, now: datetime) -> MarketPhase: ...

    def next_business_day(self, d: date) -> date: ...

    def next_regular_open(self, now: datetime) -> datetime: ...

    def next_phase_change(self, now: datetime) -> datetime: ...

    def session_date(self, now: datetime) -> date | None: ...


class Venue(Protocol):
    """A place orders go to. Reports come back through the callback given to `connect`."""

    venue_id: str

    def connect(self, participant_id: str,
                on_report: Callable[[ExecutionReport], None]) -> None: ...

    def submit(self, participant_id: str, request: NewOrderRequest) -> None: ...

    def cancel(self, participant_id: str, request: CancelRequest) -> None: ...

    def replace(self, participant_id: str, request: ReplaceRequest) -> None: ...

    def order_status(self, participant_id: str, cl_ord_id: str) -> ExecutionReport | None: ...

    def executions(self, participant_id: str, since_seq: int = 0) -> list[ExecutionReport]: ...


class MarketDataSource(Protocol):
    def last_trade(self, symbol: Symbol) -> TradePrint | None: ...

    def top_of_book(self, symbol: Symbol) -> TopOfBook | None: ...


class Scheduler(Protocol):
    """Run a callback once the injected clock reaches a time (venue latency, router timers)."""

    def call_at(self, when: datetime, callback: Callable[[], None]) -> None: ...


class RoutingRecorder(Protocol):
    """Make routing rows durable, then run `then` (the send): a decision is never lost."""

    def record(self, order_id: str, rows: list[dict[str, object]],
               then: Callable[[], None]) -> None: ...


class DropCopySource(Protocol):
    """A venue's own record of the executions it sent us on a trading day."""

    def venue_ids(self) -> list[str]: ...

    def executions_for(self, venue_id: str, day: date) -> list[ExecutionReport]: ...
