"""Rebuild a partition's in-memory state from the system of record (at start and after failure)."""

import json
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from brokerage.adapters.db import tables
from brokerage.adapters.db.store import SqlStore
from brokerage.domain.accounts import AccountStatus, AccountType
from brokerage.domain.audit import AuditChain
from brokerage.domain.funding import (
    Deposit,
    DepositId,
    DepositStatus,
    Withdrawal,
    WithdrawalId,
    WithdrawalStatus,
)
from brokerage.domain.ids import AccountId, ClientOrderId, OrderId, Symbol, TransferId
from brokerage.domain.ledger import Ledger, Transfer, TransferKind
from brokerage.domain.orders.classes import LinkGroup
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.types import TERMINAL_STATUSES
from brokerage.domain.portfolio import LotId, Position, TaxLot
from brokerage.domain.risk import AccountRiskState, KillSwitches, TokenBucket
from brokerage.service_layer.oms import partition_of
from brokerage.service_layer.state import Deps, PartitionState, TradeSettlement

OPEN = [s.value for s in TERMINAL_STATUSES]


def load_partition(store: SqlStore, deps: Deps, index: int, partitions: int) -> PartitionState:
    """Read everything the single writer of partition `index` owns."""
    with store.read() as conn:
        accounts = [dict(r._mapping) for r in conn.execute(select(tables.accounts))]
        mine = {a["id"] for a in accounts if partition_of(a["id"], partitions) == index}
        state = PartitionState(deps=deps, ledger=_ledger(conn, mine),
                               audit=_audit_tail(conn), kill_switches=_kill_switches(conn))
        for a in accounts:
            if a["id"] in mine:
                _add_account(state, a)
        _orders(conn, state, mine)
        _links(conn, state, mine)
        _positions(conn, state, mine)
        _cash(conn, state, mine)
    state.stored_order = stored_order_reader(store)
    return state


def stored_order_reader(store: SqlStore) -> Callable[[OrderId], Order | None]:
    """Return a function that reads one order (with its history) from the database."""
    t = tables.orders

    def read(order_id: OrderId) -> Order | None:
        with store.read() as conn:
            row = conn.execute(select(t.c.doc).where(t.c.id == order_id)).first()
        return None if row is None else Order.from_dict(json.loads(row.doc))

    return read


def _ledger(conn: Any, mine: set[str]) -> Ledger:
    ledger = Ledger()
    query = select(tables.ledger_transfers).order_by(tables.ledger_transfers.c.seq)
    for r in conn.execute(query):
        if r.account_id is not None and r.account_id not in mine:
            continue
        ledger.apply(Transfer(TransferId(r.id), TransferKind(r.kind), r.debit, r.credit, r.asset,
                              r.amount, TransferId(r.pending_id) if r.pending_id else None,
                              r.ref, r.memo, r.ts))
    return ledger


def _audit_tail(conn: Any) -> AuditChain:
    t = tables.audit_events
    row = conn.execute(select(t.c.seq, t.c.hash).order_by(t.c.seq.desc()).limit(1)).first()
    return AuditChain() if row is None else AuditChain(last_seq=row.seq, last_hash=row.hash)


def _kill_switches(conn: Any) -> KillSwitches:
    """Replay the kill-switch changes from the audit log (their system of record)."""
    switches = KillSwitches()
    t = tables.audit_events
    for r in conn.execute(select(t).where(t.c.kind == "risk.kill_switch").order_by(t.c.seq)):
        scope, _, target = r.entity_id.partition(":")
        tripped = json.loads(r.payload)["tripped"]
        _switch(switches, scope, target, tripped)
    return switches


def _switch(switches: KillSwitches, scope: str, target: str, tripped: bool) -> None:
    if scope == "global":
        switches.trip_global() if tripped else switches.reset_global()
    elif scope == "account":
        acct = AccountId(target)
        switches.trip_account(acct) if tripped else switches.reset_account(acct)
    elif scope == "symbol":
        sym = Symbol(target)
        switches.trip_symbol(sym) if tripped else switches.reset_symbol(sym)


def _add_account(state: PartitionState, row: dict[str, Any]) -> None:
    account_id = AccountId(row["id"])
    state.accounts[account_id] = AccountRiskState(
        account_id=account_id, status=AccountStatus(row["status"]),
        account_type=AccountType(row["account_type"]), buying_power=Decimal(0),
        rate_limiter=TokenBucket.for_limits(state.deps.limits))
    state.sync(account_id)


def _orders(conn: Any, state: PartitionState, mine: set[str]) -> None:
    t = tables.orders
    ids = select(t.c.id, t.c.account_id, t.c.client_order_id, t.c.client_order_seq)
    for r in conn.execute(ids.order_by(t.c.client_order_seq)):  # a reused id: newest wins
        if r.account_id in mine:
            key = (AccountId(r.account_id), ClientOrderId(r.client_order_id))
            state.client_ids[key] = OrderId(r.id)
            if r.client_order_seq:
                state.client_id_uses[key] = r.client_order_seq
    for r in conn.execute(select(t.c.doc, t.c.account_id).where(t.c.status.not_in(OPEN))):
        if r.account_id not in mine:
            continue
        order = Order.from_dict(json.loads(r.doc))
        state.orders[order.id] = order
        state.persisted_orders.add(order.id)
        if order.is_stop and not order.triggered:
            state.track_stop(order)
    for account_id in list(state.accounts):
        for symbol in {o.symbol for o in state.orders.values() if o.account_id == account_id}:
            state.sync(account_id, symbol)


def _links(conn: Any, state: PartitionState, mine: set[str]) -> None:
    """Relink the open bracket/OCO/OTO groups to their member orders."""
    t = tables.order_links
    for r in conn.execute(select(t.c.doc, t.c.account_id).where(t.c.phase != "done")):
        if r.account_id in mine:
            group = LinkGroup.from_dict(json.loads(r.doc))
            for member in group.members:
                state.links[member] = group


def _positions(conn: Any, state: PartitionState, mine: set[str]) -> None:
    lots: dict[tuple[str, str], list[TaxLot]] = defaultdict(list)
    for r in conn.execute(select(tables.tax_lots).order_by(tables.tax_lots.c.opened_at,
                                                            tables.tax_lots.c.lot_id)):
        if r.account_id in mine and r.quantity > 0:
            lots[(r.account_id, r.symbol)].append(TaxLot(
                LotId(r.lot_id), Symbol(r.symbol), r.quantity, r.original_quantity,
                r.cost_per_share, r.opened_at, OrderId(r.order_id)))
    realized: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in conn.execute(select(tables.lot_closures)):
        if r.account_id in mine:
            realized[(r.account_id, r.symbol)] += r.realized_pnl
    for key in set(lots) | set(realized):
        account_id, symbol = AccountId(key[0]), Symbol(key[1])
        state.positions[(account_id, symbol)] = Position.replay(symbol, lots.get(key, []),
                                                                realized.get(key, Decimal(0)))
        state.sync(account_id, symbol)


def _cash(conn: Any, state: PartitionState, mine: set[str]) -> None:
    t = tables.cash_transfers
    for r in conn.execute(select(t).where(t.c.status == "pending")):
        if r.account_id not in mine:
            continue
        if r.direction == "deposit":
            state.deposits[r.id] = Deposit(DepositId(r.id), AccountId(r.account_id), r.amount,
                                           r.instant_amount, DepositStatus.PENDING,
                                           r.created_at, r.settles_on)
        else:
            state.withdrawals[r.id] = Withdrawal(WithdrawalId(r.id), AccountId(r.account_id),
                                                 r.amount, WithdrawalStatus.PENDING,
                                                 r.created_at, r.settles_on)
    s = tables.trade_settlements
    for r in conn.execute(select(s).where(s.c.status == "pending")):
        if r.account_id in mine:
            state.settlements[r.id] = TradeSettlement(r.id, AccountId(r.account_id), r.amount,
                                                      r.settles_on, dict(r._mapping))
