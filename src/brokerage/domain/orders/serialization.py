"""An `Order` as JSON-able values and back (pure: no I/O).

`Order.to_dict()` / `Order.from_dict()` delegate here. Decimals are stored as str and
datetimes as ISO 8601; the output is stored and compared, so it must not change shape.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from brokerage.domain.orders.events import event_from_dict
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.types import OrderStatus, OrderType, Side, TimeInForce


def order_to_dict(order: Order, *, with_history: bool = False) -> dict[str, Any]:
    """Return the order as JSON-able values (decimals as str, datetimes ISO 8601)."""
    dump = _dump
    data: dict[str, Any] = {name: dump(getattr(order, name)) for name in _STORED_FIELDS}
    data["filled_avg_price"] = dump(order.filled_avg_price)
    if with_history:
        data["history"] = [event.to_dict() for event in order.history]
    return data


def order_from_dict(cls: type[Order], data: dict[str, Any]) -> Order:
    """Rebuild an order from `to_dict` output (derived fields are recomputed)."""
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in data and f.name != "history" and f.init:
            kwargs[f.name] = _load(f.name, data[f.name])
    kwargs["history"] = [event_from_dict(e) for e in data.get("history", [])]
    return cls(**kwargs)


# -- field codecs ---------------------------------------------------------------------------


def _fields_of_type(type_name: str) -> frozenset[str]:
    # Field annotations are strings in order.py (postponed evaluation), e.g. "Decimal | None".
    return frozenset(
        f.name for f in dataclasses.fields(Order) if str(f.type).split(" ")[0] == type_name
    )


_DECIMAL_FIELDS = _fields_of_type("Decimal")
_DATETIME_FIELDS = _fields_of_type("datetime")
_ENUM_FIELDS: dict[str, Callable[[str], object]] = {
    "side": Side,
    "order_type": OrderType,
    "time_in_force": TimeInForce,
    "status": OrderStatus,
}


_STORED_FIELDS = tuple(
    f.name for f in dataclasses.fields(Order) if f.name not in ("history", "_exec_ids")
)
_ENUM_TYPES = (Side, OrderType, TimeInForce, OrderStatus)


def _dump(value: object) -> object:
    if value is None or type(value) is str or type(value) is bool:  # the common case first
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, _ENUM_TYPES):
        return value.value
    return value


def _load(name: str, value: Any) -> object:
    if value is None:
        return None
    if name in _DECIMAL_FIELDS:
        return Decimal(str(value))
    if name in _DATETIME_FIELDS:
        return datetime.fromisoformat(str(value))
    if name in _ENUM_FIELDS:
        return _ENUM_FIELDS[name](str(value))
    return value
