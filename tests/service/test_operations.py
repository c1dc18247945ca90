"""Operator actions: validated first (a refusal changes nothing), then run by the single writer."""

from decimal import Decimal

import pytest

from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.ledger import customer_cash
from brokerage.service_layer import operations
from brokerage.service_layer.errors import NotFound, Refused
from tests.builders import make_platform


@pytest.fixture
async def platform(db_url: str, tmp_path):
    platform = make_platform(db_url, exchange_journal=tmp_path / "x.jsonl")
    await platform.start()
    yield platform
    await platform.stop()


def cash(platform, account: str) -> Decimal:
    return platform.state_for(account).ledger.balance(customer_cash(AccountId(account)),
                                                      "USD").available


async def test_an_operator_creates_a_user_and_credits_a_deposit(platform):
    made = await operations.create_user(platform, "op@example.com", "correct horse battery")
    result = await operations.credit_deposit(platform, "op@example.com", "250.00")
    assert result["account_id"] == made["account_id"]
    assert cash(platform, made["account_id"]) == Decimal("250.00")


@pytest.mark.parametrize("amount", ["-5", "0", "abc", "1.001", "NaN", "Infinity"])
async def test_a_bad_amount_is_refused_and_credits_nothing(platform, amount):
    made = await operations.create_user(platform, "op@example.com", "correct horse battery")
    with pytest.raises(Refused) as refused:
        await operations.credit_deposit(platform, "op@example.com", amount)
    assert refused.value.code == "INVALID_AMOUNT"
    assert cash(platform, made["account_id"]) == 0


async def test_an_unknown_user_is_not_found(platform):
    with pytest.raises(NotFound):
        await operations.credit_deposit(platform, "nobody@example.com", "10")


@pytest.mark.parametrize(("scope", "target", "code"), [
    ("planet", None, "INVALID_SCOPE"), ("symbol", None, "MISSING_TARGET"),
    ("symbol", "NOPE", "SYMBOL_NOT_FOUND"), ("account", "no-such-account", "ACCOUNT_NOT_FOUND"),
    ("account", "nobody@example.com", "USER_NOT_FOUND")])
async def test_a_kill_switch_on_an_unknown_target_is_refused(platform, scope, target, code):
    with pytest.raises(Refused) as refused:
        await operations.set_kill_switch(platform, scope, target, tripped=True)
    assert refused.value.code == code


async def test_a_kill_switch_on_an_account_by_email_trips_that_account(platform):
    made = await operations.create_user(platform, "op@example.com", "correct horse battery")
    result = await operations.set_kill_switch(platform, "account", "op@example.com", True)
    assert result["target"] == made["account_id"]
    switches = platform.state_for(made["account_id"]).kill_switches
    assert switches.is_tripped(AccountId(made["account_id"]), Symbol("AAPL"))
