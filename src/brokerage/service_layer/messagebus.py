"""The in-process event bus: committed facts go out to whoever listens (streams, notifications).

Publishing happens only after a batch is durable (as an after-commit effect), so a listener
never sees an order update that a crash could take back. Listeners are plain callables run on
the event loop's thread; they must not block (hand work to a queue) and their exceptions are
logged, never raised into the OMS. A scale-out deployment puts a NATS adapter behind the same
`publish` / `subscribe` pair.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class OrderUpdated:
    """An order moved: `event` is the order event's kind (`filled`, `canceled` ...).

    `order` is the order's JSON-able state right after the event, `detail` the event's own
    fields (for a fill: exec_id, quantity, price, venue).
    """

    account_id: str
    order_id: str
    event: str
    order: dict[str, Any]
    detail: dict[str, Any]
    ts: datetime


class EventBus:
    """Topic-keyed publish/subscribe inside one process."""

    def __init__(self) -> None:
        self._listeners: dict[type, list[Listener]] = defaultdict(list)

    def subscribe(self, topic: type, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every event of type `topic`; return the unsubscribe function."""
        self._listeners[topic].append(listener)
        return lambda: self._listeners[topic].remove(listener)

    def has_listeners(self, topic: type) -> bool:
        return bool(self._listeners.get(topic))

    def publish(self, event: Any) -> None:
        for listener in list(self._listeners.get(type(event), ())):
            try:
                listener(event)
            except Exception:
                log.exception("listener of %s failed", type(event).__name__)
