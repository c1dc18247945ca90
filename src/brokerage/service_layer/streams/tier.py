"""One conflation tier: which keys changed, when each may go out again, and what went out.

Throttling is per key with a leading edge: a key that has been quiet for a whole interval
goes out at the next flush (so a lone tick is not delayed), and after that at most once per
interval, always with the latest state. Every client of the tier that is in step with it gets
the same encoded fragments, so a tick is encoded once per tier, not once per client.
"""

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from brokerage.service_layer.streams.encode import Key, delta, fragment, prints_fragment

TRADES = "trades"
Emitted = dict[Key, tuple[bytes | None, int]]  # key -> (fragment or None if unchanged, count)


@dataclass(eq=False)
class Group:
    """The clients of one tier with identical subscriptions: they share every frame."""

    keys: frozenset[Key]
    members: set[Any] = field(default_factory=set)


class Tier:
    def __init__(self, interval_ms: int, prints_per_frame: int, prints_backlog: int) -> None:
        self.interval_ms = interval_ms
        self._interval_s = interval_ms / 1000
        self._prints_per_frame = prints_per_frame
        self._prints_backlog = prints_backlog
        self.groups: dict[frozenset[Key], Group] = {}
        self.published: dict[Key, Any] = {}  # the state this tier last sent, per key
        self._refs: dict[Key, int] = {}
        self._dirty: dict[Key, None] = {}
        self._next_ok: dict[Key, float] = {}
        self._prints: dict[Key, deque[bytes]] = {}
        self.prints_dropped: dict[Key, int] = {}
        self._snapshots: dict[Key, tuple[Any, bytes]] = {}  # published state -> its encoding

    # --- who watches what -----------------------------------------------------------------

    def track(self, key: Key, state: Any) -> None:
        """Count one more watcher of `key`; the first one starts from `state`."""
        count = self._refs.get(key, 0)
        self._refs[key] = count + 1
        if count == 0:
            if state is not None:
                self.published[key] = state
            if key[0] == TRADES:
                self._prints[key] = deque(maxlen=self._prints_backlog)

    def untrack(self, key: Key) -> None:
        count = self._refs.get(key, 0) - 1
        if count > 0:
            self._refs[key] = count
            return
        for table in (self._refs, self.published, self._dirty, self._next_ok, self._prints,
                      self.prints_dropped, self._snapshots):
            table.pop(key, None)  # type: ignore[attr-defined]

    def join(self, client: Any, keys: frozenset[Key]) -> Group:
        group = self.groups.get(keys)
        if group is None:
            group = self.groups[keys] = Group(keys)
        group.members.add(client)
        return group

    def leave(self, client: Any, group: Group) -> None:
        group.members.discard(client)
        if not group.members:
            self.groups.pop(group.keys, None)

    def snapshot(self, key: Key) -> bytes | None:
        """Encode the state this tier last sent for `key` (once per state, shared)."""
        state = self.published.get(key)
        if state is None:
            return None
        cached = self._snapshots.get(key)
        if cached is None or cached[0] is not state:
            cached = self._snapshots[key] = (state, fragment(key[1], state))
        return cached[1]

    # --- what changed ---------------------------------------------------------------------

    def changed(self, key: Key) -> None:
        if key in self._refs:
            self._dirty[key] = None

    def printed(self, key: Key, encoded: bytes) -> None:
        backlog = self._prints.get(key)
        if backlog is None:
            return
        if len(backlog) == backlog.maxlen:
            self.prints_dropped[key] = self.prints_dropped.get(key, 0) + 1
        backlog.append(encoded)
        self._dirty[key] = None

    # --- what goes out --------------------------------------------------------------------

    def emit(self, now: float, latest: dict[Key, Any]) -> Emitted:
        """Take every changed key whose interval has passed; encode its delta once."""
        out: Emitted = {}
        due = [key for key in self._dirty if self._next_ok.get(key, 0.0) <= now]
        for key in due:
            del self._dirty[key]
            self._next_ok[key] = now + self._interval_s
            if key[0] == TRADES:
                out[key] = self._take_prints(key)
                continue
            new = latest.get(key)
            if new is None:
                continue
            change = delta(self.published.get(key), new)
            self.published[key] = new
            out[key] = (fragment(key[1], change) if change else None, 1)
        return out

    def _take_prints(self, key: Key) -> tuple[bytes | None, int]:
        backlog = self._prints[key]
        count = min(len(backlog), self._prints_per_frame)
        prints = [backlog.popleft() for _ in range(count)]
        dropped = self.prints_dropped.pop(key, 0)
        if dropped:  # said in the frame, never silent: the backlog overflowed
            prints.insert(0, b'{"dropped":%d}' % dropped)
        if backlog:
            self._dirty[key] = None  # the rest goes in the next frame, never conflated away
        return (prints_fragment(key[1], prints) if prints else None, count)
