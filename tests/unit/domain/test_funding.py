from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from brokerage.domain.funding import (
    Deposit,
    DepositChange,
    DepositId,
    DepositStatus,
    FundingCode,
    FundingRefusal,
    Withdrawal,
    WithdrawalChange,
    WithdrawalId,
    WithdrawalStatus,
    cash_buying_power,
    complete_withdrawal,
    initiate_deposit,
    request_withdrawal,
    settle_deposit,
    unsettled_instant_credit,
    withdrawable_cash,
)
from brokerage.domain.ids import AccountId, TransferId
from brokerage.domain.ledger import (
    Ledger,
    customer_cash,
    customer_deposit_pending,
    firm_ach_payable,
    firm_ach_receivable,
    firm_bank,
    firm_clearing_cash,
)

ACCOUNT = AccountId("A1")
OTHER = AccountId("B2")
MONDAY = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
TUESDAY = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
NEXT_DAY = date(2025, 3, 4)


def deposit(ledger: Ledger, n: int, amount: str, unsettled: tuple[Deposit, ...] = ()) -> Deposit:
    result = initiate_deposit(
        ledger, DepositId(f"dep{n}"), ACCOUNT, Decimal(amount), MONDAY, NEXT_DAY, unsettled
    )
    assert isinstance(result, DepositChange)
    return result.deposit


def settled(ledger: Ledger, pending: Deposit) -> Deposit:
    result = settle_deposit(ledger, pending, TUESDAY)
    assert isinstance(result, DepositChange)
    return result.deposit


def withdraw(ledger: Ledger, amount: str, **kwargs: object) -> WithdrawalChange | FundingRefusal:
    return request_withdrawal(
        ledger,
        WithdrawalId("w1"),
        ACCOUNT,
        Decimal(amount),
        MONDAY,
        NEXT_DAY,
        **kwargs,  # type: ignore[arg-type]
    )


def cash(ledger: Ledger) -> Decimal:
    return ledger.balance(customer_cash(ACCOUNT), "USD").posted


def snapshot(ledger: Ledger) -> tuple[object, ...]:
    return ledger.balances(), ledger.transfers()


def assert_balanced(ledger: Ledger) -> None:
    assert ledger.totals("USD") == 0
    ledger.check_invariants()


def test_a_small_deposit_is_usable_at_once() -> None:
    ledger = Ledger()

    made = deposit(ledger, 1, "400")

    assert (made.instant_amount, made.pending_amount, made.status) == (400, 0, "pending")
    assert cash_buying_power(ledger, ACCOUNT) == Decimal("400")
    assert ledger.balance(firm_ach_receivable(), "USD").posted == Decimal("-400")
    assert_balanced(ledger)


def test_the_part_above_the_instant_limit_waits_for_settlement() -> None:
    ledger = Ledger()

    made = deposit(ledger, 1, "1500")

    assert (made.instant_amount, made.pending_amount) == (1000, 500)
    assert cash_buying_power(ledger, ACCOUNT) == Decimal("1000")
    assert ledger.balance(customer_deposit_pending(ACCOUNT), "USD").posted == Decimal("500")
    assert_balanced(ledger)


def test_the_instant_limit_spans_all_unsettled_deposits() -> None:
    ledger = Ledger()
    first = deposit(ledger, 1, "700")

    second = deposit(ledger, 2, "700", unsettled=(first,))

    assert second.instant_amount == Decimal("300")
    assert unsettled_instant_credit([first, second], ACCOUNT) == Decimal("1000")
    assert cash_buying_power(ledger, ACCOUNT) == Decimal("1000")
    assert_balanced(ledger)


def test_settled_deposits_and_other_accounts_do_not_use_up_the_instant_limit() -> None:
    ledger = Ledger()
    first = settled(ledger, deposit(ledger, 1, "700"))
    elsewhere = Deposit(
        DepositId("x"), OTHER, Decimal("900"), Decimal("900"), DepositStatus.PENDING, MONDAY,
        NEXT_DAY,
    )  # fmt: skip

    second = deposit(ledger, 2, "700", unsettled=(first, elsewhere))

    assert second.instant_amount == Decimal("700")


def test_settlement_releases_the_pending_part_and_books_the_bank_receipt() -> None:
    ledger = Ledger()
    pending = deposit(ledger, 1, "1500")

    result = settle_deposit(ledger, pending, TUESDAY)

    assert isinstance(result, DepositChange)
    assert result.deposit.status is DepositStatus.SETTLED
    assert result.deposit.settled_at == TUESDAY
    assert cash(ledger) == Decimal("1500")
    assert ledger.balance(customer_deposit_pending(ACCOUNT), "USD").posted == 0
    assert ledger.balance(firm_ach_receivable(), "USD").posted == 0
    assert ledger.balance(firm_bank(), "USD").posted == Decimal("-1500")
    assert [t.id for t in result.transfers] == [TransferId("dep1:release"), TransferId("dep1:bank")]
    assert_balanced(ledger)


def test_settling_before_the_settle_date_or_twice_is_refused_and_changes_nothing() -> None:
    ledger = Ledger()
    pending = deposit(ledger, 1, "1500")
    before = snapshot(ledger)

    early = settle_deposit(ledger, pending, MONDAY)

    assert isinstance(early, FundingRefusal) and early.code is FundingCode.NOT_DUE
    assert snapshot(ledger) == before
    done = settled(ledger, pending)
    after = snapshot(ledger)
    again = settle_deposit(ledger, done, TUESDAY)
    assert isinstance(again, FundingRefusal) and again.code is FundingCode.NOT_PENDING
    assert snapshot(ledger) == after


@pytest.mark.parametrize(
    "amount",
    ["0", "-5", "10.001", "250000.01", "NaN"],
    ids=["zero", "neg", "subcent", "max", "nan"],
)
def test_an_invalid_deposit_amount_is_refused_and_changes_nothing(amount: str) -> None:
    ledger = Ledger()

    result = initiate_deposit(ledger, DepositId("d"), ACCOUNT, Decimal(amount), MONDAY, NEXT_DAY)

    assert isinstance(result, FundingRefusal)
    assert result.code is FundingCode.INVALID_AMOUNT
    assert ledger.transfers() == ()


def test_the_largest_allowed_deposit_is_accepted() -> None:
    ledger = Ledger()

    result = initiate_deposit(
        ledger, DepositId("d"), ACCOUNT, Decimal("250000.00"), MONDAY, NEXT_DAY
    )

    assert isinstance(result, DepositChange)


def test_unsettled_instant_credit_is_not_withdrawable() -> None:
    ledger = Ledger()
    first = settled(ledger, deposit(ledger, 1, "300"))
    second = deposit(ledger, 2, "500")

    assert withdrawable_cash(ledger, ACCOUNT, [first, second]) == Decimal("300")
    assert cash_buying_power(ledger, ACCOUNT) == Decimal("800")


def test_holds_and_unsettled_trade_proceeds_are_not_withdrawable() -> None:
    ledger = Ledger()
    settled(ledger, deposit(ledger, 1, "1000"))
    ledger.hold(
        TransferId("h"), customer_cash(ACCOUNT), firm_clearing_cash(), "USD", Decimal("200"),
        MONDAY,
    )  # fmt: skip

    free = withdrawable_cash(ledger, ACCOUNT, [], unsettled_trade_proceeds=Decimal("300"))

    assert free == Decimal("500")


def test_withdrawable_cash_is_never_negative() -> None:
    ledger = Ledger()
    pending = deposit(ledger, 1, "500")
    ledger.transfer(
        TransferId("buy"), customer_cash(ACCOUNT), firm_clearing_cash(), "USD", Decimal("400"),
        MONDAY,
    )  # fmt: skip

    assert withdrawable_cash(ledger, ACCOUNT, [pending]) == 0


def test_a_withdrawal_within_withdrawable_moves_cash_to_ach_payable() -> None:
    ledger = Ledger()
    settled(ledger, deposit(ledger, 1, "1000"))

    result = withdraw(ledger, "600")

    assert isinstance(result, WithdrawalChange)
    assert result.withdrawal.status is WithdrawalStatus.PENDING
    assert cash(ledger) == Decimal("400")
    assert ledger.balance(firm_ach_payable(), "USD").posted == Decimal("600")
    assert_balanced(ledger)


@pytest.mark.parametrize(
    ("amount", "kwargs", "code"),
    [
        ("1000.01", {}, FundingCode.INSUFFICIENT_WITHDRAWABLE),
        (
            "800",
            {"unsettled_trade_proceeds": Decimal("201")},
            FundingCode.INSUFFICIENT_WITHDRAWABLE,
        ),
        ("0", {}, FundingCode.INVALID_AMOUNT),
        ("1.005", {}, FundingCode.INVALID_AMOUNT),
        ("10", {"max_usd": Decimal("5")}, FundingCode.INVALID_AMOUNT),
    ],
)
def test_a_refused_withdrawal_changes_nothing(
    amount: str, kwargs: dict[str, object], code: FundingCode
) -> None:
    ledger = Ledger()
    settled(ledger, deposit(ledger, 1, "1000"))
    before = snapshot(ledger)

    result = withdraw(ledger, amount, **kwargs)

    assert isinstance(result, FundingRefusal)
    assert result.code is code
    assert snapshot(ledger) == before


def test_a_withdrawal_of_unsettled_instant_credit_is_refused() -> None:
    ledger = Ledger()
    pending = deposit(ledger, 1, "1000")

    result = withdraw(ledger, "0.01", unsettled=[pending])

    assert isinstance(result, FundingRefusal)
    assert result.code is FundingCode.INSUFFICIENT_WITHDRAWABLE


def test_completing_a_withdrawal_pays_the_bank_on_the_settle_date() -> None:
    ledger = Ledger()
    settled(ledger, deposit(ledger, 1, "1000"))
    requested = withdraw(ledger, "600")
    assert isinstance(requested, WithdrawalChange)

    early = complete_withdrawal(ledger, requested.withdrawal, MONDAY)
    result = complete_withdrawal(ledger, requested.withdrawal, TUESDAY)

    assert isinstance(early, FundingRefusal) and early.code is FundingCode.NOT_DUE
    assert isinstance(result, WithdrawalChange)
    assert result.withdrawal.status is WithdrawalStatus.COMPLETED
    assert ledger.balance(firm_ach_payable(), "USD").posted == 0
    assert ledger.balance(firm_bank(), "USD").posted == Decimal("-400")
    again = complete_withdrawal(ledger, result.withdrawal, TUESDAY)
    assert isinstance(again, FundingRefusal) and again.code is FundingCode.NOT_PENDING
    assert_balanced(ledger)


def test_a_withdrawal_record_is_immutable() -> None:
    record = Withdrawal(
        WithdrawalId("w"), ACCOUNT, Decimal("1"), WithdrawalStatus.PENDING, MONDAY, NEXT_DAY
    )

    with pytest.raises(AttributeError):
        record.amount = Decimal("2")  # type: ignore[misc]


def test_ledger_totals_stay_zero_through_a_full_funding_cycle() -> None:
    ledger = Ledger()
    first = deposit(ledger, 1, "900")
    assert_balanced(ledger)
    second = deposit(ledger, 2, "600", unsettled=(first,))
    assert_balanced(ledger)
    first, second = settled(ledger, first), settled(ledger, second)
    assert_balanced(ledger)
    requested = withdraw(ledger, "1500", unsettled=[first, second])
    assert isinstance(requested, WithdrawalChange)
    assert isinstance(complete_withdrawal(ledger, requested.withdrawal, TUESDAY), WithdrawalChange)

    assert cash(ledger) == 0
    assert all(b.posted == 0 for b in ledger.balances().values())
    assert_balanced(ledger)
