"""Store a notification for every notable committed order event, exactly once, and push it.

Two paths feed the same idempotent store (see `order_notices.py` for the dedup keys):
- live: the bus's `OrderUpdated` (published only after the batch is durable) queues the event;
  a worker writes queued events in batches off the event loop and publishes a `Notification`
  for each row it actually inserted, so the streams push it once;
- catch-up: at start, the committed `order_events` after the cursor are read back and stored
  the same way, then the cursor moves to the last event read. Whatever the live path lost (a
  crash between the commit and the write) is stored at the next start.

The catch-up is exact when it runs before the OMS writers start (the app's lifespan does
that): every event up to the newest one is committed, so the cursor never skips one.

Overflow policy (STYLE habit 12): at most `pending_max` events wait. When more come (the
database is slower than the fills), the queue is dropped and the worker reads the log again
from the cursor instead: the log is the truth, so nothing is lost and memory stays bounded.
A failed write is retried with the batch kept, never dropped.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from brokerage.service_layer.market_alerts import notification
from brokerage.service_layer.market_events import Notification
from brokerage.service_layer.messagebus import EventBus, OrderUpdated
from brokerage.service_layer.order_notices import (
    NOTIFIED_EVENTS,
    OrderFact,
    OrderNotice,
    notice_of,
)

log = logging.getLogger(__name__)
Row = dict[str, Any]
CURSOR = "order_notices"
RETRY_S = 0.5


class NoticeStore(Protocol):
    def store(self, rows: list[Row]) -> list[Row]: ...
    def users_of(self, account_ids: list[str]) -> dict[str, str]: ...
    def orders(self, order_ids: list[str]) -> dict[str, Row]: ...
    def last_event_seq(self) -> int: ...
    def events_between(self, after: int, upto: int, kinds: tuple[str, ...],
                       limit: int) -> list[Row]: ...
    def cursor(self, name: str) -> int: ...
    def set_cursor(self, name: str, position: int, now: datetime) -> None: ...


class OrderNotifier:
    def __init__(self, repo: NoticeStore, bus: EventBus, ids: Callable[[], str],
                 now: Callable[[], datetime], batch_max: int = 500,
                 pending_max: int = 100_000) -> None:
        self._repo = repo
        self._bus = bus
        self._ids = ids
        self._now = now
        self._batch_max = batch_max
        self._pending: deque[OrderUpdated] = deque()
        self._pending_max = pending_max
        self._reread = False  # the queue overflowed: read the log again from the cursor
        self._users: dict[str, str] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._undo: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self.stats = {"stored": 0, "duplicates": 0, "overflows": 0}

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen to the bus, then catch up with the log (before the OMS writers start)."""
        self._undo = self._bus.subscribe(OrderUpdated, self.on_order)
        await self._publish(await asyncio.to_thread(self.catch_up, True))
        self._task = asyncio.get_running_loop().create_task(self._worker(), name="notices")

    async def stop(self) -> None:
        """Stop listening; write what is queued (the next start's catch-up covers a failure)."""
        if self._undo is not None:
            self._undo()
            self._undo = None
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.drain(), 10)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def drain(self) -> None:
        """Wait until every queued event is stored (tests and shutdown)."""
        await self._idle.wait()  # cleared by every queued event, set once all are stored

    # --- live path ------------------------------------------------------------------------

    def on_order(self, update: OrderUpdated) -> None:
        """Queue a committed order event a customer is told about (never blocks)."""
        if update.event not in NOTIFIED_EVENTS:
            return
        if len(self._pending) >= self._pending_max:
            self.stats["overflows"] += 1
            self._pending.clear()
            self._reread = True
        else:
            self._pending.append(update)
        self._idle.clear()
        self._wake.set()

    async def _worker(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending or self._reread:
                try:
                    await self._step()
                except Exception:
                    log.exception("storing order notifications failed; retrying")
                    await asyncio.sleep(RETRY_S)
            self._idle.set()

    async def _step(self) -> None:
        if self._reread:
            await self._publish(await asyncio.to_thread(self.catch_up, False))
            self._reread = False
            return
        batch = [self._pending[i] for i in range(min(len(self._pending), self._batch_max))]
        messages = await asyncio.to_thread(self._store_live, batch)
        for _ in batch:  # only once stored: a failed write keeps the batch for the retry
            self._pending.popleft()
        await self._publish(messages)

    def _store_live(self, batch: list[OrderUpdated]) -> list[Notification]:
        canceled = [u.order_id for u in batch if u.event == "canceled"]
        docs = self._repo.orders(canceled) if canceled else {}
        facts = [OrderFact(u.account_id, u.order_id, u.event, u.detail, u.order, u.ts,
                           _cancel_requested(docs.get(u.order_id), u.detail.get("event_id")))
                 for u in batch]
        return self._store(facts)

    # --- catch-up -------------------------------------------------------------------------

    def catch_up(self, advance: bool) -> list[Notification]:
        """Store the notices of logged events after the cursor; move it if `advance`."""
        start = self._repo.cursor(CURSOR)
        upto = self._repo.last_event_seq()
        after, out = start, []
        while after < upto:
            rows = self._repo.events_between(after, upto, NOTIFIED_EVENTS, self._batch_max)
            if not rows:
                break
            docs = self._repo.orders([r["order_id"] for r in rows])
            out += self._store([fact_from_log(r, docs[r["order_id"]]) for r in rows
                                if r["order_id"] in docs])
            after = rows[-1]["seq"]
        if advance and upto > start:
            self._repo.set_cursor(CURSOR, upto, self._now())
        return out

    # --- both -----------------------------------------------------------------------------

    def _store(self, facts: list[OrderFact]) -> list[Notification]:
        notices = [n for n in map(notice_of, facts) if n is not None]
        missing = sorted({n.account_id for n in notices} - self._users.keys())
        if missing:
            if len(self._users) > 100_000:
                self._users.clear()  # owners never change; this only bounds the memory
            self._users.update(self._repo.users_of(missing))
        rows, messages = [], {}
        for notice in notices:
            user = self._users.get(notice.account_id)
            if user is None:
                log.error("order notice for unknown account %s skipped", notice.account_id)
                continue
            row, message = _row(notice, user, self._ids())
            rows.append(row)
            messages[notice.dedup_key] = message
        stored = self._repo.store(rows)
        self.stats["stored"] += len(stored)
        self.stats["duplicates"] += len(rows) - len(stored)
        return [messages[row["dedup_key"]] for row in stored]

    async def _publish(self, messages: list[Notification]) -> None:
        for message in messages:
            self._bus.publish(message)


def _row(notice: OrderNotice, user_id: str, notification_id: str) -> tuple[Row, Notification]:
    assert notice.ts is not None  # every notice is made from a timestamped event
    row, message = notification(notification_id, user_id, notice.kind, notice.title,
                                notice.body, notice.data, notice.ts)
    return {**row, "dedup_key": notice.dedup_key}, message


def fact_from_log(event: Row, doc: Mapping[str, Any]) -> OrderFact:
    """Rebuild an order event's fact from its log row and the order's stored document.

    The document holds the order's latest state; the status after the event is logged with
    it, and the filled quantity after it is the sum of the fills up to it in the history.
    """
    payload = event["payload"]
    event_id = payload.get("event_id")
    filled = Decimal(0)
    for past in doc.get("history", ()):
        if past.get("kind") == "filled":
            filled += Decimal(str(past.get("quantity", "0")))
        if past.get("event_id") == event_id:
            break
    order = {**doc, "status": event["status"], "filled_quantity": str(filled)}
    return OrderFact(str(doc["account_id"]), event["order_id"], event["kind"], payload, order,
                     event["ts"], _cancel_requested(doc, event_id))


def _cancel_requested(doc: Mapping[str, Any] | None, event_id: Any) -> bool:
    """Tell whether the customer asked for a cancel before the event `event_id`."""
    for past in (doc or {}).get("history", ()):
        if past.get("event_id") == event_id:
            return False
        if past.get("kind") == "cancel_requested":
            return True
    return False
