"""The order-class rules: the link table, request checks, and the stop's resize."""

import json
from decimal import Decimal
from itertools import product

import pytest

from brokerage.domain.ids import AccountId, OrderId, Symbol
from brokerage.domain.orders.classes import (
    TRANSITIONS,
    ClassProblem,
    ClassRequest,
    IllegalLinkTransition,
    LinkEvent,
    LinkGroup,
    LinkPhase,
    OrderClass,
    class_problem,
    next_phase,
    stop_loss,
    stop_quantity,
    take_profit,
)
from brokerage.domain.orders.types import OrderType, Side, TimeInForce

D = Decimal


@pytest.mark.parametrize(("phase", "event", "after"), [
    (LinkPhase.HELD, LinkEvent.ENTRY_FILLED, LinkPhase.ACTIVE),
    (LinkPhase.HELD, LinkEvent.ENTRY_EMPTY, LinkPhase.DONE),
    (LinkPhase.HELD, LinkEvent.EXITS_CANCELED, LinkPhase.DONE),
    (LinkPhase.ACTIVE, LinkEvent.STOP_FIRED, LinkPhase.STOP_FIRED),
    (LinkPhase.ACTIVE, LinkEvent.EXIT_DONE, LinkPhase.DONE),
    (LinkPhase.STOP_FIRED, LinkEvent.EXIT_DONE, LinkPhase.DONE),
])
def test_every_row_of_the_link_table_moves_the_group(phase, event, after):
    assert next_phase(phase, event) is after


def test_every_pair_missing_from_the_link_table_is_refused():
    missing = [(p, e) for p, e in product(LinkPhase, LinkEvent) if (p, e) not in TRANSITIONS]
    assert missing
    for phase, event in missing:
        with pytest.raises(IllegalLinkTransition):
            next_phase(phase, event)


def request(order_class, side=Side.BUY, order_type=OrderType.LIMIT, quantity=D(2),
            profit=take_profit(D(110)), loss=stop_loss(D(90))):
    return ClassRequest(OrderClass(order_class), side, order_type, quantity, D(100), profit,
                        loss)


@pytest.mark.parametrize(("made", "problem"), [
    (request("bracket"), None),
    (request("bracket", loss=stop_loss(None, trail_percent=D(5))), None),
    (request("bracket", side=Side.SELL), ClassProblem.SHORT_EXIT),
    (request("bracket", loss=None), ClassProblem.EXITS_MISSING),
    (request("bracket", quantity=None), ClassProblem.QUANTITY_REQUIRED),
    (request("bracket", profit=take_profit(D(80))), ClassProblem.PRICES_CROSSED),
    (request("oco", side=Side.SELL), None),
    (request("oco"), ClassProblem.ENTRY_TYPE),
    (request("oco", side=Side.SELL, order_type=OrderType.MARKET), ClassProblem.ENTRY_TYPE),
    (request("oto", loss=None), None),
    (request("oto"), ClassProblem.ONE_EXIT_ONLY),
    (request("oto", side=Side.SELL, loss=None), ClassProblem.SHORT_EXIT),
])
def test_a_linked_request_is_checked_with_a_reason(made, problem):
    assert class_problem(made) is problem


@pytest.mark.parametrize(("stop_qty", "limit_filled", "left"), [
    (D(3), D(0), D(3)), (D(3), D(1), D(2)), (D(3), D(3), D(0)), (D(3), D(4), D(0)),
])
def test_a_fired_stop_sells_only_what_the_limit_leg_left(stop_qty, limit_filled, left):
    assert stop_quantity(stop_qty, limit_filled) == left


def test_a_stop_loss_exit_takes_the_kind_its_prices_say():
    assert stop_loss(D(90)).order_type is OrderType.STOP
    assert stop_loss(D(90), D(89)).order_type is OrderType.STOP_LIMIT
    assert stop_loss(None, trail_price=D(2)).order_type is OrderType.TRAILING_STOP


def test_a_link_group_round_trips_through_its_document():
    group = LinkGroup("G1", OrderClass.BRACKET, AccountId("A1"), Symbol("AAPL"),
                      TimeInForce.GTC, OrderId("E1"), OrderId("L1"), OrderId("S1"),
                      take_profit(D("110.5")), stop_loss(D(90), D("89.5")), LinkPhase.HELD)
    assert LinkGroup.from_dict(json.loads(json.dumps(group.to_dict(), default=str))) == group
