"""The stream hub: latest state per (stream, symbol), subscriptions, conflation and fan-out.

Pure apart from calling each client's `wakeup`: no sockets, no clock. The transport feeds it
client messages (`handle`), the bus feeds it market and user events, and a timer calls
`flush(now)` every few milliseconds with a monotonic `now` in seconds; tests call it with a
manual one. See `client.py` for the overflow policy.
"""

from collections.abc import Callable, Iterable
from itertools import count
from typing import Any

import orjson

from brokerage.service_layer.market_events import MarketUpdate, Notification
from brokerage.service_layer.messagebus import EventBus, OrderUpdated
from brokerage.service_layer.streams.client import (
    CLOSE_PROTOCOL_ERROR,
    CLOSE_SLOW_CONSUMER,
    Pressure,
    StreamClient,
    StreamLimits,
)
from brokerage.service_layer.streams.encode import Key, market_frame, message
from brokerage.service_layer.streams.protocol import (
    Auth,
    ProtocolError,
    SetTier,
    Subscribe,
    describe,
    parse,
    stream_of,
)
from brokerage.service_layer.streams.tier import TRADES, Emitted, Tier

SnapshotProvider = Callable[[str, str], dict[str, Any] | None]  # (stream, symbol) -> state
WatchListener = Callable[[str, bool], None]  # (symbol, watched now?)


class StreamHub:
    def __init__(self, limits: StreamLimits | None = None,
                 snapshot: SnapshotProvider | None = None,
                 on_watch: WatchListener | None = None) -> None:
        self.limits = limits or StreamLimits()
        self._snapshot = snapshot
        self._on_watch = on_watch
        lim = self.limits
        self._tiers = {ms: Tier(ms, lim.prints_per_symbol_frame, lim.prints_backlog_max)
                       for ms in lim.tiers_ms}
        self._latest: dict[Key, Any] = {}
        self._watched: dict[Key, int] = {}
        self._symbols: dict[str, int] = {}
        self._by_account: dict[str, set[StreamClient]] = {}
        self._by_user: dict[str, set[StreamClient]] = {}
        self._ids = count(1)
        self.stats = {"updates_in": 0, "frames_out": 0, "demotions": 0, "slow_disconnects": 0}

    # --- wiring ---------------------------------------------------------------------------

    def attach(self, bus: EventBus, market: bool = True) -> Callable[[], None]:
        """Listen to the bus (market updates too unless a shared feed brings them)."""
        detach = [bus.subscribe(OrderUpdated, self.on_order),
                  bus.subscribe(Notification, self.on_notification)]
        if market:
            detach.append(bus.subscribe(MarketUpdate, self.on_market))

        def undo_all() -> None:
            for undo in detach:
                undo()

        return undo_all

    def connect(self, account_id: str, user_id: str, wakeup: Callable[[], None],
                tier_ms: int | None = None) -> StreamClient:
        client = StreamClient(next(self._ids), account_id, user_id,
                              tier_ms or self.limits.tiers_ms[0], self.limits, wakeup)
        self._by_account.setdefault(account_id, set()).add(client)
        self._by_user.setdefault(user_id, set()).add(client)
        return client

    def disconnect(self, client: StreamClient) -> None:
        self._unsubscribe(client, tuple(client.keys))
        for index, owner in ((self._by_account, client.account_id),
                             (self._by_user, client.user_id)):
            members = index.get(owner)
            if members is not None:
                members.discard(client)
                if not members:
                    del index[owner]

    # --- client requests ------------------------------------------------------------------

    def handle(self, client: StreamClient, raw: str | bytes) -> None:
        """Apply one client message; answer errors on the client's own queue."""
        lim = self.limits
        try:
            request = parse(raw, lim.message_chars_max, lim.tiers_ms)
            if isinstance(request, Auth):
                raise ProtocolError("ALREADY_AUTHENTICATED", "this connection is authenticated")
            if isinstance(request, SetTier):
                self.set_tier(client, request.ms, "requested")
            elif isinstance(request, Subscribe):
                self.subscribe(client, request.keys)
            else:
                self.unsubscribe(client, request.keys)
        except ProtocolError as exc:
            client.bad_messages += 1
            self.tell(client, {"type": "error", "code": exc.code, "message": exc.message})
            if client.bad_messages >= lim.bad_messages_max:
                self._drop(client, CLOSE_PROTOCOL_ERROR, "too many invalid messages")

    def subscribe(self, client: StreamClient, keys: tuple[Key, ...]) -> None:
        """Add subscriptions (all or none); send their snapshot at once.

        The snapshot is the state the client's tier last sent for each key, so the client is
        in step with every other client of its tier at once (and shares their frames); it is
        at most one interval old, and a newer state follows at the key's next emission.
        """
        new = [key for key in keys if key not in client.keys]
        if len(client.keys) + len(new) > self.limits.subscriptions_max:
            raise ProtocolError("SUBSCRIPTION_LIMIT", f"at most {self.limits.subscriptions_max} "
                                "subscriptions per connection; unsubscribe some first")
        tier = self._tiers[client.tier_ms]
        for key in new:
            tier.track(key, self._state(key))
            self._watch(key, 1)
            client.keys.add(key)
        self._regroup(client, tier, tier)
        self.tell(client, {"type": "subscribed", **describe(client.keys)})
        self._snapshot_to(client, tier, new)

    def unsubscribe(self, client: StreamClient, keys: tuple[Key, ...]) -> None:
        self._unsubscribe(client, keys)
        self.tell(client, {"type": "subscribed", **describe(client.keys)})

    def set_tier(self, client: StreamClient, ms: int, reason: str) -> None:
        """Move a client to another tier; a snapshot puts it in step with its new tier."""
        old, new = self._tiers[client.tier_ms], self._tiers[ms]
        if old is not new:
            for key in client.keys:
                old.untrack(key)
                new.track(key, self._latest.get(key))
            client.tier_ms = ms
            self._regroup(client, old, new)
        self.tell(client, {"type": "tier", "ms": ms, "reason": reason})
        if old is not new:
            self._snapshot_to(client, new, client.keys)

    def _snapshot_to(self, client: StreamClient, tier: Tier, keys: Iterable[Key]) -> None:
        items = [(key[0], encoded) for key in keys
                 if key[0] != TRADES and (encoded := tier.snapshot(key)) is not None]
        if items:
            self._push(client, market_frame("snapshot", tier.interval_ms, items, len(items)))

    # --- events in ------------------------------------------------------------------------

    def on_market(self, update: MarketUpdate) -> None:
        """Take the latest state of one (stream, symbol); trade prints queue per tier."""
        self.stats["updates_in"] += 1
        key = (stream_of(update.channel, update.data), update.symbol)
        if key[0] == TRADES:
            if key in self._watched:
                encoded = orjson.dumps(update.data, default=str)
                for tier in self._tiers.values():
                    tier.printed(key, encoded)
            return
        self._latest[key] = update.data
        if key in self._watched:
            for tier in self._tiers.values():
                tier.changed(key)

    def seed(self, update: MarketUpdate) -> None:
        """Take a state from a shared store only if nothing newer has arrived here."""
        key = (stream_of(update.channel, update.data), update.symbol)
        if key[0] != TRADES and key not in self._latest:
            self.on_market(update)

    def on_order(self, update: OrderUpdated) -> None:
        """Send an order change (and a fill, for an execution) to the account's clients."""
        clients = self._by_account.get(update.account_id)
        if not clients:
            return
        ts = update.ts.isoformat()
        out = []
        if update.event == "filled":
            out.append(message({**update.detail, "type": "fill", "order_id": update.order_id,
                                "symbol": update.order.get("symbol"),
                                "side": update.order.get("side"),
                                "order_status": update.order.get("status"),
                                "filled_qty": update.order.get("filled_quantity"),
                                "order_qty": update.order.get("quantity"), "ts": ts}))
        out.append(message({"type": "order", "event": update.event, "order": update.order,
                            "ts": ts}))
        for client in list(clients):
            for encoded in out:
                self._push_user(client, encoded)

    def on_notification(self, note: Notification) -> None:
        for client in list(self._by_user.get(note.user_id, ())):
            self._push_user(client, message({
                "type": "notification", "id": note.notification_id, "kind": note.kind,
                "title": note.title, "body": note.body, "data": note.data,
                "ts": note.ts.isoformat()}))

    # --- conflated fan-out ----------------------------------------------------------------

    def flush(self, now: float) -> None:
        """Send every key whose interval has passed, one frame per client and tier."""
        lagging: list[StreamClient] = []
        for tier in self._tiers.values():
            emitted = tier.emit(now, self._latest)
            if emitted:
                self._deliver(tier, emitted, lagging)
        for client in lagging:
            slower = [ms for ms in self.limits.tiers_ms if ms > client.tier_ms]
            if client.closed is None and slower:
                self.stats["demotions"] += 1
                self.set_tier(client, slower[0], "slow_consumer")

    def _deliver(self, tier: Tier, emitted: Emitted, lagging: list[StreamClient]) -> None:
        for group in list(tier.groups.values()):
            keys = group.keys
            selected = ([k for k in emitted if k in keys] if len(emitted) <= len(keys)
                        else [k for k in keys if k in emitted])
            frame = _frame(tier, selected, emitted) if selected else ""
            if not frame:
                continue
            for client in list(group.members):  # one encoded frame for the whole group
                if self._push(client, frame) is Pressure.LAGGING:
                    lagging.append(client)

    # --- helpers --------------------------------------------------------------------------

    def _state(self, key: Key) -> Any:
        state = self._latest.get(key)
        if state is None and self._snapshot is not None and key[0] != TRADES:
            state = self._snapshot(key[0], key[1])
            if state is not None:
                self._latest[key] = state
        return state

    def _unsubscribe(self, client: StreamClient, keys: tuple[Key, ...]) -> None:
        tier = self._tiers[client.tier_ms]
        for key in keys:
            if key in client.keys:
                client.keys.discard(key)
                tier.untrack(key)
                self._watch(key, -1)
        self._regroup(client, tier, tier)

    def _regroup(self, client: StreamClient, old: Tier, new: Tier) -> None:
        if client.group is not None:
            old.leave(client, client.group)
        client.group = new.join(client, frozenset(client.keys)) if client.keys else None

    def _watch(self, key: Key, step: int) -> None:
        """Count watchers per key and per symbol; tell the listener of first and last."""
        watched, symbols = self._watched, self._symbols
        if step > 0:
            watched[key] = watched.get(key, 0) + 1
            count_now = symbols[key[1]] = symbols.get(key[1], 0) + 1
        else:
            if watched[key] == 1:
                del watched[key]
            else:
                watched[key] -= 1
            count_now = symbols[key[1]] - 1
            if count_now:
                symbols[key[1]] = count_now
            else:
                del symbols[key[1]]
        if self._on_watch is not None and count_now == (1 if step > 0 else 0):
            self._on_watch(key[1], step > 0)

    def watched_symbols(self) -> set[str]:
        return set(self._symbols)

    def _push(self, client: StreamClient, frame: str) -> Pressure:
        pressure = client.push_market(frame)
        if pressure is Pressure.OVERFLOW:
            self._drop(client, CLOSE_SLOW_CONSUMER, "slow consumer: market data queue full")
        else:
            self.stats["frames_out"] += 1
        return pressure

    def _push_user(self, client: StreamClient, encoded: bytes) -> None:
        if not client.push_user(encoded):
            self._drop(client, CLOSE_SLOW_CONSUMER, "slow consumer: user message queue full")

    def tell(self, client: StreamClient, body: dict[str, Any]) -> None:
        """Queue one control message for a client (welcome, acknowledgements, errors)."""
        self._push_user(client, message(body))

    def _drop(self, client: StreamClient, code: int, reason: str) -> None:
        if client.closed is None:
            if code == CLOSE_SLOW_CONSUMER:
                self.stats["slow_disconnects"] += 1
            client.close(code, reason)
            self.disconnect(client)


def _frame(tier: Tier, selected: list[Key], emitted: Emitted) -> str:
    items = []
    total = 0
    for key in selected:
        encoded, n = emitted[key]
        if encoded is not None:
            items.append((key[0], encoded))
            total += n
    return market_frame("md", tier.interval_ms, items, total) if items else ""
