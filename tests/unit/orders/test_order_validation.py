"""Structural validation of order requests (Alpaca's rules), as a table."""

from decimal import Decimal

import pytest

from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.domain.orders.validation import (
    OrderRequest,
    ValidationCode,
    first_problem,
    validate_order,
)

D = Decimal
MKT, LMT, STP, STL, TRL = (
    OrderType.MARKET,
    OrderType.LIMIT,
    OrderType.STOP,
    OrderType.STOP_LIMIT,
    OrderType.TRAILING_STOP,
)
DAY, GTC, IOC, FOK, OPG, CLS = (
    TimeInForce.DAY,
    TimeInForce.GTC,
    TimeInForce.IOC,
    TimeInForce.FOK,
    TimeInForce.OPG,
    TimeInForce.CLS,
)
QTY = ValidationCode.ORDER_INVALID_QUANTITY
PRICE = ValidationCode.ORDER_INVALID_PRICE
TIF = ValidationCode.ORDER_INVALID_TIF
TYPE = ValidationCode.ORDER_INVALID_TYPE
FRAC = ValidationCode.ORDER_FRACTIONAL_NOT_ALLOWED
EXT = ValidationCode.ORDER_INVALID_EXTENDED_HOURS


def req(order_type=MKT, tif=DAY, qty="10", **kw) -> OrderRequest:
    decimals = {k: D(v) if isinstance(v, str) else v for k, v in kw.items()}
    quantity = D(qty) if qty is not None else None
    return OrderRequest(Side.BUY, order_type, tif, quantity=quantity, **decimals)


VALID = [
    ("market day", req()),
    ("market gtc", req(tif=GTC)),
    ("limit ioc", req(LMT, IOC, limit_price="10.5")),
    ("limit fok", req(LMT, FOK, limit_price="10.5")),
    ("market opg", req(tif=OPG)),
    ("limit cls", req(LMT, CLS, limit_price="10")),
    ("stop gtc", req(STP, GTC, stop_price="9")),
    ("stop limit", req(STL, limit_price="9.5", stop_price="9")),
    ("trailing by price", req(TRL, GTC, trail_price="1.5")),
    ("trailing by percent", req(TRL, trail_percent="2.5")),
    ("fractional market", req(qty="0.5")),
    ("fractional limit", req(LMT, qty="0.123456789", limit_price="10")),
    ("notional market day", req(qty=None, notional="100.25")),
    ("extended hours limit day", req(LMT, limit_price="10", extended_hours=True)),
    ("sub-dollar limit on tick", req(LMT, limit_price="0.1234")),
]

INVALID = [
    ("neither qty nor notional", req(qty=None), [QTY]),
    ("both qty and notional", req(notional="100"), [QTY]),
    ("zero qty", req(qty="0"), [QTY]),
    ("negative qty", req(qty="-1"), [QTY]),
    ("qty beyond nine places", req(qty="0.0000000001"), [QTY]),
    ("zero notional", req(qty=None, notional="0"), [QTY]),
    ("sub-cent notional", req(qty=None, notional="10.001"), [QTY]),
    ("notional limit", req(LMT, qty=None, notional="100", limit_price="10"), [TYPE]),
    ("notional gtc", req(tif=GTC, qty=None, notional="100"), [TIF]),
    ("fractional gtc", req(tif=GTC, qty="0.5"), [FRAC]),
    ("fractional stop", req(STP, qty="0.5", stop_price="9"), [FRAC]),
    ("limit without price", req(LMT), [PRICE]),
    ("stop limit without limit", req(STL, stop_price="9"), [PRICE]),
    ("market with limit price", req(limit_price="10"), [PRICE]),
    ("stop with limit price", req(STP, limit_price="10", stop_price="9"), [PRICE]),
    ("stop without stop price", req(STP), [PRICE]),
    ("limit with stop price", req(LMT, limit_price="10", stop_price="9"), [PRICE]),
    ("zero limit price", req(LMT, limit_price="0"), [PRICE]),
    ("sub-penny limit above a dollar", req(LMT, limit_price="10.001"), [PRICE]),
    ("limit below a dollar off tick", req(LMT, limit_price="0.12345"), [PRICE]),
    ("trailing with no trail", req(TRL), [PRICE]),
    ("trailing with both", req(TRL, trail_price="1", trail_percent="1"), [PRICE]),
    ("trailing zero price", req(TRL, trail_price="0"), [PRICE]),
    ("trailing 100 percent", req(TRL, trail_percent="100"), [PRICE]),
    ("trail on a market order", req(trail_price="1"), [PRICE]),
    ("stop ioc", req(STP, IOC, stop_price="9"), [TIF]),
    ("stop limit fok", req(STL, FOK, limit_price="9", stop_price="9"), [TIF]),
    ("stop opg", req(STP, OPG, stop_price="9"), [TIF]),
    ("trailing cls", req(TRL, CLS, trail_price="1"), [TIF]),
    ("extended hours market", req(extended_hours=True), [EXT]),
    ("extended hours limit gtc", req(LMT, GTC, limit_price="10", extended_hours=True), [EXT]),
]


@pytest.mark.parametrize("request_", [r for _, r in VALID], ids=[n for n, _ in VALID])
def test_a_well_formed_request_has_no_problems(request_):
    assert validate_order(request_, fractionable=True) == []


@pytest.mark.parametrize(
    ("request_", "codes"), [(r, c) for _, r, c in INVALID], ids=[n for n, _, _ in INVALID]
)
def test_a_malformed_request_is_reported_with_its_code(request_, codes):
    assert [p.code for p in validate_order(request_, fractionable=True)] == codes


@pytest.mark.parametrize(
    "request_", [req(qty="0.5"), req(qty=None, notional="50")], ids=["fractional", "notional"]
)
def test_fractional_orders_on_a_non_fractionable_asset_are_refused(request_):
    problem = first_problem(request_, fractionable=False)

    assert problem is not None and problem.code is FRAC


def test_whole_share_orders_on_a_non_fractionable_asset_are_fine():
    assert first_problem(req(qty="3.000"), fractionable=False) is None


def test_every_problem_is_reported_in_a_stable_order():
    bad = req(STP, IOC, qty="-1", limit_price="10", extended_hours=True)

    codes = [p.code for p in validate_order(bad, fractionable=True)]

    assert codes == [QTY, PRICE, PRICE, TIF, EXT]
