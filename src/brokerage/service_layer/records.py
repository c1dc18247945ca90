"""Turn domain changes into rows of the unit of work, each with its audit event."""

import dataclasses
from typing import Any

import orjson

from brokerage.domain.ids import AccountId, EventId
from brokerage.domain.ledger import Transfer
from brokerage.domain.orders.events import OrderEvent
from brokerage.domain.orders.order import Order
from brokerage.service_layer.messagebus import OrderUpdated
from brokerage.service_layer.oms import Context
from brokerage.service_layer.state import PartitionState

_JSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    """Serialize a row's JSON column: compact, sorted keys, unknown types as str()."""
    return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode()


def audit(ctx: Context, kind: str, entity_id: str, account_id: str | None,
          payload: dict[str, Any]) -> None:
    """Append an event to the hash chain and record it in the batch."""
    state: PartitionState = ctx.state
    event = state.audit.append(
        event_id=EventId(state.deps.ids()), ts=state.deps.clock.now(), kind=kind,
        entity_id=entity_id, account_id=account_id, payload=payload)
    ctx.batch.insert("audit_events", str(event.seq), {
        "seq": event.seq, "event_id": event.event_id, "ts": event.ts, "kind": event.kind,
        "entity_id": event.entity_id, "account_id": event.account_id,
        "payload": dumps(event.payload), "prev_hash": event.prev_hash, "hash": event.hash,
    })


_ORDER_FIELDS = tuple(f.name for f in dataclasses.fields(Order) if f.init and f.name != "history")
_EVENT_FIELDS: dict[type, tuple[str, ...]] = {}


def order_doc(order: Order) -> str:
    """Serialize `order.to_dict(with_history=True)` straight from the fields (same JSON).

    orjson writes datetimes as ISO 8601 and enums as their values itself, and `default=str`
    writes decimals as str(), exactly what to_dict does, without the intermediate dicts.
    """
    data: dict[str, Any] = {name: getattr(order, name) for name in _ORDER_FIELDS}
    data["filled_avg_price"] = order.filled_avg_price
    data["history"] = [_event_doc(event) for event in order.history]
    return dumps(data)


def _event_doc(event: OrderEvent) -> dict[str, Any]:
    names = _EVENT_FIELDS.get(type(event))
    if names is None:
        names = _EVENT_FIELDS[type(event)] = tuple(f.name for f in dataclasses.fields(event))
    data: dict[str, Any] = {"kind": event.kind}
    for name in names:
        data[name] = getattr(event, name)
    return data


def order_row(order: Order) -> dict[str, Any]:
    return {
        "id": order.id, "account_id": order.account_id, "client_order_id": order.client_order_id,
        "symbol": order.symbol, "side": order.side.value, "order_type": order.order_type.value,
        "time_in_force": order.time_in_force.value, "quantity": order.quantity,
        "notional": order.notional, "limit_price": order.limit_price,
        "stop_price": order.stop_price, "trail_price": order.trail_price,
        "trail_percent": order.trail_percent, "high_water_mark": order.high_water_mark,
        "extended_hours": order.extended_hours, "status": order.status.value,
        "filled_quantity": order.filled_quantity, "filled_notional": order.filled_notional,
        "reject_code": order.reject_code, "reject_message": order.reject_message,
        "replaces": order.replaces, "replaced_by": order.replaced_by, "venue": order.venue,
        "venue_order_id": order.venue_order_id, "hold_id": order.hold_id,
        "created_at": order.created_at, "updated_at": order.updated_at, "doc": order_doc(order),
        "client_order_seq": order.client_order_seq,
    }


def record_order(ctx: Context, order: Order) -> None:
    """Record the order's latest state (an insert the first time it is seen).

    The row is built once, when the batch is sealed: an order that moves through several
    events in one batch is serialized once, in its last state.
    """
    persisted = ctx.state.persisted_orders
    new = order.id not in persisted
    if new:
        persisted.add(order.id)
    ctx.batch.put_deferred("orders", order.id, lambda: order_row(order), new=new)


def apply_event(ctx: Context, order: Order, event: OrderEvent) -> bool:
    """Apply an event to an order and record the event, the order and the audit entry."""
    before = order.status
    if not order.apply(event):
        return False
    payload = event.to_dict()
    ctx.batch.insert("order_events", event.event_id, {
        "event_id": event.event_id, "order_id": order.id, "kind": event.kind.value,
        "status": order.status.value, "ts": event.ts, "payload": dumps(payload)})
    record_order(ctx, order)
    audit(ctx, f"order.{event.kind.value}", order.id, order.account_id,
          {"from": before.value, "to": order.status.value, "event": payload})
    _announce(ctx, order, event, payload)
    return True


def _announce(ctx: Context, order: Order, event: OrderEvent, payload: dict[str, Any]) -> None:
    """Publish the update once the batch is durable (only when someone listens)."""
    bus = ctx.state.deps.bus
    if not bus.has_listeners(OrderUpdated):
        return
    update = OrderUpdated(account_id=order.account_id, order_id=order.id,
                          event=event.kind.value, order=order.to_dict(), detail=payload,
                          ts=event.ts)
    ctx.effects.append(lambda: bus.publish(update))


def record_transfer(ctx: Context, transfer: Transfer, account_id: AccountId | None) -> None:
    """Record a ledger transfer and its audit entry."""
    row = {
        "id": transfer.id, "kind": transfer.kind.value, "debit": transfer.debit,
        "credit": transfer.credit, "asset": transfer.asset, "amount": transfer.amount,
        "pending_id": transfer.pending_id, "ref": transfer.ref, "memo": transfer.memo,
        "account_id": account_id, "ts": transfer.ts,
    }
    ctx.batch.insert("ledger_transfers", transfer.id, row)
    payload = {k: str(v) if v is not None else None for k, v in row.items() if k != "ts"}
    audit(ctx, "ledger.transfer", transfer.id, account_id, payload)
