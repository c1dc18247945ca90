"""What an operator can do, in one place: the admin HTTP API and the offline CLI both call these.

Each action validates its input first (a `Refused` changes nothing), then runs through the
single writer of the account it touches, and returns a JSON-able summary.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from brokerage.domain.accounts import AccountStatus
from brokerage.domain.ids import AccountId
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import NotFound, Refused
from brokerage.service_layer.platform import Platform

KILL_SWITCH_SCOPES = ("global", "account", "symbol")


def parse_amount(text: object) -> Decimal:
    """Read a positive USD amount with at most cents, or refuse it."""
    try:
        amount = Decimal(str(text))
    except (InvalidOperation, ValueError) as exc:
        raise Refused("INVALID_AMOUNT", f"not an amount: {text!r}") from exc
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise Refused("INVALID_AMOUNT", f"amount must be positive with at most cents: {text}")
    return amount


def account_of(platform: Platform, email: str) -> AccountId:
    """Find the trading account of the user with this email."""
    user_id = platform.identity.user_by_email(email)
    if user_id is None:
        raise NotFound("USER_NOT_FOUND", f"no user {email}")
    return AccountId(platform.identity.principal_of(user_id).account_id)


async def create_user(platform: Platform, email: str, password: str,
                      account_type: str = "cash") -> dict[str, Any]:
    if account_type not in ("cash", "margin"):
        raise Refused("INVALID_ACCOUNT_TYPE", "account type is cash or margin")
    made = platform.identity.sign_up(email, password, account_type)
    await platform.open_account(made["account_id"], made["user_id"], made["account_number"],
                                made["account_type"])
    return dict(made)


async def credit_deposit(platform: Platform, email: str, amount: object) -> dict[str, Any]:
    value = parse_amount(amount)
    account = account_of(platform, email)
    record = await platform.execute(account, cmd.Deposit(account, value))
    return {"deposit": record.id, "account_id": account, "amount": str(record.amount)}


async def settle(platform: Platform) -> dict[str, Any]:
    return {"settled": await platform.settle()}


async def set_status(platform: Platform, email: str, status: str) -> dict[str, Any]:
    try:
        value = AccountStatus(status)
    except ValueError as exc:
        raise Refused("INVALID_STATUS", "status is active, restricted or closed") from exc
    account = account_of(platform, email)
    await platform.execute(account, cmd.SetAccountStatus(account, value))
    return {"account_id": account, "status": value.value}


async def set_kill_switch(platform: Platform, scope: str, target: str | None, tripped: bool,
                          reason: str = "operator") -> dict[str, Any]:
    """Trip or reset a kill switch on every partition (account targets are emails or ids)."""
    resolved = _kill_switch_target(platform, scope, target)
    await platform.broadcast(cmd.SetKillSwitch(scope, resolved, tripped, reason))
    return {"scope": scope, "target": resolved, "tripped": tripped, "reason": reason}


def _kill_switch_target(platform: Platform, scope: str, target: str | None) -> str:
    if scope not in KILL_SWITCH_SCOPES:
        raise Refused("INVALID_SCOPE", "scope is global, account or symbol")
    if scope == "global":
        return "*"
    if not target:
        raise Refused("MISSING_TARGET", f"a {scope} kill switch needs a target")
    if scope == "symbol":
        symbol = target.strip().upper()
        if symbol not in platform.deps.instruments:
            raise NotFound("SYMBOL_NOT_FOUND", f"unknown symbol {target}")
        return symbol
    return account_of(platform, target) if "@" in target else _known_account(platform, target)


def _known_account(platform: Platform, account_id: str) -> str:
    if AccountId(account_id) not in platform.state_for(account_id).accounts:
        raise NotFound("ACCOUNT_NOT_FOUND", f"no account {account_id}")
    return account_id
