"""Best-execution evidence: an order's routing decisions, the daily report, fills to reconcile."""

import json
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from brokerage.adapters.db import tables
from brokerage.domain.ledger import firm_pfof_revenue
from brokerage.domain.orders.types import Side
from brokerage.domain.routing import improvement_per_share
from brokerage.service_layer.errors import NotFound
from brokerage.service_layer.reconciliation import trading_day

ZERO = Decimal(0)
PRICE_QUANTUM = Decimal("0.0001")


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _px(value: Decimal | None) -> str | None:
    """Show a price on the 0.0001 quantum (PostgreSQL hands back 12 decimals)."""
    return None if value is None else str(value.quantize(PRICE_QUANTUM))


def _q(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _decision_doc(r: Any) -> dict[str, Any]:
    return {"ts": r.ts.isoformat(), "kind": r.kind, "outcome": r.outcome, "venue": r.venue,
            "nbbo": {"bid": _px(r.nbbo_bid), "bid_size": _q(r.nbbo_bid_size),
                     "ask": _px(r.nbbo_ask), "ask_size": _q(r.nbbo_ask_size)},
            "candidates": json.loads(r.candidates)}


def order_routing(store: Any, account_id: str, order_id: str) -> dict[str, Any]:
    """Return how an order was routed: every decision (NBBO, candidates, venue) and its fills."""
    o, d, f = tables.orders, tables.routing_decisions, tables.fills
    with store.read() as conn:
        order = conn.execute(select(o.c.id, o.c.side, o.c.status).where(
            o.c.id == order_id, o.c.account_id == account_id)).first()
        if order is None:
            raise NotFound("ORDER_NOT_FOUND", f"no order {order_id} on this account")
        decisions = list(conn.execute(select(d).where(d.c.order_id == order_id)
                                      .order_by(d.c.seq)))
        fills = list(conn.execute(select(f).where(f.c.order_id == order_id)
                                  .order_by(f.c.ts, f.c.exec_id)))
    placed = [r for r in decisions if r.venue is not None]  # routed, or replaced at a venue
    last = placed[-1] if placed else None
    side = Side(order.side)
    state = "not routed" if not decisions else decisions[-1].outcome.split(" ")[0]
    return {"order_id": order_id, "status": order.status,
            "venue": last.venue if last else None,
            "state": "replaced at venue" if state == "replaces" else state,
            "decisions": [_decision_doc(r) for r in decisions],
            "fills": [_fill_doc(side, r, last) for r in fills]}


def _fill_doc(side: Side, fill: Any, decision: Any) -> dict[str, Any]:
    improvement = (None if decision is None else improvement_per_share(
        side, decision.nbbo_bid, decision.nbbo_ask, fill.price))
    return {"exec_id": fill.exec_id, "venue": fill.venue, "quantity": _q(fill.quantity),
            "price": _px(fill.price), "improvement_per_share": _px(improvement)}


def window(day: date) -> tuple[datetime, datetime]:
    """Return a UTC range that holds every New York time of `day` (callers filter exactly)."""
    start = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(days=1)
    return start, start + timedelta(days=3)


def best_execution(store: Any, day: date) -> dict[str, Any]:
    """Per order routed on `day`: NBBO at decision, execution price, improvement, venue."""
    d, f, t = tables.routing_decisions, tables.fills, tables.ledger_transfers
    start, end = window(day)
    with store.read() as conn:
        rows = [r for r in conn.execute(select(d).where(d.c.ts >= start, d.c.ts < end,
                                                        d.c.venue.is_not(None))
                                        .order_by(d.c.seq)) if trading_day(r.ts) == day]
        last = {r.order_id: r for r in rows}  # the decision that placed the order last
        ids = list(last)
        fills = list(conn.execute(select(f).where(f.c.order_id.in_(ids)))) if ids else []
        rebates = list(conn.execute(select(t.c.ref, t.c.amount).where(
            t.c.credit == firm_pfof_revenue(), t.c.ref.in_(ids)))) if ids else []
    by_order: dict[str, list[Any]] = defaultdict(list)
    for fill in fills:
        by_order[fill.order_id].append(fill)
    rebate_of: dict[str, Decimal] = defaultdict(Decimal)
    for ref, amount in rebates:
        rebate_of[ref] += amount
    orders = [_best_ex_row(last[i], by_order[i], rebate_of[i]) for i in ids if by_order[i]]
    return {"date": day.isoformat(), "orders": orders, "summary": _summary(orders)}


def _best_ex_row(decision: Any, fills: list[Any], rebate: Decimal) -> dict[str, Any]:
    quantity = sum((x.quantity for x in fills), ZERO)
    price = sum((x.quantity * x.price for x in fills), ZERO) / quantity
    per_share = improvement_per_share(Side(decision.side), decision.nbbo_bid,
                                      decision.nbbo_ask, price)
    total = None if per_share is None else per_share * quantity
    return {"order_id": decision.order_id, "symbol": decision.symbol, "side": decision.side,
            "venue": decision.venue, "fill_venues": sorted({x.venue for x in fills}),
            "nbbo_bid": _px(decision.nbbo_bid), "nbbo_ask": _px(decision.nbbo_ask),
            "quantity": _q(quantity), "execution_price": str(price.quantize(Decimal("1E-6"))),
            "improvement_per_share": _s(None if per_share is None
                                        else per_share.quantize(Decimal("1E-6"))),
            "improvement_usd": _s(None if total is None else total.quantize(Decimal("1E-4"))),
            "at_nbbo_or_better": per_share is not None and per_share >= 0,
            "rebate_usd": str(rebate)}


def _summary(orders: list[dict[str, Any]]) -> dict[str, Any]:
    measured = [o for o in orders if o["improvement_per_share"] is not None]
    good = sum(1 for o in measured if o["at_nbbo_or_better"])
    pct = (Decimal(good) * 100 / len(measured)).quantize(Decimal("0.01")) if measured else None
    return {"orders_filled": len(orders), "orders_with_nbbo": len(measured),
            "pct_at_nbbo_or_better": _s(pct),
            "total_improvement_usd": str(sum((Decimal(o["improvement_usd"]) for o in measured),
                                             ZERO)),
            "rebates_usd": str(sum((Decimal(o["rebate_usd"]) for o in orders), ZERO))}


def fills_around(store: Any, day: date) -> list[dict[str, Any]]:
    """Return our booked fills near `day` (the caller keeps the trading day's)."""
    f = tables.fills
    start, end = window(day)
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(f).where(f.c.ts >= start, f.c.ts < end).order_by(f.c.ts, f.c.exec_id))]


def latest_venues(store: Any, order_ids: list[str]) -> dict[str, str]:
    """Return the venue each order was last placed or replaced at (routing after a restart)."""
    d = tables.routing_decisions
    found: dict[str, str] = {}
    with store.read() as conn:
        for i in range(0, len(order_ids), 500):
            chunk = order_ids[i:i + 500]
            for r in conn.execute(select(d.c.order_id, d.c.venue).where(
                    d.c.order_id.in_(chunk), d.c.venue.is_not(None)).order_by(d.c.seq)):
                found[r.order_id] = r.venue
    return found
