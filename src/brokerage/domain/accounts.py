"""Users, brokerage accounts and what an account's status allows."""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from brokerage.domain.ids import AccountId, UserId


class AccountType(StrEnum):
    CASH = "cash"
    MARGIN = "margin"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    RESTRICTED = "restricted"  # may only reduce: sells and cancels
    CLOSED = "closed"  # nothing: no orders of any kind


# (from, to) pairs an operator may apply. CLOSED is terminal: a closed account is never reopened,
# a new one is opened instead, so its history stays untouched.
STATUS_TRANSITIONS: frozenset[tuple[AccountStatus, AccountStatus]] = frozenset(
    {
        (AccountStatus.ACTIVE, AccountStatus.RESTRICTED),
        (AccountStatus.RESTRICTED, AccountStatus.ACTIVE),
        (AccountStatus.ACTIVE, AccountStatus.CLOSED),
        (AccountStatus.RESTRICTED, AccountStatus.CLOSED),
    }
)


class InvalidStatusChange(ValueError):
    """A status change that the transition table does not allow."""


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    email: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Account:
    id: AccountId
    user_id: UserId
    account_type: AccountType
    status: AccountStatus
    created_at: datetime
    account_number: str


def can_open_position(status: AccountStatus) -> bool:
    """Tell whether an account in this status may buy (open or add to a position)."""
    return status is AccountStatus.ACTIVE


def can_reduce(status: AccountStatus) -> bool:
    """Tell whether an account in this status may sell or cancel."""
    return status is not AccountStatus.CLOSED


def change_status(account: Account, new_status: AccountStatus) -> Account:
    """Return the account in `new_status`; raise if the table does not allow the change."""
    if (account.status, new_status) not in STATUS_TRANSITIONS:
        raise InvalidStatusChange(f"account {account.id}: {account.status} -> {new_status}")
    return replace(account, status=new_status)
