"""The query side of the Alpaca-compatible API: orders, positions, account and activities.

Values come back as Decimals and datetimes; entrypoints/api/alpaca/serializers.py shapes them.
"""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select

from brokerage.adapters.db import tables
from brokerage.domain.ids import AccountId, OrderId, Symbol
from brokerage.domain.ledger import customer_securities
from brokerage.domain.money import ZERO
from brokerage.read_models import queries
from brokerage.service_layer.errors import NotFound
from brokerage.service_layer.platform import Platform
from brokerage.service_layer.records import dumps

TERMINAL = queries.TERMINAL
ASSET_NAMESPACE = uuid.UUID("6f1c3c52-6a1e-4f0e-9a51-6b7d1e4a0c11")


def asset_id(symbol: str) -> str:
    """Return the stable UUID of an asset (Alpaca identifies assets by UUID)."""
    return str(uuid.uuid5(ASSET_NAMESPACE, f"us_equity:{symbol}"))


@dataclass(frozen=True)
class OrderFilter:
    """What GET /v2/orders may ask for."""

    status: str = "open"  # open | closed | all
    limit: int = 50
    after: datetime | None = None
    until: datetime | None = None
    direction: str = "desc"
    symbols: tuple[str, ...] = ()
    side: str | None = None
    nested: bool = False  # legs ride under their parent, not in the list itself


def _filtered(query: Select[Any], wanted: OrderFilter) -> Select[Any]:
    t = tables.orders
    if wanted.status == "open":
        query = query.where(t.c.status.not_in(TERMINAL))
    elif wanted.status == "closed":
        query = query.where(t.c.status.in_(TERMINAL))
    if wanted.symbols:
        query = query.where(t.c.symbol.in_(wanted.symbols))
    if wanted.side:
        query = query.where(t.c.side == wanted.side)
    if wanted.after is not None:
        query = query.where(t.c.created_at > wanted.after)
    if wanted.until is not None:
        query = query.where(t.c.created_at < wanted.until)
    return query


def _leg_ids(account_id: str) -> Any:
    """The account's legs that are not their group's parent (NULLs left out: NOT IN)."""
    g = tables.order_links
    mine = g.c.account_id == account_id
    limit_legs = select(g.c.limit_leg).where(mine, g.c.limit_leg.is_not(None),
                                             g.c.limit_leg != g.c.parent_id)
    return limit_legs.union_all(select(g.c.stop_leg).where(mine, g.c.stop_leg.is_not(None)))


def orders(platform: Platform, account_id: str, wanted: OrderFilter) -> list[dict[str, Any]]:
    """Return the account's orders (stored documents), newest first unless asked otherwise."""
    t = tables.orders
    query = _filtered(select(t.c.doc).where(t.c.account_id == account_id), wanted)
    if wanted.nested:
        query = query.where(t.c.id.not_in(_leg_ids(account_id)))
    order_by = t.c.created_at.asc() if wanted.direction == "asc" else t.c.created_at.desc()
    query = query.order_by(order_by, t.c.id).limit(wanted.limit)
    with platform.store.read() as conn:
        return [_doc(r.doc) for r in conn.execute(query)]


def _doc(raw: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(raw)
    doc.pop("history", None)
    return doc


def order(platform: Platform, account_id: str, order_id: str) -> dict[str, Any]:
    """Return one order of the account, or raise NotFound."""
    t = tables.orders
    with platform.store.read() as conn:
        row = conn.execute(select(t.c.doc).where(t.c.id == order_id,
                                                 t.c.account_id == account_id)).first()
    if row is None:
        raise NotFound("ORDER_NOT_FOUND", "order not found")
    return _doc(row.doc)


def order_by_client_id(platform: Platform, account_id: str, client_id: str) -> dict[str, Any]:
    """Return the newest order that used this client_order_id (reuse is opt-in)."""
    t = tables.orders
    query = (select(t.c.doc).where(t.c.account_id == account_id,
                                   t.c.client_order_id == client_id)
             .order_by(t.c.client_order_seq.desc()).limit(1))
    with platform.store.read() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFound("ORDER_NOT_FOUND", "order not found")
    return _doc(row.doc)


def open_order_ids(platform: Platform, account_id: str) -> list[str]:
    """Return the ids of the account's open orders, oldest first."""
    t = tables.orders
    query = (select(t.c.id).where(t.c.account_id == account_id, t.c.status.not_in(TERMINAL))
             .order_by(t.c.created_at))
    with platform.store.read() as conn:
        return [r.id for r in conn.execute(query)]


@dataclass(frozen=True)
class PositionView:
    symbol: str
    exchange: str
    qty: Decimal
    qty_available: Decimal
    avg_entry_price: Decimal
    cost_basis: Decimal
    current_price: Decimal
    lastday_price: Decimal

    @property
    def market_value(self) -> Decimal:
        return self.qty * self.current_price


def positions(platform: Platform, account_id: str) -> list[PositionView]:
    """Return the account's open positions, priced at the last sale."""
    state = platform.state_for(account_id)
    out = []
    for (acct, symbol), position in sorted(state.positions.items()):
        if acct != account_id or position.quantity == ZERO:
            continue
        instrument = platform.deps.instruments[symbol]
        held = state.ledger.balance(customer_securities(AccountId(account_id), symbol), symbol)
        out.append(PositionView(
            symbol=symbol, exchange=instrument.exchange, qty=position.quantity,
            qty_available=max(held.available, ZERO), avg_entry_price=position.average_cost,
            cost_basis=position.cost_basis, current_price=queries.price_of(platform, symbol),
            lastday_price=instrument.reference_price))
    return out


def position(platform: Platform, account_id: str, symbol: str) -> PositionView:
    for view in positions(platform, account_id):
        if view.symbol == symbol:
            return view
    raise NotFound("POSITION_NOT_FOUND", "position does not exist")


def instrument(platform: Platform, symbol_or_id: str) -> Any:
    """Find an asset by symbol or by its UUID, or raise NotFound."""
    found = platform.deps.instruments.get(Symbol(symbol_or_id.upper()))
    if found is None:
        found = next((i for i in platform.deps.instruments.values()
                      if asset_id(i.symbol) == symbol_or_id.lower()), None)
    if found is None:
        raise NotFound("ASSET_NOT_FOUND", "asset not found")
    return found


def account(platform: Platform, account_id: str) -> dict[str, Any]:
    """Return the native account figures plus long market value and equity (Decimals)."""
    native = queries.account(platform, account_id)
    long_value = sum((p.market_value for p in positions(platform, account_id)), ZERO)
    cash = Decimal(native["cash"])
    pending = Decimal(native["pending_deposits"])
    return {**native, "long_market_value": long_value, "cash_total": cash + pending,
            "equity": cash + pending + long_value, "pending_in": pending}


def link_group(platform: Platform, account_id: str, parent_id: str) -> dict[str, Any] | None:
    """Return the bracket/OCO/OTO group whose parent is this order (its stored document)."""
    t = tables.order_links
    with platform.store.read() as conn:
        row = conn.execute(select(t.c.doc).where(t.c.parent_id == parent_id,
                                                 t.c.account_id == account_id)).first()
    return None if row is None else dict(json.loads(row.doc))


def groups_of(platform: Platform, account_id: str,
              order_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Map each of these orders that belongs to a linked group to the group's document."""
    if not order_ids:
        return {}
    g = tables.order_links
    touching = or_(g.c.parent_id.in_(order_ids), g.c.limit_leg.in_(order_ids),
                   g.c.stop_leg.in_(order_ids))
    with platform.store.read() as conn:
        docs = [json.loads(r.doc) for r in
                conn.execute(select(g.c.doc).where(g.c.account_id == account_id, touching))]
    wanted = set(order_ids)
    return {member: doc for doc in docs
            for member in (doc["entry_id"], doc["limit_leg"], doc["stop_leg"])
            if member in wanted}


def held_exit(platform: Platform, account_id: str, order_id: str) -> dict[str, Any] | None:
    """Return an exit that waits for its entry (no order yet) as a `held` order, or None."""
    group = platform.state_for(account_id).links.get(OrderId(order_id))
    if group is None or group.account_id != account_id or group.entry_id is None \
            or not group.is_held_exit(OrderId(order_id)):
        return None
    doc = json.loads(dumps(group.to_dict()))
    terms = doc["take_profit"] if order_id == group.limit_leg else doc["stop_loss"]
    return _held_leg(order(platform, account_id, group.entry_id), doc, order_id, terms)


def leg_docs(platform: Platform, account_id: str, parent: dict[str, Any],
             group: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the group's legs other than the parent: stored orders, or `held` placeholders."""
    legs = []
    for key, terms in (("limit_leg", "take_profit"), ("stop_leg", "stop_loss")):
        leg_id = group.get(key)
        if leg_id is None or leg_id == parent["id"]:
            continue
        try:
            legs.append(order(platform, account_id, leg_id))
        except NotFound:
            legs.append(_held_leg(parent, group, leg_id, group[terms]))
    return legs


def _held_leg(parent: dict[str, Any], group: dict[str, Any], leg_id: str,
              terms: dict[str, Any]) -> dict[str, Any]:
    """A leg that waits for its entry (`held`), or that never started (`canceled`)."""
    status = "held" if group["phase"] == "held" else "canceled"
    return {**{k: None for k in parent}, "id": leg_id, "client_order_id": leg_id,
            "symbol": parent["symbol"], "side": "sell", "order_type": terms["order_type"],
            "time_in_force": parent["time_in_force"], "quantity": parent.get("quantity"),
            "limit_price": terms.get("limit_price"), "stop_price": terms.get("stop_price"),
            "trail_price": terms.get("trail_price"), "trail_percent": terms.get("trail_percent"),
            "status": status, "created_at": parent["created_at"],
            "updated_at": parent["updated_at"], "filled_quantity": "0",
            "order_class": group["order_class"]}
