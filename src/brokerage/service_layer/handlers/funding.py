"""ACH deposits and withdrawals, and T+1 settlement of cash."""

from brokerage.domain import funding
from brokerage.domain.funding import Deposit, DepositId, FundingRefusal, Withdrawal, WithdrawalId
from brokerage.domain.ids import AccountId, TransferId
from brokerage.domain.ledger import firm_bank, firm_clearing_cash
from brokerage.domain.money import USD, ZERO
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import NotFound, Refused
from brokerage.service_layer.oms import Context
from brokerage.service_layer.records import audit, record_transfer
from brokerage.service_layer.state import PartitionState


def _today_settles(state: PartitionState) -> object:
    now = state.deps.clock.now()
    today = state.deps.calendar.session_date(now) or now.date()
    return state.deps.calendar.next_business_day(today)


def deposit(c: cmd.Deposit, ctx: Context) -> Deposit:
    """Start an ACH deposit: the instant part is usable now, the rest on settlement."""
    state: PartitionState = ctx.state
    _account(state, c.account_id)
    now = state.deps.clock.now()
    result = funding.initiate_deposit(
        state.ledger, DepositId(state.deps.ids()), c.account_id, c.amount, now,
        _today_settles(state), state.deposits.values(),  # type: ignore[arg-type]
        instant_limit=state.deps.instant_deposit_limit)
    if isinstance(result, FundingRefusal):
        raise Refused(result.code.value, result.message)
    for transfer in result.transfers:
        record_transfer(ctx, transfer, c.account_id)
    record = result.deposit
    state.deposits[record.id] = record
    ctx.batch.insert("cash_transfers", record.id, _deposit_row(record))
    state.sync(c.account_id)
    return record


def withdraw(c: cmd.Withdraw, ctx: Context) -> Withdrawal:
    """Send settled, unheld cash back to the bank."""
    state: PartitionState = ctx.state
    _account(state, c.account_id)
    result = funding.request_withdrawal(
        state.ledger, WithdrawalId(state.deps.ids()), c.account_id, c.amount,
        state.deps.clock.now(), _today_settles(state), state.deposits.values(),  # type: ignore[arg-type]
        state.unsettled_proceeds(c.account_id))
    if isinstance(result, FundingRefusal):
        raise Refused(result.code.value, result.message, status=403)
    for transfer in result.transfers:
        record_transfer(ctx, transfer, c.account_id)
    record = result.withdrawal
    state.withdrawals[record.id] = record
    ctx.batch.insert("cash_transfers", record.id, _withdrawal_row(record))
    state.sync(c.account_id)
    return record


def settle_due(c: cmd.SettleDue, ctx: Context) -> int:
    """Settle every deposit, withdrawal and trade due by `today`; return how many."""
    state: PartitionState = ctx.state
    now = state.deps.clock.now()
    count = 0
    for record in [d for d in state.deposits.values() if d.settles_on <= c.today]:
        change = funding.settle_deposit(state.ledger, record, now)
        if isinstance(change, FundingRefusal):
            continue
        _book(ctx, change.transfers, record.account_id)
        del state.deposits[record.id]
        ctx.batch.put("cash_transfers", record.id, _deposit_row(change.deposit), new=False)
        count += 1
    for w in [w for w in state.withdrawals.values() if w.settles_on <= c.today]:
        change_w = funding.complete_withdrawal(state.ledger, w, now)
        if isinstance(change_w, FundingRefusal):
            continue
        _book(ctx, change_w.transfers, w.account_id)
        del state.withdrawals[w.id]
        ctx.batch.put("cash_transfers", w.id, _withdrawal_row(change_w.withdrawal), new=False)
        count += 1
    return count + _settle_trades(ctx, c)


def _settle_trades(ctx: Context, c: cmd.SettleDue) -> int:
    """Trades settle T+1: the clearing account pays or is paid through the bank."""
    state: PartitionState = ctx.state
    now = state.deps.clock.now()
    due = [s for s in state.settlements.values() if s.settles_on <= c.today]
    for s in due:
        if s.amount != ZERO:
            debit, credit = ((firm_bank(), firm_clearing_cash()) if s.amount > 0
                             else (firm_clearing_cash(), firm_bank()))
            transfer = state.ledger.transfer(TransferId(f"{s.id}:settle"), debit, credit, USD,
                                             abs(s.amount), now, ref=s.id, memo="T+1 settlement")
            record_transfer(ctx, transfer, s.account_id)
        ctx.batch.put("trade_settlements", s.id, {"id": s.id, "status": "settled",
                                                  "settled_at": now}, new=False)
        del state.settlements[s.id]
        audit(ctx, "settlement.trade", s.id, s.account_id, {"amount": str(s.amount)})
    return len(due)


def _book(ctx: Context, transfers: tuple[object, ...], account_id: AccountId) -> None:
    state: PartitionState = ctx.state
    for transfer in transfers:
        record_transfer(ctx, transfer, account_id)  # type: ignore[arg-type]
    state.sync(account_id)


def _account(state: PartitionState, account_id: AccountId) -> None:
    if account_id not in state.accounts:
        raise NotFound("ACCOUNT_NOT_FOUND", "no such account")


def _deposit_row(d: Deposit) -> dict[str, object]:
    return {"id": d.id, "account_id": d.account_id, "direction": "deposit", "amount": d.amount,
            "instant_amount": d.instant_amount, "status": d.status.value,
            "created_at": d.initiated_at, "settles_on": d.settles_on,
            "settled_at": d.settled_at, "updated_at": d.settled_at or d.initiated_at}


def _withdrawal_row(w: Withdrawal) -> dict[str, object]:
    return {"id": w.id, "account_id": w.account_id, "direction": "withdrawal",
            "amount": w.amount, "instant_amount": ZERO, "status": w.status.value,
            "created_at": w.requested_at, "settles_on": w.settles_on,
            "settled_at": w.completed_at, "updated_at": w.completed_at or w.requested_at}
