"""Deltas and their encoding: one orjson call per changed symbol, shared by every client.

A frame is a UTF-8 JSON text, always an array of messages. Market data fragments are encoded
once per emission (`"AAPL":{"bp":"187.45"}`) and joined into the frames of every group of
clients that watches them, so the per-client cost of a tick is one queue append.
"""

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

Key = tuple[str, str]  # (stream, symbol): ("quotes", "AAPL"), ("bars.1m", "AAPL")
_MISSING = object()


def delta(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """Return the fields of `new` that differ from `old` (a removed field comes as null)."""
    if old is None:
        return dict(new)
    if old is new:
        return {}
    changed = {k: v for k, v in new.items() if old.get(k, _MISSING) != v}
    for gone in old.keys() - new.keys():
        changed[gone] = None
    return changed


def fragment(symbol: str, payload: Any) -> bytes:
    """Encode `"SYMBOL":payload` (a member of a JSON object) in one call."""
    return orjson.dumps({symbol: payload})[1:-1]


def prints_fragment(symbol: str, prints: Iterable[bytes]) -> bytes:
    """Join already encoded trade prints of one symbol into `"SYMBOL":[...]`."""
    return orjson.dumps(symbol) + b":[" + b",".join(prints) + b"]"


def market_frame(kind: str, tier_ms: int, items: Iterable[tuple[str, bytes]], count: int) -> str:
    """Build `[{"type":kind,"tier":..,"n":count,"quotes":{..},"bars":{"1m":{..}},..}]`.

    `items` are (stream, fragment) pairs; stream names are validated identifiers, so they
    need no escaping. Bars streams (`bars.1m`) nest under `"bars"` by interval.
    """
    sections: dict[str, list[bytes]] = {}
    for stream, frag in items:
        sections.setdefault(stream, []).append(frag)
    body: list[bytes] = []
    bars: list[bytes] = []
    for stream, frags in sections.items():
        inner = b"{" + b",".join(frags) + b"}"
        if stream.startswith("bars."):
            bars.append(b'"' + stream[5:].encode() + b'":' + inner)
        else:
            body.append(b'"' + stream.encode() + b'":' + inner)
    if bars:
        body.append(b'"bars":{' + b",".join(bars) + b"}")
    head = b'[{"type":"%s","tier":%d,"n":%d' % (kind.encode(), tier_ms, count)
    return (head + b"".join(b"," + part for part in body) + b"}]").decode()


def messages(*items: Mapping[str, Any]) -> str:
    """Encode control or user messages as one frame."""
    return orjson.dumps(list(items)).decode()


def message(item: Mapping[str, Any]) -> bytes:
    """Encode one message (queued, later joined with others into one frame)."""
    return orjson.dumps(item)
