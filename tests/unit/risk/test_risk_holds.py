"""What an approved order holds, and how the OMS reserves and releases it."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from risk_builders import (
    AAPL,
    NOW,
    a_limit_buy,
    a_limit_sell,
    a_market,
    a_market_order,
    an_account,
    run_check,
)

from brokerage.domain.orders.types import OrderType, Side
from brokerage.domain.risk import HoldExceedsAvailable, OrderIntent, RiskCode, release, reserve

LAST = Decimal("100.00")

HOLDS = [
    (
        "limit buy holds qty x limit",
        a_limit_buy(quantity=Decimal("3"), limit_price=Decimal("99.99")),
        "299.97",
    ),
    (
        "stop-limit buy holds qty x limit",
        a_limit_buy(
            order_type=OrderType.STOP_LIMIT, stop_price=Decimal("101"), limit_price=Decimal("102")
        ),
        "1020.00",
    ),
    ("market buy holds qty x last x 1.05", a_market_order(quantity=Decimal("10")), "1050.00"),
    (
        "stop buy above the last holds qty x stop x 1.05",
        a_market_order(order_type=OrderType.STOP, stop_price=Decimal("110")),
        "1155.00",
    ),
    (
        "stop buy below the last holds qty x last x 1.05",
        a_market_order(order_type=OrderType.STOP, stop_price=Decimal("90")),
        "1050.00",
    ),
    (
        "trailing buy by price holds qty x (last + trail) x 1.05",
        a_market_order(order_type=OrderType.TRAILING_STOP, trail_price=Decimal("2")),
        "1071.00",
    ),
    (
        "trailing buy by percent holds qty x last x (1 + trail%) x 1.05",
        a_market_order(order_type=OrderType.TRAILING_STOP, trail_percent=Decimal("1")),
        "1060.50",
    ),
    (
        "notional buy holds the notional",
        a_market_order(quantity=None, notional=Decimal("123.45")),
        "123.45",
    ),
    (
        "fractional market buy rounds up to the cent",
        a_market_order(quantity=Decimal("0.001")),
        "0.11",
    ),
    (
        "notional buy rounds sub-cent notionals up",
        a_market_order(quantity=None, notional=Decimal("10.001")),
        "10.01",
    ),
]


@pytest.mark.parametrize(("intent", "cash"), [pytest.param(i, c, id=n) for n, i, c in HOLDS])
def test_a_buy_holds_cash_rounded_up_to_cents(intent: OrderIntent, cash: str) -> None:
    decision = run_check(intent, market=a_market(last_trade=LAST))

    assert decision.approved, decision.message
    assert (decision.hold_asset, decision.hold_amount) == ("USD", Decimal(cash))


@pytest.mark.parametrize(
    "intent",
    [
        a_limit_sell(quantity=Decimal("7")),
        a_market_order(Side.SELL, quantity=Decimal("7")),
        a_market_order(
            Side.SELL, order_type=OrderType.STOP, stop_price=Decimal("90"), quantity=Decimal("7")
        ),
        a_market_order(
            Side.SELL,
            order_type=OrderType.TRAILING_STOP,
            trail_percent=Decimal("3"),
            quantity=Decimal("7"),
        ),
    ],
    ids=["limit", "market", "stop", "trailing"],
)
def test_a_sell_holds_its_quantity_of_shares(intent: OrderIntent) -> None:
    decision = run_check(intent)

    assert (decision.hold_asset, decision.hold_amount) == (AAPL, Decimal("7"))


def test_a_notional_sell_holds_the_shares_at_the_last_trade_rounded_up() -> None:
    decision = run_check(
        a_market_order(Side.SELL, quantity=None, notional=Decimal("100")),
        market=a_market(last_trade=Decimal("3")),
    )

    assert decision.hold_amount == Decimal("33.333333334")


def test_the_check_itself_does_not_touch_buying_power() -> None:
    account = an_account()

    run_check(a_limit_buy(), account=account)

    assert account.buying_power == Decimal("10000.00")


def test_reserve_then_release_restores_the_buying_power() -> None:
    account = an_account()
    decision = run_check(a_market_order(), account=account)

    reserve(account, decision)
    assert account.buying_power == Decimal("8950.00")
    release(account, decision.hold_asset, decision.hold_amount)

    assert account.buying_power == Decimal("10000.00")


def test_reserve_and_release_of_a_sell_move_shares() -> None:
    account = an_account()
    decision = run_check(a_limit_sell(quantity=Decimal("20")), account=account)

    reserve(account, decision)
    assert account.shares_available[AAPL] == Decimal("30")
    release(account, AAPL, Decimal("20"))

    assert account.shares_available[AAPL] == Decimal("50")


def test_a_denial_cannot_be_reserved() -> None:
    decision = run_check(a_limit_buy(quantity=Decimal("1000")))

    with pytest.raises(ValueError, match="approved"):
        reserve(an_account(), decision)


def test_a_stale_decision_larger_than_the_buying_power_is_refused() -> None:
    decision = run_check(a_limit_buy())

    with pytest.raises(HoldExceedsAvailable):
        reserve(an_account(buying_power=Decimal("10")), decision)


def test_a_negative_release_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        release(an_account(), "USD", Decimal("-1"))


def test_100_orders_each_20_percent_of_cash_leave_exactly_5_approved() -> None:
    account = an_account(buying_power=Decimal("10000.00"))
    intent = a_limit_buy(quantity=Decimal("20"), limit_price=Decimal("100.00"))
    approved = 0

    for _ in range(100):
        decision = run_check(intent, account=account, now=NOW)
        if decision.approved:
            reserve(account, decision)
            approved += 1
        else:
            assert decision.code is RiskCode.RISK_INSUFFICIENT_BUYING_POWER

    assert approved == 5
    assert account.buying_power == Decimal("0.00")


@given(
    cash=st.decimals(min_value=0, max_value=100_000, places=2),
    prices=st.lists(st.decimals(min_value="0.01", max_value=150, places=2), max_size=30),
)
def test_reserved_holds_never_exceed_the_starting_buying_power(
    cash: Decimal, prices: list[Decimal]
) -> None:
    account = an_account(buying_power=cash)
    held = Decimal(0)

    for price in prices:
        decision = run_check(
            a_limit_buy(quantity=Decimal("7"), limit_price=price),
            account=account,
            market=a_market(last_trade=None),
        )
        if decision.approved:
            reserve(account, decision)
            held += decision.hold_amount

    assert held <= cash
    assert account.buying_power == cash - held >= 0
