"""Alpaca trade updates: order events as Alpaca's `trade_updates`, numbered and kept per account.

A projection of the bus's `OrderUpdated` (published after commit, so never taken back): each
update gets the account's next sequence number and goes into that account's log, then to the
account's listeners. A client that reconnects asks for what it missed with `since` (the last
sequence number it saw) and gets it replayed from the log.

How far back the log goes (STYLE habit 12, stated once): the last `per_account_max` updates
of each account (1,000 by default: the oldest drop first), for at most `accounts_max` accounts
(10,000: the account updated least recently is forgotten first), in this process's memory only.
Sequence numbers restart at 1 for each account when the server restarts. A `since` older than
the log (or from before a restart) is answered with what is kept and `"gap": true`, so the
client knows to re-read its orders over REST and follow the numbers it receives from then on.
"""

from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from brokerage.service_layer.messagebus import EventBus, OrderUpdated

# Our order event kinds -> Alpaca's trade update events (None: not an Alpaca event).
ALPACA_EVENTS: dict[str, str | None] = {
    "risk_accepted": "pending_new", "risk_rejected": "rejected", "routed": None,
    "venue_accepted": "new", "venue_rejected": "rejected", "triggered": None,
    "trail_updated": None, "filled": "fill", "cancel_requested": "pending_cancel",
    "canceled": "canceled", "cancel_rejected": "order_cancel_rejected",
    "replace_requested": "pending_replace", "replaced": "replaced",
    "replace_rejected": "order_replace_rejected", "expired": "expired",
    "done_for_day": "done_for_day",
}
PositionOf = Callable[[str, str], Decimal | None]  # (account_id, symbol) -> quantity held
Listener = Callable[["TradeUpdate"], None]


@dataclass(frozen=True, slots=True)
class TradeUpdate:
    """One numbered trade update; `order` is the order document right after the event."""

    seq: int
    account_id: str
    event: str
    order: dict[str, Any]
    timestamp: datetime
    execution_id: str | None = None
    price: Decimal | None = None
    qty: Decimal | None = None
    position_qty: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Replay:
    updates: list[TradeUpdate]
    gap: bool  # True when updates after `since` were already dropped from the log


def alpaca_event(update: OrderUpdated) -> str | None:
    """Name the Alpaca event of an order update: a fill that leaves a rest is a partial_fill."""
    event = ALPACA_EVENTS.get(update.event)
    if event == "fill" and update.order.get("status") != "filled":
        return "partial_fill"
    return event


class TradeUpdateLog:
    def __init__(self, position_of: PositionOf | None = None, per_account_max: int = 1000,
                 accounts_max: int = 10_000) -> None:
        self._position_of = position_of
        self._per_account_max = per_account_max
        self._accounts_max = accounts_max
        self._logs: OrderedDict[str, deque[TradeUpdate]] = OrderedDict()
        self._last_seq: dict[str, int] = {}
        self._listeners: dict[str, set[Listener]] = {}

    def attach(self, bus: EventBus) -> Callable[[], None]:
        return bus.subscribe(OrderUpdated, self.on_order)

    def listen(self, account_id: str, listener: Listener) -> Callable[[], None]:
        """Call `listener` with each new update of the account; return the unsubscribe."""
        self._listeners.setdefault(account_id, set()).add(listener)

        def undo() -> None:
            members = self._listeners.get(account_id, set())
            members.discard(listener)
            if not members:
                self._listeners.pop(account_id, None)

        return undo

    def last_seq(self, account_id: str) -> int:
        return self._last_seq.get(account_id, 0)

    def on_order(self, update: OrderUpdated) -> None:
        """Number an order update, keep it, and hand it to the account's listeners."""
        event = alpaca_event(update)
        if event is None:
            return
        entry = self._entry(update, event)
        log = self._logs.pop(update.account_id, None)
        if log is None:
            log = deque(maxlen=self._per_account_max)
            if len(self._logs) >= self._accounts_max:
                forgotten, _ = self._logs.popitem(last=False)
                self._last_seq.pop(forgotten, None)
        self._logs[update.account_id] = log  # most recently updated last
        log.append(entry)
        for listener in list(self._listeners.get(update.account_id, ())):
            listener(entry)

    def _entry(self, update: OrderUpdated, event: str) -> TradeUpdate:
        seq = self._last_seq[update.account_id] = self.last_seq(update.account_id) + 1
        detail = update.detail
        if update.event != "filled":
            return TradeUpdate(seq, update.account_id, event, update.order, update.ts)
        held = None
        if self._position_of is not None:
            held = self._position_of(update.account_id, str(update.order.get("symbol")))
        return TradeUpdate(seq, update.account_id, event, update.order, update.ts,
                           execution_id=detail.get("exec_id"),
                           price=_decimal(detail.get("price")),
                           qty=_decimal(detail.get("quantity")), position_qty=held)

    def since(self, account_id: str, seq: int) -> Replay:
        """Return the kept updates numbered after `seq`, and whether some were dropped.

        A `seq` above the account's last number comes from before a restart (or the account
        was forgotten): what happened since cannot be told, so that is a gap too.
        """
        if seq > self.last_seq(account_id):
            return Replay([], True)
        log = self._logs.get(account_id)
        if not log:
            return Replay([], seq < self.last_seq(account_id))
        missed = [u for u in log if u.seq > seq]
        return Replay(missed, log[0].seq > seq + 1)


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))
