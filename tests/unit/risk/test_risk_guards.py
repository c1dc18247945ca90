"""Each guard of the pre-trade risk check, tripped alone."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from risk_builders import (
    AAPL,
    ACCOUNT,
    NOW,
    a_limit_buy,
    a_limit_sell,
    a_market,
    a_market_order,
    an_account,
    an_instrument,
    run_check,
)

from brokerage.domain.accounts import AccountStatus
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.domain.risk import KillSwitches, RiskCode, RiskDecision, TokenBucket


def _tripped_for_account() -> KillSwitches:
    switches = KillSwitches()
    switches.trip_account(ACCOUNT)
    return switches


def _halted_by_market_data() -> KillSwitches:
    switches = KillSwitches()
    switches.halted.add(AAPL)
    return switches


def _drained_bucket() -> TokenBucket:
    bucket = TokenBucket(capacity=1, refill_per_s=1)
    bucket.try_take(NOW)
    return bucket


DENIALS: list[tuple[str, Callable[[], RiskDecision], RiskCode]] = [
    (
        "closed account",
        lambda: run_check(account=an_account(status=AccountStatus.CLOSED)),
        RiskCode.RISK_ACCOUNT_NOT_ACTIVE,
    ),
    (
        "kill switch",
        lambda: run_check(kill_switches=_tripped_for_account()),
        RiskCode.RISK_KILL_SWITCH,
    ),
    (
        "symbol in a trading halt or LULD pause",
        lambda: run_check(kill_switches=_halted_by_market_data()),
        RiskCode.RISK_SYMBOL_HALTED,
    ),
    (
        "untradable symbol",
        lambda: run_check(instrument=an_instrument(tradable=False)),
        RiskCode.RISK_SYMBOL_NOT_TRADABLE,
    ),
    (
        "halted symbol",
        lambda: run_check(market=a_market(halted=True)),
        RiskCode.RISK_SYMBOL_NOT_TRADABLE,
    ),
    (
        "ioc before the open",
        lambda: run_check(
            a_limit_buy(time_in_force=TimeInForce.IOC),
            market=a_market(phase=MarketPhase.PRE_MARKET),
        ),
        RiskCode.RISK_MARKET_CLOSED,
    ),
    (
        "limit price off tick",
        lambda: run_check(a_limit_buy(limit_price=Decimal("100.005"))),
        RiskCode.RISK_INVALID_TICK,
    ),
    (
        "too many shares",
        lambda: run_check(a_limit_buy(quantity=Decimal("1000001"), limit_price=Decimal("0.5"))),
        RiskCode.RISK_MAX_QUANTITY,
    ),
    (
        "fraction of an unfractionable stock",
        lambda: run_check(
            a_limit_buy(quantity=Decimal("1.5")), instrument=an_instrument(fractionable=False)
        ),
        RiskCode.RISK_NOT_FRACTIONABLE,
    ),
    (
        "too much money",
        lambda: run_check(
            a_limit_buy(quantity=Decimal("10001")),
            account=an_account(buying_power=Decimal("10000000")),
        ),
        RiskCode.RISK_MAX_NOTIONAL,
    ),
    (
        "absurd limit price",
        lambda: run_check(a_limit_buy(quantity=Decimal("1"), limit_price=Decimal("150.01"))),
        RiskCode.RISK_PRICE_COLLAR,
    ),
    (
        "market order without a last trade",
        lambda: run_check(a_market_order(), market=a_market(last_trade=None)),
        RiskCode.RISK_NO_REFERENCE_PRICE,
    ),
    (
        "too many orders",
        lambda: run_check(account=an_account(rate_limiter=_drained_bucket())),
        RiskCode.RISK_RATE_LIMIT,
    ),
    (
        "not enough cash",
        lambda: run_check(a_limit_buy(quantity=Decimal("101"))),
        RiskCode.RISK_INSUFFICIENT_BUYING_POWER,
    ),
    (
        "not enough shares",
        lambda: run_check(a_limit_sell(quantity=Decimal("51"))),
        RiskCode.RISK_INSUFFICIENT_SHARES,
    ),
]


@pytest.mark.parametrize(
    ("arrange_and_check", "code"), [pytest.param(f, c, id=n) for n, f, c in DENIALS]
)
def test_each_guard_denies_with_its_own_code(
    arrange_and_check: Callable[[], RiskDecision], code: RiskCode
) -> None:
    decision = arrange_and_check()

    assert (decision.approved, decision.code) == (False, code)
    assert decision.message
    assert decision.hold_amount == 0


def test_every_risk_code_has_a_row_in_the_table() -> None:
    assert {code for _, _, code in DENIALS} == set(RiskCode)


def test_a_plain_limit_buy_is_approved_with_its_cash_hold() -> None:
    decision = run_check(a_limit_buy())

    assert decision.approved
    assert decision.code is None
    assert (decision.hold_asset, decision.hold_amount) == ("USD", Decimal("1000.00"))
    assert decision.reference_price == Decimal("100.00")


def test_the_first_denial_wins_when_several_guards_would_deny() -> None:
    decision = run_check(
        a_limit_buy(quantity=Decimal("1000"), limit_price=Decimal("100.005")),
        account=an_account(status=AccountStatus.CLOSED),
    )

    assert decision.code is RiskCode.RISK_ACCOUNT_NOT_ACTIVE


def test_buying_power_denial_reads_as_a_sentence_with_dollars() -> None:
    decision = run_check(
        a_limit_buy(quantity=Decimal("10.5")), account=an_account(buying_power=Decimal("1000"))
    )

    assert decision.message == "buying power $1,000.00 is less than the $1,050.00 this order needs"


def test_a_denial_names_the_asset_it_would_have_held() -> None:
    decision = run_check(a_limit_sell(quantity=Decimal("51")))

    assert (decision.hold_asset, decision.hold_amount) == (AAPL, Decimal(0))


def test_check_refuses_an_account_state_of_another_account() -> None:
    with pytest.raises(ValueError, match="own account"):
        run_check(a_limit_buy(account_id="acc-2"))


class TestAccountStatus:
    def test_restricted_account_may_sell(self) -> None:
        decision = run_check(a_limit_sell(), account=an_account(status=AccountStatus.RESTRICTED))

        assert decision.approved

    def test_restricted_account_may_not_buy(self) -> None:
        decision = run_check(a_limit_buy(), account=an_account(status=AccountStatus.RESTRICTED))

        assert decision.code is RiskCode.RISK_ACCOUNT_NOT_ACTIVE
        assert decision.message == "the account is restricted: only sells are accepted"

    @pytest.mark.parametrize("side", list(Side))
    def test_closed_account_may_do_nothing(self, side: Side) -> None:
        intent = a_limit_buy(side=side)

        decision = run_check(intent, account=an_account(status=AccountStatus.CLOSED))

        assert decision.code is RiskCode.RISK_ACCOUNT_NOT_ACTIVE


class TestMarketPhase:
    @pytest.mark.parametrize("phase", list(MarketPhase))
    def test_day_orders_are_accepted_in_every_phase_and_wait_for_the_open(
        self, phase: MarketPhase
    ) -> None:
        assert run_check(market=a_market(phase=phase)).approved

    @pytest.mark.parametrize("tif", [TimeInForce.IOC, TimeInForce.FOK])
    @pytest.mark.parametrize(
        "phase", [MarketPhase.CLOSED, MarketPhase.PRE_MARKET, MarketPhase.POST_MARKET]
    )
    def test_immediate_orders_outside_the_regular_session_are_denied(
        self, tif: TimeInForce, phase: MarketPhase
    ) -> None:
        decision = run_check(a_limit_buy(time_in_force=tif), market=a_market(phase=phase))

        assert decision.code is RiskCode.RISK_MARKET_CLOSED

    def test_immediate_orders_in_the_regular_session_are_approved(self) -> None:
        assert run_check(a_limit_buy(time_in_force=TimeInForce.IOC)).approved

    def test_extended_hours_order_while_closed_queues_for_the_pre_market(self) -> None:
        decision = run_check(
            a_limit_buy(extended_hours=True), market=a_market(phase=MarketPhase.CLOSED)
        )

        assert decision.approved

    def test_opening_auction_order_during_the_session_is_denied(self) -> None:
        decision = run_check(a_limit_buy(time_in_force=TimeInForce.OPG))

        assert decision.code is RiskCode.RISK_MARKET_CLOSED

    def test_closing_auction_order_after_the_close_is_denied(self) -> None:
        decision = run_check(
            a_limit_buy(time_in_force=TimeInForce.CLS),
            market=a_market(phase=MarketPhase.POST_MARKET),
        )

        assert decision.code is RiskCode.RISK_MARKET_CLOSED

    def test_closing_auction_order_during_the_session_is_approved(self) -> None:
        assert run_check(a_limit_buy(time_in_force=TimeInForce.CLS)).approved


class TestPrices:
    def test_sub_dollar_limit_price_may_use_four_decimals(self) -> None:
        decision = run_check(
            a_limit_buy(limit_price=Decimal("0.9999")), market=a_market(last_trade=Decimal("0.99"))
        )

        assert decision.approved

    def test_stop_price_off_tick_is_denied(self) -> None:
        intent = a_limit_buy(
            order_type=OrderType.STOP, limit_price=None, stop_price=Decimal("101.001")
        )

        assert run_check(intent).code is RiskCode.RISK_INVALID_TICK

    def test_limit_price_at_the_edge_of_the_band_is_approved(self) -> None:
        decision = run_check(a_limit_buy(quantity=Decimal("1"), limit_price=Decimal("150.00")))

        assert decision.approved

    def test_limit_sell_far_below_the_last_trade_is_denied(self) -> None:
        decision = run_check(a_limit_sell(limit_price=Decimal("49.99")))

        assert decision.code is RiskCode.RISK_PRICE_COLLAR

    def test_limit_order_without_a_last_trade_is_approved(self) -> None:
        assert run_check(a_limit_buy(), market=a_market(last_trade=None)).approved

    def test_notional_buy_without_a_last_trade_is_approved(self) -> None:
        intent = a_market_order(quantity=None, notional=Decimal("500"))

        assert run_check(intent, market=a_market(last_trade=None)).approved

    def test_notional_sell_without_a_last_trade_is_denied(self) -> None:
        intent = a_market_order(Side.SELL, quantity=None, notional=Decimal("500"))

        decision = run_check(intent, market=a_market(last_trade=None))

        assert decision.code is RiskCode.RISK_NO_REFERENCE_PRICE

    def test_order_value_at_the_notional_limit_is_approved(self) -> None:
        decision = run_check(
            a_limit_buy(quantity=Decimal("10000")),
            account=an_account(buying_power=Decimal("1000000")),
        )

        assert decision.approved


def test_a_short_sale_is_denied_even_with_cash() -> None:
    decision = run_check(a_limit_sell(), account=an_account(shares_available={}))

    assert decision.code is RiskCode.RISK_INSUFFICIENT_SHARES
    assert decision.message == (
        "0 AAPL available to sell is less than the 10 this order needs"
        " (short selling is not allowed)"
    )
