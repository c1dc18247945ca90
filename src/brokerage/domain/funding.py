"""ACH deposits and withdrawals as ledger transfers, with instant credit up to a limit.

A deposit of A credits the customer at once with an instant part I (usable for trading),
bounded so that the instant credit outstanding over the account's unsettled deposits never
exceeds the limit; the rest, A - I, waits in the customer's deposit_pending account until the
ACH settles. Instant credit is not withdrawable until settlement: the firm fronts it, and an
ACH return would otherwise leave the firm out of pocket.

Refusals are values (`FundingRefusal` with a `FundingCode`) and leave the ledger unchanged.
Ledger transfer ids are derived from the caller's deposit/withdrawal id and a fixed leg name,
so a retried command replays the same ids and the ledger deduplicates it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NewType

from brokerage.domain.ids import AccountId, TransferId
from brokerage.domain.ledger import (
    Ledger,
    Transfer,
    customer_cash,
    customer_deposit_pending,
    firm_ach_payable,
    firm_ach_receivable,
    firm_bank,
)
from brokerage.domain.money import CENT, USD, ZERO

DepositId = NewType("DepositId", str)
WithdrawalId = NewType("WithdrawalId", str)

INSTANT_LIMIT_USD = Decimal("1000")
TRANSFER_MAX_USD = Decimal("250000")


class FundingCode(StrEnum):
    INSUFFICIENT_WITHDRAWABLE = "FUNDING_INSUFFICIENT_WITHDRAWABLE"
    INVALID_AMOUNT = "FUNDING_INVALID_AMOUNT"
    NOT_PENDING = "FUNDING_NOT_PENDING"
    NOT_DUE = "FUNDING_NOT_DUE"


class DepositStatus(StrEnum):
    PENDING = "pending"
    SETTLED = "settled"


class WithdrawalStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class FundingRefusal:
    code: FundingCode
    message: str


@dataclass(frozen=True, slots=True)
class Deposit:
    id: DepositId
    account_id: AccountId
    amount: Decimal
    instant_amount: Decimal
    status: DepositStatus
    initiated_at: datetime
    settles_on: date  # the next business day, from the calendar, passed in by the caller
    settled_at: datetime | None = None

    @property
    def pending_amount(self) -> Decimal:
        return self.amount - self.instant_amount


@dataclass(frozen=True, slots=True)
class Withdrawal:
    id: WithdrawalId
    account_id: AccountId
    amount: Decimal
    status: WithdrawalStatus
    requested_at: datetime
    settles_on: date
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DepositChange:
    """A deposit's new state and the ledger transfers that produced it."""

    deposit: Deposit
    transfers: tuple[Transfer, ...]


@dataclass(frozen=True, slots=True)
class WithdrawalChange:
    """A withdrawal's new state and the ledger transfers that produced it."""

    withdrawal: Withdrawal
    transfers: tuple[Transfer, ...]


def funding_transfer_id(record_id: str, leg: str) -> TransferId:
    """Name the ledger transfer for one leg of a deposit or withdrawal."""
    return TransferId(f"{record_id}:{leg}")


def check_amount(amount: Decimal, max_usd: Decimal = TRANSFER_MAX_USD) -> FundingRefusal | None:
    """Refuse an ACH amount that is not positive, has sub-cent digits, or exceeds the max."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= ZERO:
        return FundingRefusal(FundingCode.INVALID_AMOUNT, f"amount must be > 0: {amount!r}")
    if amount.quantize(CENT) != amount:
        return FundingRefusal(FundingCode.INVALID_AMOUNT, f"amount has sub-cent digits: {amount}")
    if amount > max_usd:
        return FundingRefusal(FundingCode.INVALID_AMOUNT, f"amount {amount} exceeds {max_usd}")
    return None


def unsettled_instant_credit(deposits: Iterable[Deposit], account_id: AccountId) -> Decimal:
    """Sum the instant credit of an account's deposits that have not settled yet."""
    return sum(
        (
            d.instant_amount
            for d in deposits
            if d.account_id == account_id and d.status is DepositStatus.PENDING
        ),
        ZERO,
    )


def cash_buying_power(ledger: Ledger, account_id: AccountId) -> Decimal:
    """Return the cash usable for buying: posted cash minus holds (pending deposits excluded)."""
    return ledger.balance(customer_cash(account_id), USD).available


def withdrawable_cash(
    ledger: Ledger,
    account_id: AccountId,
    deposits: Iterable[Deposit],
    unsettled_trade_proceeds: Decimal = ZERO,
) -> Decimal:
    """Return the cash that may leave: available less unsettled instant credit and proceeds."""
    available = cash_buying_power(ledger, account_id)
    locked = unsettled_instant_credit(deposits, account_id) + unsettled_trade_proceeds
    return max(available - locked, ZERO)


def initiate_deposit(
    ledger: Ledger,
    deposit_id: DepositId,
    account_id: AccountId,
    amount: Decimal,
    ts: datetime,
    settles_on: date,
    unsettled: Iterable[Deposit] = (),
    instant_limit: Decimal = INSTANT_LIMIT_USD,
    max_usd: Decimal = TRANSFER_MAX_USD,
) -> DepositChange | FundingRefusal:
    """Start an ACH deposit: credit the instant part to cash and park the rest as pending.

    `unsettled` holds the account's deposits not yet settled (others are ignored).
    """
    refusal = check_amount(amount, max_usd)
    if refusal is not None:
        return refusal
    headroom = max(instant_limit - unsettled_instant_credit(unsettled, account_id), ZERO)
    instant = min(amount, headroom)
    legs = (
        ("instant", customer_cash(account_id), instant),
        ("pending", customer_deposit_pending(account_id), amount - instant),
    )
    transfers = tuple(
        ledger.transfer(
            funding_transfer_id(deposit_id, leg), firm_ach_receivable(), credit, USD, part, ts,
            ref=deposit_id, memo=f"ACH deposit, {leg} part",
        )
        for leg, credit, part in legs
        if part > ZERO
    )  # fmt: skip
    deposit = Deposit(
        deposit_id, account_id, amount, instant, DepositStatus.PENDING, ts, settles_on
    )
    return DepositChange(deposit, transfers)


def settle_deposit(
    ledger: Ledger, deposit: Deposit, ts: datetime
) -> DepositChange | FundingRefusal:
    """Settle a deposit: release its pending part to cash and book the bank's receipt."""
    refusal = _check_due(deposit.status is DepositStatus.PENDING, deposit.settles_on, ts)
    if refusal is not None:
        return refusal
    account, ref = deposit.account_id, deposit.id
    transfers: list[Transfer] = []
    if deposit.pending_amount > ZERO:
        release = funding_transfer_id(deposit.id, "release")
        pending, cash = customer_deposit_pending(account), customer_cash(account)
        memo = "ACH deposit settled"
        amount = deposit.pending_amount
        transfers.append(ledger.transfer(release, pending, cash, USD, amount, ts, ref, memo))
    bank = funding_transfer_id(deposit.id, "bank")
    memo = "ACH deposit received from the bank"
    receivable = firm_ach_receivable()
    transfers.append(
        ledger.transfer(bank, firm_bank(), receivable, USD, deposit.amount, ts, ref, memo)
    )
    settled = replace(deposit, status=DepositStatus.SETTLED, settled_at=ts)
    return DepositChange(settled, tuple(transfers))


def request_withdrawal(
    ledger: Ledger,
    withdrawal_id: WithdrawalId,
    account_id: AccountId,
    amount: Decimal,
    ts: datetime,
    settles_on: date,
    unsettled: Iterable[Deposit] = (),
    unsettled_trade_proceeds: Decimal = ZERO,
    max_usd: Decimal = TRANSFER_MAX_USD,
) -> WithdrawalChange | FundingRefusal:
    """Move withdrawable cash to the firm's ACH payable, or refuse and change nothing."""
    refusal = check_amount(amount, max_usd)
    if refusal is not None:
        return refusal
    withdrawable = withdrawable_cash(ledger, account_id, unsettled, unsettled_trade_proceeds)
    if amount > withdrawable:
        return FundingRefusal(
            FundingCode.INSUFFICIENT_WITHDRAWABLE,
            f"withdrawal of {amount} exceeds withdrawable cash {withdrawable}",
        )
    transfer = ledger.transfer(
        funding_transfer_id(withdrawal_id, "request"), customer_cash(account_id),
        firm_ach_payable(), USD, amount, ts, ref=withdrawal_id, memo="ACH withdrawal",
    )  # fmt: skip
    withdrawal = Withdrawal(
        withdrawal_id, account_id, amount, WithdrawalStatus.PENDING, ts, settles_on
    )
    return WithdrawalChange(withdrawal, (transfer,))


def complete_withdrawal(
    ledger: Ledger, withdrawal: Withdrawal, ts: datetime
) -> WithdrawalChange | FundingRefusal:
    """Complete a withdrawal on its settle date: pay the bank out of ACH payable."""
    pending = withdrawal.status is WithdrawalStatus.PENDING
    refusal = _check_due(pending, withdrawal.settles_on, ts)
    if refusal is not None:
        return refusal
    transfer = ledger.transfer(
        funding_transfer_id(withdrawal.id, "bank"), firm_ach_payable(), firm_bank(), USD,
        withdrawal.amount, ts, ref=withdrawal.id, memo="ACH withdrawal sent to the bank",
    )  # fmt: skip
    completed = replace(withdrawal, status=WithdrawalStatus.COMPLETED, completed_at=ts)
    return WithdrawalChange(completed, (transfer,))


def _check_due(is_pending: bool, settles_on: date, ts: datetime) -> FundingRefusal | None:
    if not is_pending:
        return FundingRefusal(FundingCode.NOT_PENDING, "already settled")
    if ts.date() < settles_on:
        return FundingRefusal(FundingCode.NOT_DUE, f"settles on {settles_on}, not {ts.date()}")
    return None
