"""The client side of the stream protocol, sans I/O: text in, a typed request out.

    {"action": "auth", "token": "..."}  or  {"action": "auth", "key_id": "...", "secret_key": "..."}
    {"action": "subscribe", "quotes": ["AAPL"], "trades": ["AAPL"], "bars": {"1m": ["AAPL"]},
     "depth": ["AAPL"], "status": ["AAPL", "*"]}
    {"action": "unsubscribe", ...same shape...}
    {"action": "tier", "ms": 1000}
"""

import re
from dataclasses import dataclass
from typing import Any

import orjson

from brokerage.service_layer.streams.encode import Key

PLAIN_STREAMS = ("quotes", "trades", "depth", "status")
BAR_INTERVALS = ("1m", "5m", "15m", "1h", "1d", "1w")
SYMBOL = re.compile(r"^(?:[A-Z0-9][A-Z0-9.\-/]{0,23}|\*)$")


class ProtocolError(Exception):
    """A client message we refuse; `code` is stable, `message` says what to fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Auth:
    token: str | None = None
    key_id: str | None = None
    secret_key: str | None = None


@dataclass(frozen=True)
class Subscribe:
    keys: tuple[Key, ...]


@dataclass(frozen=True)
class Unsubscribe:
    keys: tuple[Key, ...]


@dataclass(frozen=True)
class SetTier:
    ms: int


Request = Auth | Subscribe | Unsubscribe | SetTier


def parse(raw: str | bytes, chars_max: int, tiers_ms: tuple[int, ...]) -> Request:
    """Parse one client message; raise ProtocolError with a clear reason."""
    if len(raw) > chars_max:
        raise ProtocolError("MESSAGE_TOO_LARGE", f"a message is at most {chars_max} characters")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError("INVALID_JSON", "send one JSON object per message") from exc
    if not isinstance(body, dict):
        raise ProtocolError("INVALID_MESSAGE", "send a JSON object with an action")
    action = body.get("action")
    if action == "auth":
        return Auth(_text(body, "token"), _text(body, "key_id"), _text(body, "secret_key"))
    if action == "subscribe":
        return Subscribe(keys_of(body))
    if action == "unsubscribe":
        return Unsubscribe(keys_of(body))
    if action == "tier":
        if body.get("ms") not in tiers_ms:
            raise ProtocolError("INVALID_TIER", f"ms must be one of {list(tiers_ms)}")
        return SetTier(int(body["ms"]))
    raise ProtocolError("UNKNOWN_ACTION", "action must be auth, subscribe, unsubscribe or tier")


def keys_of(body: dict[str, Any]) -> tuple[Key, ...]:
    """Turn the subscription shape into (stream, symbol) keys, in order, without repeats."""
    keys: dict[Key, None] = {}
    for stream in PLAIN_STREAMS:
        for symbol in _symbols(body.get(stream, []), stream):
            keys[(stream, symbol)] = None
    bars = body.get("bars", {})
    if not isinstance(bars, dict):
        raise ProtocolError("INVALID_SUBSCRIPTION", 'bars is an object: {"1m": ["AAPL"]}')
    for interval, symbols in bars.items():
        if interval not in BAR_INTERVALS:
            raise ProtocolError("INVALID_SUBSCRIPTION",
                                f"bar intervals are {', '.join(BAR_INTERVALS)}")
        for symbol in _symbols(symbols, f"bars.{interval}"):
            keys[(f"bars.{interval}", symbol)] = None
    return tuple(keys)


def _symbols(value: Any, stream: str) -> list[str]:
    if not isinstance(value, list):
        raise ProtocolError("INVALID_SUBSCRIPTION", f"{stream} is a list of symbols")
    out = []
    for item in value:
        symbol = item.upper() if isinstance(item, str) else ""
        if not SYMBOL.match(symbol):
            raise ProtocolError("INVALID_SYMBOL", f"{item!r} is not a symbol")
        out.append(symbol)
    return out


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None


def stream_of(channel: str, data: dict[str, Any]) -> str:
    """Name the stream of a market update: its channel, or `bars.<interval>` for candles."""
    if channel == "bars":
        return f"bars.{data.get('interval', '')}"
    return channel


def describe(keys: tuple[Key, ...] | set[Key]) -> dict[str, Any]:
    """Render keys back in the subscription shape (for acknowledgements)."""
    by_stream: dict[str, list[str]] = {}
    for stream, symbol in keys:
        by_stream.setdefault(stream, []).append(symbol)
    out: dict[str, Any] = {}
    for stream in sorted(by_stream):
        symbols = sorted(by_stream[stream])
        if stream.startswith("bars."):
            out.setdefault("bars", {})[stream[5:]] = symbols
        else:
            out[stream] = symbols
    return out
