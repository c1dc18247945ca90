"""The exchange journal's codec: inputs and state values to JSON and back.

Inputs (FIX-shaped requests, phase changes) are journal entries; state values (orders,
reports, prints, quotes) go into snapshots. Both round-trip exactly (Decimal keeps its
exponent), so a rebuilt exchange compares equal to the one that wrote them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from brokerage.domain.execution import CancelRequest, NewOrderRequest, ReplaceRequest
from brokerage.domain.ids import Symbol
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce


@dataclass(frozen=True, slots=True)
class _PhaseChange:
    phase: MarketPhase
    ts: datetime


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_REQUEST_TYPES: dict[str, type] = {
    "submit": NewOrderRequest,
    "cancel": CancelRequest,
    "replace": ReplaceRequest,
}
_ENCODE_FIELD: dict[str, Callable[[Any], Any]] = {
    "quantity": str,
    "limit_price": lambda v: None if v is None else str(v),
    "ts": lambda v: v.isoformat(),
    "side": lambda v: v.value,
    "phase": lambda v: v.value,
    "order_type": lambda v: v.value,
    "time_in_force": lambda v: v.value,
}
_DECODE_FIELD: dict[str, Callable[[Any], Any]] = {
    "quantity": Decimal,
    "limit_price": lambda v: None if v is None else Decimal(v),
    "ts": datetime.fromisoformat,
    "side": Side,
    "order_type": OrderType,
    "time_in_force": TimeInForce,
    "symbol": Symbol,
}


def _identity(value: Any) -> Any:
    return value


def _encode(request: Any) -> dict[str, Any]:
    names = _FIELD_NAMES.get(type(request))
    if names is None:
        names = _FIELD_NAMES[type(request)] = tuple(f.name for f in fields(request))
    return {name: _ENCODE_FIELD.get(name, _identity)(getattr(request, name)) for name in names}


def _decode(request_type: type, payload: dict[str, Any]) -> Any:
    return request_type(
        **{name: _DECODE_FIELD.get(name, _identity)(value) for name, value in payload.items()}
    )


# -- state values (snapshots) -----------------------------------------------------------------

_HINTS: dict[type, dict[str, Any]] = {}


def _to_json(value: Any) -> Any:
    """Return a JSON-able form of a state value: dataclasses, enums, Decimal, datetime."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)  # keeps the exponent: Decimal("1.50") comes back as 1.50
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value


def _from_json(hint: Any, value: Any) -> Any:
    """Read back a value written by `_to_json`, guided by its type hint."""
    if value is None:
        return None
    origin = get_origin(hint)
    if origin is Union or origin is UnionType:
        (inner,) = [arg for arg in get_args(hint) if arg is not type(None)]
        return _from_json(inner, value)
    if origin is tuple:
        return tuple(_from_json(arg, v) for arg, v in zip(get_args(hint), value, strict=True))
    if hint is Decimal:
        return Decimal(value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if isinstance(hint, type) and is_dataclass(hint):
        return _record_from_json(hint, value)
    return value


def _record_from_json(cls: type, data: dict[str, Any]) -> Any:
    """Build a dataclass instance from `_to_json` output."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = get_type_hints(cls)
    return cls(**{name: _from_json(hints[name], value) for name, value in data.items()})
