"""Invariants of the ledger under any sequence of deposits, holds, posts, voids and transfers."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from brokerage.domain.ids import AccountId, LedgerAccountId, Symbol, TransferId
from brokerage.domain.ledger import (
    Ledger,
    LedgerError,
    Transfer,
    TransferKind,
    customer_cash,
    customer_securities,
    dangling_holds,
    firm_ach_receivable,
    firm_clearing_cash,
    firm_street_securities,
    is_overdrawn,
)
from brokerage.domain.money import ZERO

T0 = datetime(2025, 1, 2, 14, 30, tzinfo=UTC)
CUSTOMERS = [AccountId("A"), AccountId("B"), AccountId("C")]
SYMBOL = Symbol("AAPL")

customers = st.sampled_from(CUSTOMERS)
usd_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
share_amounts = st.decimals(min_value=Decimal("0.000000001"), max_value=Decimal("50"), places=9)
fractions = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1.2"), places=2)


def asset_accounts(customer: AccountId, asset: str) -> tuple[LedgerAccountId, LedgerAccountId]:
    if asset == "USD":
        return customer_cash(customer), firm_clearing_cash()
    return customer_securities(customer, SYMBOL), firm_street_securities(SYMBOL)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger()
        self.counter = 0
        self.open_orders: set[str] = set()

    def next_id(self) -> TransferId:
        self.counter += 1
        return TransferId(f"t{self.counter}")

    def ts(self) -> datetime:
        return T0 + timedelta(seconds=self.counter)

    def attempt(self, label: str, op: Callable[[], Transfer]) -> Transfer | None:
        """Run one ledger command; if it is refused, assert that nothing changed."""
        before = (self.ledger.balances(), self.ledger.transfers(), self.ledger.open_holds())
        try:
            done = op()
        except LedgerError as exc:
            event(f"{label} refused: {exc.code}")
            after = (self.ledger.balances(), self.ledger.transfers(), self.ledger.open_holds())
            assert after == before
            return None
        event(f"{label} applied")
        return done

    @initialize()
    def start(self) -> None:
        self.ledger.transfer(
            self.next_id(), firm_ach_receivable(), customer_cash(CUSTOMERS[0]), "USD",
            Decimal("100"), self.ts(),
        )  # fmt: skip

    @rule(customer=customers, amount=usd_amounts)
    def deposit(self, customer: AccountId, amount: Decimal) -> None:
        tid, cash = self.next_id(), customer_cash(customer)
        self.ledger.transfer(tid, firm_ach_receivable(), cash, "USD", amount, self.ts())

    @rule(customer=customers, amount=share_amounts)
    def buy_shares(self, customer: AccountId, amount: Decimal) -> None:
        tid, account = self.next_id(), customer_securities(customer, SYMBOL)
        street = firm_street_securities(SYMBOL)
        self.ledger.transfer(tid, street, account, SYMBOL, amount, self.ts())

    @rule(customer=customers, amount=usd_amounts | share_amounts, usd=st.booleans())
    def place_hold(self, customer: AccountId, amount: Decimal, usd: bool) -> None:
        asset = "USD" if usd else SYMBOL
        debit, credit = asset_accounts(customer, asset)
        tid = self.next_id()
        ref = f"order-{tid}"

        def place() -> Transfer:
            return self.ledger.hold(tid, debit, credit, asset, amount, self.ts(), ref=ref)

        if self.attempt("hold", place) is not None:
            self.open_orders.add(ref)

    @rule(data=st.data(), fraction=fractions)
    def post_part(self, data: st.DataObject, fraction: Decimal) -> None:
        holds = self.ledger.open_holds()
        if not holds:
            return
        hold = data.draw(st.sampled_from(holds))
        remaining = self.ledger.pending_remaining(hold.id)
        amount = (remaining * fraction).quantize(Decimal("0.000000001"))
        tid = self.next_id()
        posted = self.attempt("post", lambda: self.ledger.post(tid, hold.id, amount, self.ts()))
        if posted is not None and self.ledger.pending_remaining(hold.id) == ZERO:
            self.open_orders.discard(hold.ref)
        assert posted is None or amount <= remaining

    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        holds = self.ledger.open_holds()
        if not holds:
            return
        hold = data.draw(st.sampled_from(holds))
        self.ledger.void(self.next_id(), hold.id, self.ts())
        self.open_orders.discard(hold.ref)

    @rule(data=st.data())
    def post_to_a_closed_hold_is_refused(self, data: st.DataObject) -> None:
        closed = [
            t for t in self.ledger.transfers()
            if t.kind is TransferKind.PENDING and self.ledger.pending_remaining(t.id) == ZERO
        ]  # fmt: skip
        if not closed:
            return
        hold = data.draw(st.sampled_from(closed))
        tid = self.next_id()
        result = self.attempt(
            "post closed", lambda: self.ledger.post(tid, hold.id, Decimal("0.01"), self.ts())
        )
        assert result is None

    @rule(payer=customers, payee=customers, amount=usd_amounts)
    def customer_transfer(self, payer: AccountId, payee: AccountId, amount: Decimal) -> None:
        tid, debit, credit = self.next_id(), customer_cash(payer), customer_cash(payee)
        self.attempt(
            "transfer", lambda: self.ledger.transfer(tid, debit, credit, "USD", amount, self.ts())
        )

    @rule(customer=customers, amount=usd_amounts)
    def withdraw(self, customer: AccountId, amount: Decimal) -> None:
        tid, cash = self.next_id(), customer_cash(customer)
        clearing = firm_clearing_cash()

        def withdraw() -> Transfer:
            return self.ledger.transfer(tid, cash, clearing, "USD", amount, self.ts())

        self.attempt("withdraw", withdraw)

    @invariant()
    def every_asset_posts_to_zero(self) -> None:
        for asset in ("USD", SYMBOL):
            assert self.ledger.totals(asset) == ZERO

    @invariant()
    def pending_sums_equal_open_holds_remaining(self) -> None:
        for asset in ("USD", SYMBOL):
            pending = sum(
                (b.debits_pending for (_, a), b in self.ledger.balances().items() if a == asset),
                ZERO,
            )
            remaining = sum(
                (self.ledger.pending_remaining(h.id) for h in self.ledger.open_holds()
                 if h.asset == asset),
                ZERO,
            )  # fmt: skip
            assert pending == remaining

    @invariant()
    def no_customer_account_is_overdrawn(self) -> None:
        for (account, _), balance in self.ledger.balances().items():
            assert not is_overdrawn(account, balance)
            if account.startswith("cust:"):
                assert balance.available >= ZERO

    @invariant()
    def no_hold_is_both_posted_over_and_open(self) -> None:
        for hold in self.ledger.open_holds():
            used = sum((t.amount for t in self.ledger.transfers() if t.pending_id == hold.id), ZERO)
            assert ZERO < hold.amount - used == self.ledger.pending_remaining(hold.id)

    @invariant()
    def no_hold_is_left_dangling(self) -> None:
        assert dangling_holds(self.ledger, self.open_orders) == []

    @invariant()
    def the_ledger_checks_its_own_invariants(self) -> None:
        self.ledger.check_invariants()

    @invariant()
    def replaying_the_log_gives_identical_balances(self) -> None:
        replayed = Ledger.from_transfers(self.ledger.transfers())
        assert replayed.balances() == self.ledger.balances()
        assert replayed.open_holds() == self.ledger.open_holds()


LedgerMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
test_ledger_keeps_its_invariants = LedgerMachine.TestCase
