"""Alpaca Market Data v2 shapes (quotes, trades, bars, statuses) from our market data views.

Our views carry prices and sizes as decimal text and times as ISO 8601. Alpaca's wire format
carries numbers, so they become floats here, at the edge and nowhere else; times stay
datetimes until the codec: RFC 3339 text for REST (`for_json`), a MessagePack Timestamp for
the stream (`for_msgpack`). Fields we do not have are left out (trade ids) or null (`vw`
when the tape no longer holds the bar's prints), never made up. Sizes are in shares.
"""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgpack

Row = Mapping[str, Any]
TAPES = {"NYSE": "A", "NASDAQ": "C"}  # every other listing exchange is tape B
TapeOf = Callable[[str], str]
# Our trading status -> Alpaca's status code and message (UTP codes).
STATUS_CODES = {"trading": ("T", "Trading Resumption"), "limit_state": ("T", "Trading"),
                "paused": ("P", "Volatility Trading Pause"), "halted": ("H", "Trading Halt")}
LULD_EVENTS = ("band_breached", "limit_timed_out")


def tape(exchange: str) -> str:
    return TAPES.get(exchange.upper(), "B")


def _time(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text).astimezone(UTC)


def _num(text: object) -> Decimal:
    return Decimal(str(text)) if text not in (None, "") else Decimal(0)


def quote(view: Row, z: str) -> dict[str, Any] | None:
    """Shape a quote view (NBBO); None when it has no side and no time."""
    venues = view.get("venues") or {}
    quoted = [venues[v]["ts"] for v in (*view.get("bid_venues", ()), *view.get("ask_venues", ()))
              if v in venues and venues[v].get("ts")]
    t = max((_time(ts) for ts in quoted), default=None) or _time(view.get("updated_at"))
    if t is None or (view.get("bid") is None and view.get("ask") is None):
        return None
    return {"T": "q", "S": view["symbol"], "bx": _first(view.get("bid_venues")),
            "bp": _num(view.get("bid")), "bs": _num(view.get("bid_size")),
            "ax": _first(view.get("ask_venues")), "ap": _num(view.get("ask")),
            "as": _num(view.get("ask_size")), "t": t, "c": [], "z": z}


def _first(venues: Any) -> str:
    return str(venues[0]) if venues else ""


def trade(symbol: str, view: Row, z: str) -> dict[str, Any]:
    """Shape a print (`ts`, `price`, `size`, `venue`); we number no prints, so no `i`."""
    return {"T": "t", "S": symbol, "x": view["venue"], "p": _num(view["price"]),
            "s": _num(view["size"]), "t": _time(view["ts"]), "c": [], "z": z}


def bar(view: Row, kind: str = "b") -> dict[str, Any]:
    """Shape a candle view as a bar (`b`; `d` for a daily bar on the stream)."""
    return {"T": kind, "S": view["symbol"], "o": _num(view["open"]), "h": _num(view["high"]),
            "l": _num(view["low"]), "c": _num(view["close"]), "v": _num(view["volume"]),
            "t": _time(view["start"]), "n": view["trades"], "vw": view.get("vw")}


def status(view: Row, z: str) -> dict[str, Any]:
    """Shape a trading status change (halt, pause, resume)."""
    code, message = STATUS_CODES.get(view["status"], ("T", "Trading"))
    reason = "LUDP" if view.get("event") in LULD_EVENTS else ""
    return {"T": "s", "S": view["symbol"], "sc": code, "sm": message, "rc": reason,
            "rm": view.get("reason") or "", "t": _time(view["ts"]), "z": z}


def snapshot(latest_trade: dict[str, Any] | None, latest_quote: dict[str, Any] | None,
             bars: Mapping[str, dict[str, Any] | None]) -> dict[str, Any]:
    return {"latestTrade": latest_trade, "latestQuote": latest_quote,
            "minuteBar": bars.get("minute"), "dailyBar": bars.get("daily"),
            "prevDailyBar": bars.get("previous_daily")}


def for_json(item: Any, keep_type: bool = False) -> Any:
    """Finish a shape for REST: numbers as JSON numbers, times in RFC 3339; no `T`/`S`."""
    if isinstance(item, dict):
        return {k: for_json(v) for k, v in item.items()
                if keep_type or k not in ("T", "S")}
    if isinstance(item, list):
        return [for_json(v) for v in item]
    if isinstance(item, Decimal):
        return float(item)
    if isinstance(item, datetime):
        return item.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return item


def for_msgpack(item: dict[str, Any]) -> bytes:
    """Encode one stream message: numbers as floats, times as MessagePack Timestamps."""
    return msgpack.packb(item, default=_msgpack_default, datetime=False)  # type: ignore[no-any-return]


def _msgpack_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return msgpack.Timestamp.from_datetime(value)
    raise TypeError(f"cannot encode {type(value).__name__}")
