"""One connection's side of the hub: its subscriptions, tier and two bounded queues.

Overflow policy (STYLE habit 12), stated once:
- market data is conflated: per symbol at most one update per tier interval, always the latest
  state. A client whose market queue holds more than `lag_frames` unsent frames is moved to
  the next slower tier (250 ms -> 1 s -> 5 s) and told so; a client whose market queue reaches
  `market_frames_max` frames or `market_chars_max` characters is disconnected with 4008
  "slow consumer". Frames are never dropped from the middle (they are deltas).
- user messages (orders, fills, notifications, control) are never conflated or dropped: when
  `user_messages_max` are waiting, the client is disconnected with 4008 instead, so it knows
  to re-read its orders over REST rather than missing a fill silently.
"""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from brokerage.service_layer.streams.encode import Key

TIERS_MS = (250, 1000, 5000)
CLOSE_SLOW_CONSUMER = 4008
CLOSE_UNAUTHORIZED = 4001
CLOSE_PROTOCOL_ERROR = 4002


@dataclass(frozen=True)
class StreamLimits:
    """Every bound of the stream gateway, in one place."""

    subscriptions_max: int = 1000  # (stream, symbol) pairs per connection
    market_frames_max: int = 16  # unsent market frames before disconnecting
    market_chars_max: int = 8_000_000  # unsent market characters before disconnecting
    lag_frames: int = 2  # unsent market frames that move the client to a slower tier
    user_messages_max: int = 1000  # unsent user messages before disconnecting
    prints_per_symbol_frame: int = 100  # trade prints of one symbol in one frame
    prints_backlog_max: int = 1000  # trade prints waiting per symbol and tier (oldest drop)
    message_chars_max: int = 65_536  # one client message
    bad_messages_max: int = 20  # malformed client messages before closing
    tiers_ms: tuple[int, ...] = TIERS_MS


class Pressure(Enum):
    OK = "ok"
    LAGGING = "lagging"  # move to a slower tier
    OVERFLOW = "overflow"  # disconnect


@dataclass(eq=False)
class StreamClient:
    """A connected client as the hub sees it (the transport only drains `take()`)."""

    client_id: int
    account_id: str
    user_id: str
    tier_ms: int
    limits: StreamLimits
    wakeup: Callable[[], None]
    keys: set[Key] = field(default_factory=set)
    group: Any = None
    closed: tuple[int, str] | None = None
    bad_messages: int = 0
    _frames: deque[str] = field(default_factory=deque)
    _frame_chars: int = 0
    _user: deque[bytes] = field(default_factory=deque)

    def push_market(self, frame: str) -> Pressure:
        """Queue a market frame; say whether the client keeps up."""
        if (len(self._frames) >= self.limits.market_frames_max
                or self._frame_chars + len(frame) > self.limits.market_chars_max):
            return Pressure.OVERFLOW
        self._frames.append(frame)
        self._frame_chars += len(frame)
        self.wakeup()
        return Pressure.LAGGING if len(self._frames) > self.limits.lag_frames else Pressure.OK

    def push_user(self, encoded: bytes) -> bool:
        """Queue one user or control message; False when the queue is full (disconnect)."""
        if len(self._user) >= self.limits.user_messages_max:
            return False
        self._user.append(encoded)
        self.wakeup()
        return True

    def take(self) -> str | None:
        """Return the next frame to send: waiting user messages as one frame, else market.

        The transport takes one frame at a time, so what waits here is what the socket has
        not accepted yet: the lag the overflow policy measures.
        """
        if self._user:
            frame = (b"[" + b",".join(self._user) + b"]").decode()
            self._user.clear()
            return frame
        if self._frames:
            frame = self._frames.popleft()
            self._frame_chars -= len(frame)
            return frame
        return None

    @property
    def pending_market_frames(self) -> int:
        return len(self._frames)

    def close(self, code: int, reason: str) -> None:
        if self.closed is None:
            self.closed = (code, reason)
            self.wakeup()
