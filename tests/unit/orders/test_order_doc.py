"""The stored order document is exactly `to_dict(with_history=True)`, and reloads the order."""

import json
from decimal import Decimal

from order_builders import a_fill, an_event, an_order, apply_all

from brokerage.domain.ids import ExecId, TransferId
from brokerage.domain.orders.events import RiskAccepted, Routed, VenueAccepted
from brokerage.domain.orders.order import Order
from brokerage.service_layer.records import order_doc


def a_partly_filled_order() -> Order:
    return apply_all(
        an_order(limit_price=Decimal("100.25")),
        an_event(RiskAccepted, hold_id=TransferId("h-1")),
        an_event(Routed),
        an_event(VenueAccepted),
        a_fill("4", "100.125", exec_id="x-1"),
    )


def test_the_stored_document_equals_the_dict_with_history():
    order = a_partly_filled_order()

    assert json.loads(order_doc(order)) == order.to_dict(with_history=True)


def test_an_order_reloaded_from_its_document_still_knows_its_fills():
    reloaded = Order.from_dict(json.loads(order_doc(a_partly_filled_order())))

    assert reloaded.has_execution(ExecId("x-1"))
    assert not reloaded.has_execution(ExecId("x-2"))
    assert reloaded.apply(a_fill("4", "100.125", exec_id="x-1")) is False
    assert reloaded.filled_quantity == Decimal("4")
