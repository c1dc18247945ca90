"""What an account's status allows, and which status changes are legal."""

from datetime import UTC, datetime
from itertools import product

import pytest

from brokerage.domain.accounts import (
    STATUS_TRANSITIONS,
    Account,
    AccountStatus,
    AccountType,
    InvalidStatusChange,
    can_open_position,
    can_reduce,
    change_status,
)
from brokerage.domain.ids import AccountId, UserId


def an_account(status: AccountStatus) -> Account:
    return Account(
        id=AccountId("acc-1"),
        user_id=UserId("user-1"),
        account_type=AccountType.CASH,
        status=status,
        created_at=datetime(2024, 1, 2, tzinfo=UTC),
        account_number="PA0000001",
    )


@pytest.mark.parametrize(
    ("status", "opens", "reduces"),
    [
        (AccountStatus.ACTIVE, True, True),
        (AccountStatus.RESTRICTED, False, True),
        (AccountStatus.CLOSED, False, False),
    ],
)
def test_status_says_whether_the_account_may_buy_and_sell(
    status: AccountStatus, opens: bool, reduces: bool
) -> None:
    assert (can_open_position(status), can_reduce(status)) == (opens, reduces)


@pytest.mark.parametrize(("old", "new"), sorted(STATUS_TRANSITIONS))
def test_every_allowed_status_change_applies(old: AccountStatus, new: AccountStatus) -> None:
    assert change_status(an_account(old), new).status is new


@pytest.mark.parametrize(
    ("old", "new"),
    [pair for pair in product(AccountStatus, AccountStatus) if pair not in STATUS_TRANSITIONS],
)
def test_every_other_status_change_is_refused(old: AccountStatus, new: AccountStatus) -> None:
    with pytest.raises(InvalidStatusChange):
        change_status(an_account(old), new)
