from datetime import UTC, datetime
from decimal import Decimal

import pytest

from brokerage.domain.ids import AccountId, LedgerAccountId, Symbol, TransferId
from brokerage.domain.ledger import (
    Balance,
    DuplicateTransferId,
    InsufficientFunds,
    InvalidTransfer,
    Ledger,
    LedgerInvariantError,
    PendingClosed,
    PendingNotFound,
    Transfer,
    TransferKind,
    customer_cash,
    customer_deposit_pending,
    customer_securities,
    dangling_holds,
    firm_ach_payable,
    firm_ach_receivable,
    firm_bank,
    firm_clearing_cash,
    firm_fees,
    firm_street_securities,
)

TS = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
ALICE = AccountId("A1")
BOB = AccountId("B2")
CASH = customer_cash(ALICE)
CLEARING = firm_clearing_cash()


def tid(n: int | str) -> TransferId:
    return TransferId(f"t{n}")


def funded(amount: str = "100") -> Ledger:
    ledger = Ledger()
    ledger.transfer(tid("fund"), firm_ach_receivable(), CASH, "USD", Decimal(amount), TS)
    return ledger


def snapshot(ledger: Ledger) -> tuple[object, ...]:
    return ledger.balances(), ledger.transfers(), ledger.open_holds()


def test_account_helpers_follow_the_naming_convention() -> None:
    assert customer_cash(ALICE) == "cust:A1:cash"
    assert customer_deposit_pending(ALICE) == "cust:A1:deposit_pending"
    assert customer_securities(ALICE, Symbol("aapl")) == "cust:A1:sec:AAPL"
    assert firm_street_securities(Symbol("AAPL")) == "firm:street:sec:AAPL"
    assert firm_ach_receivable() == "firm:ach_receivable"
    assert firm_ach_payable() == "firm:ach_payable"
    assert firm_bank() == "firm:bank"
    assert firm_clearing_cash() == "firm:clearing:cash"
    assert firm_fees() == "firm:fees"


def test_an_account_id_containing_a_colon_is_refused() -> None:
    with pytest.raises(ValueError):
        customer_cash(AccountId("a:b"))


def test_a_posted_transfer_credits_one_account_and_debits_the_other() -> None:
    ledger = funded("100")

    assert ledger.balance(CASH, "USD").posted == Decimal("100")
    assert ledger.balance(firm_ach_receivable(), "USD").posted == Decimal("-100")
    assert ledger.totals("USD") == 0
    ledger.check_invariants()


def test_an_untouched_account_has_a_zero_balance() -> None:
    assert Ledger().balance(CASH, "USD") == Balance()


def test_a_firm_account_may_go_negative() -> None:
    ledger = Ledger()

    ledger.transfer(tid(1), firm_bank(), firm_fees(), "USD", Decimal("5"), TS)

    assert ledger.balance(firm_bank(), "USD").posted == Decimal("-5")


def test_a_transfer_that_would_overdraw_a_customer_is_refused_and_changes_nothing() -> None:
    ledger = funded("100")
    before = snapshot(ledger)

    with pytest.raises(InsufficientFunds):
        ledger.transfer(tid(1), CASH, CLEARING, "USD", Decimal("100.01"), TS)

    assert snapshot(ledger) == before
    assert ledger.get(tid(1)) is None


def test_a_hold_lowers_available_but_not_posted() -> None:
    ledger = funded("100")

    ledger.hold(tid("h"), CASH, CLEARING, "USD", Decimal("40"), TS, ref="o1")

    cash = ledger.balance(CASH, "USD")
    assert (cash.posted, cash.available, cash.debits_pending) == (100, 60, 40)
    assert ledger.balance(CLEARING, "USD").credits_pending == Decimal("40")
    assert ledger.pending_remaining(tid("h")) == Decimal("40")


def test_a_hold_beyond_available_is_refused_and_changes_nothing() -> None:
    ledger = funded("100")
    ledger.hold(tid("h1"), CASH, CLEARING, "USD", Decimal("70"), TS)
    before = snapshot(ledger)

    with pytest.raises(InsufficientFunds):
        ledger.hold(tid("h2"), CASH, CLEARING, "USD", Decimal("30.0001"), TS)

    assert snapshot(ledger) == before


def test_a_hold_may_be_posted_in_parts_and_closes_when_nothing_remains() -> None:
    ledger = funded("100")
    ledger.hold(tid("h"), CASH, CLEARING, "USD", Decimal("50"), TS, ref="o1")

    first = ledger.post(tid("p1"), tid("h"), Decimal("20"), TS)
    ledger.post(tid("p2"), tid("h"), Decimal("30"), TS)

    assert first.kind is TransferKind.POST_PENDING
    assert (first.debit, first.credit, first.ref) == (CASH, CLEARING, "o1")
    cash = ledger.balance(CASH, "USD")
    assert (cash.posted, cash.debits_pending) == (50, 0)
    assert ledger.pending_remaining(tid("h")) == 0
    assert ledger.open_holds() == []
    ledger.check_invariants()


def test_posting_more_than_remains_is_refused_and_changes_nothing() -> None:
    ledger = funded("100")
    ledger.hold(tid("h"), CASH, CLEARING, "USD", Decimal("50"), TS)
    ledger.post(tid("p1"), tid("h"), Decimal("20"), TS)
    before = snapshot(ledger)

    with pytest.raises(InvalidTransfer):
        ledger.post(tid("p2"), tid("h"), Decimal("30.01"), TS)

    assert snapshot(ledger) == before


def test_a_void_releases_what_remains_and_closes_the_hold() -> None:
    ledger = funded("100")
    ledger.hold(tid("h"), CASH, CLEARING, "USD", Decimal("50"), TS)
    ledger.post(tid("p1"), tid("h"), Decimal("20"), TS)

    void = ledger.void(tid("v"), tid("h"), TS, memo="canceled")

    assert void.amount == Decimal("30")
    assert ledger.balance(CASH, "USD").available == Decimal("80")
    assert ledger.pending_remaining(tid("h")) == 0
    ledger.check_invariants()


@pytest.mark.parametrize("closing", ["post", "void"])
def test_nothing_more_can_be_posted_or_voided_after_a_hold_closes(closing: str) -> None:
    ledger = funded("100")
    ledger.hold(tid("h"), CASH, CLEARING, "USD", Decimal("50"), TS)
    if closing == "post":
        ledger.post(tid("c"), tid("h"), Decimal("50"), TS)
    else:
        ledger.void(tid("c"), tid("h"), TS)
    before = snapshot(ledger)

    with pytest.raises(PendingClosed):
        ledger.post(tid("p"), tid("h"), Decimal("1"), TS)
    with pytest.raises(PendingClosed):
        ledger.void(tid("v"), tid("h"), TS)

    assert snapshot(ledger) == before


def test_posting_against_an_unknown_or_non_pending_transfer_is_refused() -> None:
    ledger = funded("100")

    with pytest.raises(PendingNotFound):
        ledger.post(tid("p"), tid("nope"), Decimal("1"), TS)
    with pytest.raises(PendingNotFound):
        ledger.void(tid("v"), tid("fund"), TS)


def test_reapplying_the_same_transfer_is_a_no_op() -> None:
    ledger = funded("100")
    stored = ledger.transfers()[0]

    assert ledger.apply(stored) is False
    assert ledger.balance(CASH, "USD").posted == Decimal("100")


def test_retrying_a_post_or_void_with_the_same_arguments_returns_the_stored_transfer() -> None:
    ledger = funded("100")
    ledger.hold(tid("h"), CASH, CLEARING, "USD", Decimal("50"), TS)
    post = ledger.post(tid("p"), tid("h"), Decimal("20"), TS)
    void = ledger.void(tid("v"), tid("h"), TS)

    assert ledger.post(tid("p"), tid("h"), Decimal("20"), TS) == post
    assert ledger.void(tid("v"), tid("h"), TS) == void
    assert len(ledger.transfers()) == 4


def test_reusing_a_transfer_id_with_a_different_body_is_refused() -> None:
    ledger = funded("100")
    ledger.hold(tid("h"), CASH, CLEARING, "USD", Decimal("50"), TS)
    ledger.post(tid("p"), tid("h"), Decimal("20"), TS)
    before = snapshot(ledger)

    with pytest.raises(DuplicateTransferId):
        ledger.transfer(tid("fund"), firm_ach_receivable(), CASH, "USD", Decimal("1"), TS)
    with pytest.raises(DuplicateTransferId):
        ledger.post(tid("p"), tid("h"), Decimal("21"), TS)

    assert snapshot(ledger) == before


@pytest.mark.parametrize(
    "amount",
    [Decimal("0"), Decimal("-1"), Decimal("NaN"), Decimal("Infinity"), Decimal("0.0000000001"),
     Decimal("1E16"), 1.5],
)  # fmt: skip
def test_a_transfer_with_an_invalid_amount_is_refused(amount: Decimal) -> None:
    ledger = Ledger()

    with pytest.raises(InvalidTransfer):
        ledger.transfer(tid(1), firm_bank(), firm_fees(), "USD", amount, TS)

    assert ledger.transfers() == ()


@pytest.mark.parametrize(
    ("debit", "credit", "asset", "ts"),
    [
        (firm_bank(), firm_bank(), "USD", TS),
        (LedgerAccountId("bank"), firm_fees(), "USD", TS),
        (firm_bank(), firm_fees(), "", TS),
        (firm_bank(), firm_fees(), "USD", datetime(2025, 3, 3, 15, 0)),  # naive
    ],
)
def test_a_malformed_transfer_is_refused(
    debit: LedgerAccountId, credit: LedgerAccountId, asset: str, ts: datetime
) -> None:
    with pytest.raises(InvalidTransfer):
        Ledger().transfer(tid(1), debit, credit, asset, Decimal("1"), ts)


def test_replaying_a_follow_up_with_other_accounts_than_its_hold_is_refused() -> None:
    ledger = funded("100")
    ledger.hold(tid("h"), CASH, CLEARING, "USD", Decimal("50"), TS)
    forged = Transfer(
        tid("p"), TransferKind.POST_PENDING, CASH, firm_fees(), "USD", Decimal("1"), tid("h"),
        "", "", TS,
    )  # fmt: skip

    with pytest.raises(InvalidTransfer):
        ledger.apply(forged)


def test_replaying_a_void_for_less_than_remains_is_refused() -> None:
    ledger = funded("100")
    hold = ledger.hold(tid("h"), CASH, CLEARING, "USD", Decimal("50"), TS)
    partial_void = Transfer(
        tid("v"), TransferKind.VOID_PENDING, hold.debit, hold.credit, "USD", Decimal("10"),
        hold.id, "", "", TS,
    )  # fmt: skip

    with pytest.raises(InvalidTransfer):
        ledger.apply(partial_void)


def test_a_posted_transfer_naming_a_pending_id_is_refused() -> None:
    bad = Transfer(
        tid(1), TransferKind.POSTED, firm_bank(), firm_fees(), "USD", Decimal("1"), tid("h"),
        "", "", TS,
    )  # fmt: skip

    with pytest.raises(InvalidTransfer):
        Ledger().apply(bad)


def test_securities_are_held_per_symbol_like_cash() -> None:
    ledger = Ledger()
    shares = customer_securities(ALICE, Symbol("AAPL"))
    street = firm_street_securities(Symbol("AAPL"))
    ledger.transfer(tid("buy"), street, shares, "AAPL", Decimal("2.5"), TS)

    ledger.hold(tid("sell"), shares, street, "AAPL", Decimal("2"), TS, ref="o9")

    assert ledger.balance(shares, "AAPL").available == Decimal("0.5")
    assert ledger.totals("AAPL") == 0
    with pytest.raises(InsufficientFunds):
        ledger.hold(tid("sell2"), shares, street, "AAPL", Decimal("1"), TS)


def test_open_holds_can_be_listed_by_ref() -> None:
    ledger = funded("100")
    ledger.hold(tid("h1"), CASH, CLEARING, "USD", Decimal("10"), TS, ref="o1")
    ledger.hold(tid("h2"), CASH, CLEARING, "USD", Decimal("10"), TS, ref="o2")

    assert [h.id for h in ledger.open_holds()] == [tid("h1"), tid("h2")]
    assert [h.id for h in ledger.open_holds(ref="o2")] == [tid("h2")]


def test_dangling_holds_are_the_open_holds_whose_ref_is_closed() -> None:
    ledger = funded("100")
    ledger.hold(tid("h1"), CASH, CLEARING, "USD", Decimal("10"), TS, ref="o1")
    ledger.hold(tid("h2"), CASH, CLEARING, "USD", Decimal("10"), TS, ref="o2")
    ledger.hold(tid("h3"), CASH, CLEARING, "USD", Decimal("10"), TS, ref="o3")
    ledger.void(tid("v3"), tid("h3"), TS)

    assert [h.id for h in dangling_holds(ledger, open_refs={"o1"})] == [tid("h2")]
    assert dangling_holds(ledger, open_refs={"o1", "o2"}) == []


def test_replaying_the_log_into_a_fresh_ledger_gives_the_same_balances() -> None:
    ledger = funded("100")
    ledger.hold(tid("h"), CASH, CLEARING, "USD", Decimal("50"), TS)
    ledger.post(tid("p"), tid("h"), Decimal("20"), TS)
    ledger.transfer(tid("x"), CASH, customer_cash(BOB), "USD", Decimal("5"), TS)

    replayed = Ledger.from_transfers(ledger.transfers())

    assert replayed.balances() == ledger.balances()
    assert replayed.open_holds() == ledger.open_holds()
    assert replayed.pending_remaining(tid("h")) == Decimal("30")


def test_check_invariants_detects_a_balance_changed_behind_the_ledgers_back() -> None:
    ledger = funded("100")
    ledger._balances[(CASH, "USD")] = Balance(credits_posted=Decimal("101"))

    with pytest.raises(LedgerInvariantError):
        ledger.check_invariants()
