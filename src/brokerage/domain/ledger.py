"""A double-entry ledger kept in memory, after TigerBeetle: immutable transfers, two-phase holds.

Every transfer is balanced by construction: it carries one amount, one debit account and one
credit account, so whatever it adds to the debit side of one account it adds to the credit
side of another, and for every asset the posted balances of all accounts sum to zero. The
ledger still asserts the rest: amount > 0, debit != credit, and a follow-up transfer (post or
void) names the same accounts and asset as its pending transfer.

Balances are credit-normal: `posted = credits_posted - debits_posted`. A customer's cash is
what the firm owes them, a credit balance; firm asset accounts (bank, receivables) read
negative. Customer accounts (ids starting with "cust:") may never have debits, posted plus
pending, above their posted credits; firm accounts ("firm:...") may go negative.

Extension over TigerBeetle: there a pending transfer is posted once (all or part, the rest
released) or voided. An order's hold is consumed by partial fills that arrive over minutes or
days; posting once would force a void-and-rehold per fill, and in between the money would be
free to be spent twice. So here a pending transfer may be posted in several parts, each at
most what remains; a void releases whatever remains; and the hold closes when its remainder
reaches zero or it is voided, after which nothing more posts to it. A post always moves its
amount from the pending transfer's debit account to its credit account.

The OMS persists the Transfer records and replays them at start with `apply`.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from brokerage.domain.ids import AccountId, LedgerAccountId, Symbol, TransferId
from brokerage.domain.money import QTY_QUANTUM, ZERO

CUSTOMER_PREFIX = "cust:"
FIRM_PREFIX = "firm:"
# Put a limit on everything: one transfer moves at most 10^15 units, with at most nine
# decimals, so sums over any realistic log stay exact in the default 28-digit context.
TRANSFER_AMOUNT_MAX = Decimal("1E15")


class LedgerError(Exception):
    """A transfer the ledger refuses; the ledger is left unchanged."""

    code = "LEDGER_ERROR"


class InvalidTransfer(LedgerError):
    code = "LEDGER_INVALID_TRANSFER"


class InsufficientFunds(LedgerError):
    code = "LEDGER_INSUFFICIENT_FUNDS"


class DuplicateTransferId(LedgerError):
    code = "LEDGER_DUPLICATE_TRANSFER_ID"


class PendingNotFound(LedgerError):
    code = "LEDGER_PENDING_NOT_FOUND"


class PendingClosed(LedgerError):
    code = "LEDGER_PENDING_CLOSED"


class LedgerInvariantError(LedgerError):
    """The ledger's state breaks one of its invariants: a bug, never a user error."""

    code = "LEDGER_INVARIANT_BROKEN"


class TransferKind(StrEnum):
    POSTED = "posted"
    PENDING = "pending"  # a two-phase hold
    POST_PENDING = "post_pending"  # posts part or all of a pending transfer's remainder
    VOID_PENDING = "void_pending"  # releases the whole remainder and closes the hold


# kind -> (sign applied to the posted columns, sign applied to the pending columns)
_EFFECTS: dict[TransferKind, tuple[int, int]] = {
    TransferKind.POSTED: (1, 0),
    TransferKind.PENDING: (0, 1),
    TransferKind.POST_PENDING: (1, -1),
    TransferKind.VOID_PENDING: (0, -1),
}
_FOLLOW_UPS = frozenset({TransferKind.POST_PENDING, TransferKind.VOID_PENDING})


@dataclass(frozen=True, slots=True)
class Transfer:
    """One immutable, balanced movement of `amount` of `asset` from `debit` to `credit`."""

    id: TransferId
    kind: TransferKind
    debit: LedgerAccountId
    credit: LedgerAccountId
    asset: str  # "USD" or a share symbol
    amount: Decimal
    pending_id: TransferId | None
    ref: str  # order id, deposit id...
    memo: str
    ts: datetime


@dataclass(frozen=True, slots=True)
class Balance:
    debits_posted: Decimal = ZERO
    credits_posted: Decimal = ZERO
    debits_pending: Decimal = ZERO
    credits_pending: Decimal = ZERO

    @property
    def posted(self) -> Decimal:
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> Decimal:
        return self.posted - self.debits_pending

    def plus(self, other: "Balance") -> "Balance":
        """Return the column-wise sum of two balances."""
        return Balance(
            self.debits_posted + other.debits_posted,
            self.credits_posted + other.credits_posted,
            self.debits_pending + other.debits_pending,
            self.credits_pending + other.credits_pending,
        )


BalanceKey = tuple[LedgerAccountId, str]


def _id_part(value: str) -> str:
    if not value or ":" in value:
        raise ValueError(f"not usable inside a ledger account id: {value!r}")
    return value


def customer_cash(account_id: AccountId) -> LedgerAccountId:
    """Name a customer's cash account."""
    return LedgerAccountId(f"cust:{_id_part(account_id)}:cash")


def customer_deposit_pending(account_id: AccountId) -> LedgerAccountId:
    """Name the account holding a customer's deposits not yet usable (awaiting ACH)."""
    return LedgerAccountId(f"cust:{_id_part(account_id)}:deposit_pending")


def customer_securities(account_id: AccountId, symbol: Symbol | str) -> LedgerAccountId:
    """Name a customer's account for the shares of one symbol."""
    return LedgerAccountId(f"cust:{_id_part(account_id)}:sec:{_id_part(symbol.upper())}")


def firm_ach_receivable() -> LedgerAccountId:
    """Name the firm's account for ACH deposits initiated but not yet received."""
    return LedgerAccountId("firm:ach_receivable")


def firm_ach_payable() -> LedgerAccountId:
    """Name the firm's account for ACH withdrawals owed but not yet sent."""
    return LedgerAccountId("firm:ach_payable")


def firm_bank() -> LedgerAccountId:
    """Name the firm's bank account."""
    return LedgerAccountId("firm:bank")


def firm_clearing_cash() -> LedgerAccountId:
    """Name the firm's cash account at its clearing house."""
    return LedgerAccountId("firm:clearing:cash")


def firm_street_securities(symbol: Symbol | str) -> LedgerAccountId:
    """Name the firm's street-side account for the shares of one symbol."""
    return LedgerAccountId(f"firm:street:sec:{_id_part(symbol.upper())}")


def firm_fees() -> LedgerAccountId:
    """Name the firm's fee income account."""
    return LedgerAccountId("firm:fees")


def firm_venue_receivable(venue: str) -> LedgerAccountId:
    """Name what a venue owes the firm (payment for order flow accrued on fills)."""
    return LedgerAccountId(f"firm:venue:{_id_part(venue.upper())}:receivable")


def firm_pfof_revenue() -> LedgerAccountId:
    """Name the firm's payment-for-order-flow income account."""
    return LedgerAccountId("firm:pfof_revenue")


def firm_customer_receivable(account_id: AccountId) -> LedgerAccountId:
    """Name what a customer owes the firm: a late fill its unheld cash or shares did not cover.

    Customer accounts never go negative, so the firm advances the shortfall from here; a
    negative balance on this account is the customer's debit balance.
    """
    return LedgerAccountId(f"firm:customer:{_id_part(account_id)}:receivable")


def is_customer_account(account: LedgerAccountId) -> bool:
    """Tell whether an account belongs to a customer (and so may never be overdrawn)."""
    return account.startswith(CUSTOMER_PREFIX)


def is_overdrawn(account: LedgerAccountId, balance: Balance) -> bool:
    """Tell whether a customer account's debits, posted plus pending, exceed its credits."""
    debits = balance.debits_posted + balance.debits_pending
    return is_customer_account(account) and debits > balance.credits_posted


def _check_amount(amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidTransfer(f"amount must be a finite Decimal: {amount!r}")
    if not ZERO < amount <= TRANSFER_AMOUNT_MAX:
        raise InvalidTransfer(f"amount must be > 0 and <= {TRANSFER_AMOUNT_MAX}: {amount}")
    if amount.quantize(QTY_QUANTUM) != amount:
        raise InvalidTransfer(f"amount has more than nine decimals: {amount}")


def _check_shape(t: Transfer) -> None:
    """Refuse a transfer that is malformed on its own, before looking at the ledger."""
    _check_amount(t.amount)
    if t.debit == t.credit:
        raise InvalidTransfer(f"debit and credit must be two accounts: {t.debit} / {t.credit}")
    for account in (t.debit, t.credit):
        if not account.startswith((CUSTOMER_PREFIX, FIRM_PREFIX)):
            raise InvalidTransfer(f"account id must start with cust: or firm: {account!r}")
    if not t.asset:
        raise InvalidTransfer("asset is empty")
    if t.ts.tzinfo is None:
        raise InvalidTransfer("ts must be timezone-aware")
    if (t.kind in _FOLLOW_UPS) != (t.pending_id is not None):
        raise InvalidTransfer(f"{t.kind} transfer with pending_id={t.pending_id!r}")


def _deltas(t: Transfer) -> tuple[Balance, Balance]:
    """Return what a transfer adds to its debit account and to its credit account."""
    posted_sign, pending_sign = _EFFECTS[t.kind]
    posted, pending = t.amount * posted_sign, t.amount * pending_sign
    return (
        Balance(debits_posted=posted, debits_pending=pending),
        Balance(credits_posted=posted, credits_pending=pending),
    )


class Ledger:
    """An in-memory double-entry ledger; `apply` is its only mutator."""

    def __init__(self) -> None:
        self._transfers: dict[TransferId, Transfer] = {}  # insertion order is the log
        self._balances: dict[BalanceKey, Balance] = {}
        self._remaining: dict[TransferId, Decimal] = {}  # open holds only
        # ref -> its open holds, in the order placed (an index over _remaining, never scanned)
        self._open_by_ref: dict[str, dict[TransferId, None]] = {}

    @classmethod
    def from_transfers(cls, transfers: Iterable[Transfer]) -> "Ledger":
        """Build a ledger by replaying stored transfers in order."""
        ledger = cls()
        for transfer in transfers:
            ledger.apply(transfer)
        return ledger

    # --- commands -------------------------------------------------------------------------

    def transfer(
        self,
        id: TransferId,
        debit: LedgerAccountId,
        credit: LedgerAccountId,
        asset: str,
        amount: Decimal,
        ts: datetime,
        ref: str = "",
        memo: str = "",
    ) -> Transfer:
        """Move `amount` of `asset` from `debit` to `credit` at once."""
        kind = TransferKind.POSTED
        return self._submit(Transfer(id, kind, debit, credit, asset, amount, None, ref, memo, ts))

    def hold(
        self,
        id: TransferId,
        debit: LedgerAccountId,
        credit: LedgerAccountId,
        asset: str,
        amount: Decimal,
        ts: datetime,
        ref: str = "",
        memo: str = "",
    ) -> Transfer:
        """Reserve `amount` of `asset` on `debit` for a later post or void (a PENDING transfer)."""
        kind = TransferKind.PENDING
        return self._submit(Transfer(id, kind, debit, credit, asset, amount, None, ref, memo, ts))

    def post(
        self, id: TransferId, pending_id: TransferId, amount: Decimal, ts: datetime, memo: str = ""
    ) -> Transfer:
        """Post `amount` (at most what remains) of an open hold from its debit to its credit."""
        pending = self._pending_record(pending_id)
        return self._submit(_follow_up(id, TransferKind.POST_PENDING, pending, amount, ts, memo))

    def void(
        self, id: TransferId, pending_id: TransferId, ts: datetime, memo: str = ""
    ) -> Transfer:
        """Release whatever remains of an open hold and close it."""
        pending = self._pending_record(pending_id)
        existing = self._transfers.get(id)
        amount = existing.amount if existing is not None else self._remaining.get(pending_id)
        if amount is None:
            raise PendingClosed(f"hold {pending_id} is closed")
        return self._submit(_follow_up(id, TransferKind.VOID_PENDING, pending, amount, ts, memo))

    def apply(self, transfer: Transfer) -> bool:
        """Validate and apply one transfer; return False if this exact transfer was applied.

        Re-using a transfer id with a different body raises DuplicateTransferId. Any refusal
        leaves the ledger unchanged.
        """
        existing = self._transfers.get(transfer.id)
        if existing is not None:
            if existing != transfer:
                raise DuplicateTransferId(f"transfer id {transfer.id} already used differently")
            return False
        _check_shape(transfer)
        self._check_against_pending(transfer)
        updates = self._updated_balances(transfer)
        for (account, asset), balance in updates.items():
            if is_overdrawn(account, balance):
                raise InsufficientFunds(f"{account} has too little {asset} for {transfer.id}")
        self._commit(transfer, updates)
        return True

    # --- queries --------------------------------------------------------------------------

    def get(self, transfer_id: TransferId) -> Transfer | None:
        """Return the transfer with this id, if any."""
        return self._transfers.get(transfer_id)

    def transfers(self) -> tuple[Transfer, ...]:
        """Return every applied transfer, in the order applied."""
        return tuple(self._transfers.values())

    def balance(self, account: LedgerAccountId, asset: str) -> Balance:
        """Return an account's balance in one asset (zero if never touched)."""
        return self._balances.get((account, asset), Balance())

    def balances(self) -> dict[BalanceKey, Balance]:
        """Return a copy of every (account, asset) balance ever touched."""
        return dict(self._balances)

    def pending_remaining(self, pending_id: TransferId) -> Decimal:
        """Return what is left to post or void on a hold (zero once closed)."""
        self._pending_record(pending_id)
        return self._remaining.get(pending_id, ZERO)

    def open_holds(self, ref: str | None = None) -> list[Transfer]:
        """Return open holds in the order placed, optionally only those for one ref."""
        if ref is None:
            return [self._transfers[pending_id] for pending_id in self._remaining]
        return [self._transfers[pending_id] for pending_id in self._open_by_ref.get(ref, ())]

    def totals(self, asset: str) -> Decimal:
        """Return the sum of posted balances of one asset over all accounts (always zero)."""
        return sum(
            (b.posted for (_, key_asset), b in self._balances.items() if key_asset == asset), ZERO
        )

    def check_invariants(self) -> None:
        """Raise LedgerInvariantError if the ledger's state breaks any invariant."""
        _check_replayed_sums(self)
        _check_holds(self)
        for (account, asset), balance in self._balances.items():
            if is_overdrawn(account, balance):
                raise LedgerInvariantError(f"{account} is overdrawn in {asset}: {balance}")
        for asset in {asset for _, asset in self._balances}:
            if self.totals(asset) != ZERO:
                raise LedgerInvariantError(f"{asset} posted total is {self.totals(asset)}")

    # --- internals ------------------------------------------------------------------------

    def _submit(self, transfer: Transfer) -> Transfer:
        self.apply(transfer)
        return self._transfers[transfer.id]

    def _pending_record(self, pending_id: TransferId) -> Transfer:
        pending = self._transfers.get(pending_id)
        if pending is None or pending.kind is not TransferKind.PENDING:
            raise PendingNotFound(f"no pending transfer {pending_id}")
        return pending

    def _check_against_pending(self, t: Transfer) -> None:
        if t.pending_id is None:
            return
        pending = self._pending_record(t.pending_id)
        remaining = self._remaining.get(t.pending_id)
        if remaining is None:
            raise PendingClosed(f"hold {t.pending_id} is closed")
        if (t.debit, t.credit, t.asset) != (pending.debit, pending.credit, pending.asset):
            raise InvalidTransfer(f"{t.id} does not match the accounts/asset of its hold")
        if t.kind is TransferKind.POST_PENDING and t.amount > remaining:
            raise InvalidTransfer(f"{t.id} posts {t.amount} but only {remaining} remains")
        if t.kind is TransferKind.VOID_PENDING and t.amount != remaining:
            raise InvalidTransfer(f"{t.id} voids {t.amount} but {remaining} remains")

    def _updated_balances(self, t: Transfer) -> dict[BalanceKey, Balance]:
        debit_delta, credit_delta = _deltas(t)
        return {
            (t.debit, t.asset): self.balance(t.debit, t.asset).plus(debit_delta),
            (t.credit, t.asset): self.balance(t.credit, t.asset).plus(credit_delta),
        }

    def _commit(self, t: Transfer, updates: dict[BalanceKey, Balance]) -> None:
        self._transfers[t.id] = t
        self._balances.update(updates)
        if t.kind is TransferKind.PENDING:
            self._remaining[t.id] = t.amount
            self._open_by_ref.setdefault(t.ref, {})[t.id] = None
        elif t.pending_id is not None:
            left = self._remaining.pop(t.pending_id) - t.amount
            if t.kind is TransferKind.POST_PENDING and left > ZERO:
                self._remaining[t.pending_id] = left
            else:
                self._close_hold(t.pending_id)

    def _close_hold(self, pending_id: TransferId) -> None:
        ref = self._transfers[pending_id].ref
        holds = self._open_by_ref.get(ref)
        if holds is not None:
            holds.pop(pending_id, None)
            if not holds:
                del self._open_by_ref[ref]


def _follow_up(
    id: TransferId,
    kind: TransferKind,
    pending: Transfer,
    amount: Decimal,
    ts: datetime,
    memo: str,
) -> Transfer:
    return Transfer(
        id, kind, pending.debit, pending.credit, pending.asset, amount, pending.id,
        pending.ref, memo, ts,
    )  # fmt: skip


def _check_replayed_sums(ledger: Ledger) -> None:
    """Recompute every balance from the log, independently of `apply`, and compare."""
    sums: dict[BalanceKey, Balance] = {}
    for t in ledger.transfers():
        debit_delta, credit_delta = _deltas(t)
        sums[(t.debit, t.asset)] = sums.get((t.debit, t.asset), Balance()).plus(debit_delta)
        sums[(t.credit, t.asset)] = sums.get((t.credit, t.asset), Balance()).plus(credit_delta)
    if sums != ledger.balances():
        raise LedgerInvariantError("balances differ from the sums of the transfer log")


def _check_holds(ledger: Ledger) -> None:
    """Check each hold's remainder against its posts and voids, and the pending columns."""
    used: dict[TransferId, Decimal] = {}
    for t in ledger.transfers():
        if t.pending_id is not None:
            used[t.pending_id] = used.get(t.pending_id, ZERO) + t.amount
    open_ids = {hold.id for hold in ledger.open_holds()}
    indexed = {h.id for ref in {h.ref for h in ledger.open_holds()} for h in ledger.open_holds(ref)}
    if indexed != open_ids:
        raise LedgerInvariantError("the index of open holds by ref differs from the open holds")
    pending: dict[BalanceKey, Balance] = {}
    for t in ledger.transfers():
        if t.kind is not TransferKind.PENDING:
            continue
        left = t.amount - used.get(t.id, ZERO)
        if left < ZERO or (left > ZERO) != (t.id in open_ids):
            raise LedgerInvariantError(f"hold {t.id}: remainder {left}, open={t.id in open_ids}")
        if left != ledger.pending_remaining(t.id):
            raise LedgerInvariantError(f"hold {t.id}: remainder {left} is not recorded")
        pending[(t.debit, t.asset)] = pending.get((t.debit, t.asset), Balance()).plus(
            Balance(debits_pending=left)
        )
        pending[(t.credit, t.asset)] = pending.get((t.credit, t.asset), Balance()).plus(
            Balance(credits_pending=left)
        )
    for key, balance in ledger.balances().items():
        expected = pending.get(key, Balance())
        if (balance.debits_pending, balance.credits_pending) != (
            expected.debits_pending,
            expected.credits_pending,
        ):
            raise LedgerInvariantError(f"{key}: pending columns differ from its open holds")


def dangling_holds(ledger: Ledger, open_refs: Collection[str]) -> list[Transfer]:
    """List open holds whose ref (an order, a withdrawal...) is no longer open."""
    return [hold for hold in ledger.open_holds() if hold.ref not in open_refs]
