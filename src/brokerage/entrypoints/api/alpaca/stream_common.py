"""What both Alpaca WebSocket streams share: a bounded outbox per connection and its pumps.

Overflow policy (STYLE habit 12): a connection's outbox holds at most `items_max` encoded
messages and `bytes_max` bytes; one more and the connection is closed (the hub never waits
for a slow client, and never drops a message from the middle of what it promised).
"""

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

CLOSE_SLOW_CONSUMER = 4008
FRAME_MESSAGES_MAX = 1000  # messages joined into one frame by the market data stream
Encoder = Callable[[list[bytes]], list[bytes | str]]  # queued messages -> frames (str: text)


class Outbox:
    def __init__(self, items_max: int, bytes_max: int) -> None:
        self.items_max = items_max
        self.bytes_max = bytes_max
        self.wake = asyncio.Event()
        self.closed: tuple[int, str] | None = None
        self.goodbye: bytes | None = None
        self._items: deque[bytes] = deque()
        self._bytes = 0

    def put(self, encoded: bytes) -> bool:
        """Queue one message; False (and nothing queued) when the outbox is full."""
        if len(self._items) >= self.items_max or self._bytes + len(encoded) > self.bytes_max:
            return False
        self._items.append(encoded)
        self._bytes += len(encoded)
        self.wake.set()
        return True

    def take(self, limit: int) -> list[bytes]:
        count = min(limit, len(self._items))
        taken = [self._items.popleft() for _ in range(count)]
        self._bytes -= sum(len(item) for item in taken)
        return taken

    def close(self, code: int, reason: str, goodbye: bytes | None = None) -> None:
        """Close after sending `goodbye` (if any); whatever else waits is discarded."""
        if self.closed is None:
            self.closed = (code, reason)
            self.goodbye = goodbye
            self._items.clear()
            self._bytes = 0
            self.wake.set()


async def pump(websocket: WebSocket, outbox: Outbox, encode: Encoder) -> None:
    """Send what the outbox holds, one batch at a time, until it closes (bytes: binary frames)."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while True:
            await outbox.wake.wait()
            outbox.wake.clear()
            while outbox.closed is None and (batch := outbox.take(FRAME_MESSAGES_MAX)):
                for frame in encode(batch):
                    await _send(websocket, frame)
            if outbox.closed is not None:
                if outbox.goodbye is not None:
                    for frame in encode([outbox.goodbye]):
                        await _send(websocket, frame)
                await websocket.close(*outbox.closed)
                return


async def _send(websocket: WebSocket, frame: bytes | str) -> None:
    if isinstance(frame, str):
        await websocket.send_text(frame)
    else:
        await websocket.send_bytes(frame)


async def read_until_closed(websocket: WebSocket, writer: "asyncio.Task[None]",
                            handle: Callable[[Any], None]) -> None:
    """Hand each client message (text or bytes) to `handle` until either side closes."""
    receive = asyncio.ensure_future(websocket.receive())
    try:
        while True:
            done, _ = await asyncio.wait({receive, writer}, return_when=asyncio.FIRST_COMPLETED)
            if writer in done:
                return
            event = receive.result()
            if event["type"] == "websocket.disconnect":
                return
            raw = event.get("bytes") or event.get("text")
            if raw:
                handle(raw)
            receive = asyncio.ensure_future(websocket.receive())
    finally:
        receive.cancel()


async def receive_first(websocket: WebSocket, timeout_s: float) -> str | bytes | None:
    """Wait for the client's first message (None: it closed or said nothing in time)."""
    try:
        event = await asyncio.wait_for(websocket.receive(), timeout_s)
    except TimeoutError:
        return None
    if event["type"] == "websocket.disconnect":
        return None
    return event.get("bytes") or event.get("text")  # type: ignore[no-any-return]
