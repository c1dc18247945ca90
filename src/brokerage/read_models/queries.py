"""The query side: what the API shows, read from the system of record and the quote cache."""

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from brokerage.adapters.db import tables
from brokerage.domain.ledger import customer_cash, customer_deposit_pending
from brokerage.domain.money import USD, ZERO, cents
from brokerage.domain.orders.types import TERMINAL_STATUSES
from brokerage.service_layer.errors import NotFound
from brokerage.service_layer.platform import Platform

TERMINAL = [s.value for s in TERMINAL_STATUSES]


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def order_view(doc: dict[str, Any]) -> dict[str, Any]:
    """Shape a stored order for the API (the stored doc is already JSON-able)."""
    doc = dict(doc)
    doc.pop("history", None)
    return doc


def list_orders(platform: Platform, account_id: str, status: str = "open",
                limit: int = 100, symbols: list[str] | None = None) -> list[dict[str, Any]]:
    t = tables.orders
    query = select(t.c.doc).where(t.c.account_id == account_id)
    if status == "open":
        query = query.where(t.c.status.not_in(TERMINAL))
    elif status == "closed":
        query = query.where(t.c.status.in_(TERMINAL))
    if symbols:
        query = query.where(t.c.symbol.in_(symbols))
    query = query.order_by(t.c.created_at.desc()).limit(limit)
    with platform.store.read() as conn:
        return [order_view(json.loads(r.doc)) for r in conn.execute(query)]


def get_order(platform: Platform, account_id: str, order_id: str) -> dict[str, Any]:
    """Return one order with its fills and its state history."""
    t = tables.orders
    with platform.store.read() as conn:
        row = conn.execute(select(t.c.doc).where(t.c.id == order_id,
                                                 t.c.account_id == account_id)).first()
        if row is None:
            raise NotFound("ORDER_NOT_FOUND", f"no order {order_id} on this account")
        f = tables.fills
        fills = [{"exec_id": r.exec_id, "venue": r.venue, "quantity": str(r.quantity),
                  "price": str(r.price), "liquidity": r.liquidity, "ts": r.ts.isoformat()}
                 for r in conn.execute(select(f).where(f.c.order_id == order_id)
                                       .order_by(f.c.ts, f.c.exec_id))]
        e = tables.order_events
        history = [{"kind": r.kind, "status": r.status, "ts": r.ts.isoformat(),
                    "detail": json.loads(r.payload)}
                   for r in conn.execute(select(e).where(e.c.order_id == order_id)
                                         .order_by(e.c.seq))]
    view = order_view(json.loads(row.doc))
    view["fills"], view["history"] = fills, history
    return view


def get_order_by_client_id(platform: Platform, account_id: str, client_id: str) -> dict[str, Any]:
    t = tables.orders
    with platform.store.read() as conn:
        row = conn.execute(select(t.c.id).where(t.c.account_id == account_id,
                                                t.c.client_order_id == client_id)
                           .order_by(t.c.client_order_seq.desc())).first()  # the newest use
    if row is None:
        raise NotFound("ORDER_NOT_FOUND", f"no order with client_order_id {client_id}")
    return get_order(platform, account_id, row.id)


def price_of(platform: Platform, symbol: str) -> Decimal:
    trade = platform.exchange.last_trade(symbol)
    if trade is not None:
        return Decimal(trade.price)
    return Decimal(platform.deps.instruments[symbol].reference_price)


def positions(platform: Platform, account_id: str, with_lots: bool = True) -> list[dict[str, Any]]:
    """Return open positions with market value, cost, P&L and (optionally) their tax lots."""
    state = platform.state_for(account_id)
    out = []
    for (acct, symbol), position in sorted(state.positions.items()):
        if acct != account_id or position.quantity == ZERO:
            continue
        price = price_of(platform, symbol)
        view = {
            "symbol": symbol, "quantity": str(position.quantity),
            "average_cost": str(cents(position.average_cost)),
            "cost_basis": str(cents(position.cost_basis)), "current_price": str(price),
            "market_value": str(cents(position.market_value(price))),
            "unrealized_pnl": str(cents(position.unrealized_pnl(price))),
            "realized_pnl": str(cents(position.realized_pnl)),
        }
        if with_lots:
            view["lots"] = [{"lot_id": lot.lot_id, "quantity": str(lot.quantity),
                             "original_quantity": str(lot.original_quantity),
                             "cost_per_share": str(lot.cost_per_share),
                             "opened_at": lot.opened_at.isoformat(), "order_id": lot.order_id}
                            for lot in position.lots]
        out.append(view)
    return out


def realized_closures(platform: Platform, account_id: str,
                      symbol: str | None = None) -> list[dict[str, Any]]:
    t = tables.lot_closures
    query = select(t).where(t.c.account_id == account_id).order_by(t.c.closed_at)
    if symbol:
        query = query.where(t.c.symbol == symbol)
    with platform.store.read() as conn:
        return [{"lot_id": r.lot_id, "symbol": r.symbol, "order_id": r.order_id,
                 "quantity": str(r.quantity), "cost_basis": str(cents(r.cost_basis)),
                 "proceeds": str(cents(r.proceeds)), "realized_pnl": str(cents(r.realized_pnl)),
                 "opened_at": r.opened_at.isoformat(), "closed_at": r.closed_at.isoformat(),
                 "long_term": r.long_term} for r in conn.execute(query)]


def account(platform: Platform, account_id: str) -> dict[str, Any]:
    """Return the account's status and cash figures (from its single writer's ledger)."""
    state = platform.state_for(account_id)
    risk = state.accounts.get(account_id)  # type: ignore[call-overload]
    if risk is None:
        raise NotFound("ACCOUNT_NOT_FOUND", "no such account")
    cash = state.ledger.balance(customer_cash(account_id), USD)  # type: ignore[arg-type]
    pending = state.ledger.balance(customer_deposit_pending(account_id), USD)  # type: ignore[arg-type]
    from brokerage.domain.funding import withdrawable_cash

    withdrawable = withdrawable_cash(state.ledger, account_id,  # type: ignore[arg-type]
                                     state.deposits.values(), state.unsettled_proceeds(account_id))  # type: ignore[arg-type]
    with platform.store.read() as conn:
        row = conn.execute(select(tables.accounts).where(tables.accounts.c.id == account_id)).one()
    return {
        "id": account_id, "account_number": row.account_number,
        "account_type": row.account_type, "status": risk.status.value, "currency": USD,
        "cash": str(cents(cash.posted)), "buying_power": str(cents(risk.buying_power)),
        "cash_held_for_orders": str(cents(cash.debits_pending)),
        "cash_withdrawable": str(cents(max(withdrawable, ZERO))),
        "pending_deposits": str(cents(pending.posted)),
        "unsettled_proceeds": str(cents(state.unsettled_proceeds(account_id))),  # type: ignore[arg-type]
        "created_at": row.created_at.isoformat(),
    }


def portfolio(platform: Platform, account_id: str) -> dict[str, Any]:
    """Return value, cash, buying power and P&L, with the positions."""
    acct = account(platform, account_id)
    held = positions(platform, account_id, with_lots=False)
    state = platform.state_for(account_id)
    realized = sum((p.realized_pnl for (a, _), p in state.positions.items() if a == account_id),
                   ZERO)
    market_value = sum((Decimal(p["market_value"]) for p in held), ZERO)
    unrealized = sum((Decimal(p["unrealized_pnl"]) for p in held), ZERO)
    cash = Decimal(acct["cash"]) + Decimal(acct["pending_deposits"])
    return {
        "portfolio_value": str(cents(cash + market_value)), "cash": acct["cash"],
        "pending_deposits": acct["pending_deposits"], "buying_power": acct["buying_power"],
        "long_market_value": str(cents(market_value)),
        "unrealized_pnl": str(cents(unrealized)), "realized_pnl": str(cents(realized)),
        "positions": held,
    }


def transfers(platform: Platform, account_id: str) -> list[dict[str, Any]]:
    t = tables.cash_transfers
    query = select(t).where(t.c.account_id == account_id).order_by(t.c.created_at.desc())
    with platform.store.read() as conn:
        return [transfer_view(dict(r._mapping)) for r in conn.execute(query)]


def transfer_view(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "direction": r["direction"], "amount": str(cents(r["amount"])),
            "instant_amount": str(cents(r["instant_amount"])), "status": r["status"],
            "created_at": r["created_at"].isoformat(), "settles_on": r["settles_on"].isoformat(),
            "settled_at": r["settled_at"].isoformat() if r["settled_at"] else None}


def quote(platform: Platform, symbol: str) -> dict[str, Any]:
    instrument = platform.deps.instruments[symbol]
    book = platform.exchange.top_of_book(symbol)
    trade = platform.exchange.last_trade(symbol)
    return {
        "symbol": symbol,
        "bid": _s(book.bid) if book else None, "bid_size": _s(book.bid_size) if book else None,
        "ask": _s(book.ask) if book else None, "ask_size": _s(book.ask_size) if book else None,
        "last": _s(trade.price) if trade else None,
        "last_size": _s(trade.quantity) if trade else None,
        "last_ts": trade.ts.isoformat() if trade else None,
        "previous_close": str(instrument.reference_price),
    }


def asset_view(instrument: Any) -> dict[str, Any]:
    return {"symbol": instrument.symbol, "name": instrument.name, "class": instrument.asset_class,
            "exchange": instrument.exchange, "kind": instrument.kind,
            "tradable": instrument.tradable, "fractionable": instrument.fractionable,
            "reference_price": str(instrument.reference_price),
            "daily_volatility": str(instrument.daily_volatility),
            "calibration_source": instrument.calibration_source,
            "calibrated_from": instrument.calibrated_from, "proxied": instrument.proxied}
