"""Orders, fills and notifications reach their owner, in full, and are never conflated away."""

from stream_builders import connect, drain, hub_with, note, of_type, order_update, subscribe

from brokerage.service_layer.messagebus import EventBus
from brokerage.service_layer.streams import CLOSE_SLOW_CONSUMER


def test_a_fill_arrives_as_a_fill_with_the_order_s_progress_then_as_the_order():
    hub = hub_with()
    client = connect(hub, "acc-1")
    hub.on_order(order_update("acc-1", "filled", exec_id="E1", quantity="2", price="99.5"))
    fill, order = drain(client)
    assert fill == {"type": "fill", "order_id": "ord-1", "symbol": "AAPL", "side": "buy",
                    "exec_id": "E1", "quantity": "2", "price": "99.5",
                    "order_status": "filled", "filled_qty": "2", "order_qty": "2",
                    "ts": "2026-11-24T15:00:00+00:00"}
    assert order["type"] == "order" and order["event"] == "filled"
    assert order["order"]["status"] == "filled"


def test_another_account_s_orders_are_not_sent():
    hub = hub_with()
    client = connect(hub, "acc-1")
    hub.on_order(order_update("acc-2", "risk_accepted"))
    assert drain(client) == []


def test_a_notification_reaches_every_connection_of_its_user():
    hub = hub_with()
    phone, laptop = connect(hub, "acc-1", "usr-1"), connect(hub, "acc-1", "usr-1")
    hub.on_notification(note("usr-1", "TSLA above 300"))
    for client in (phone, laptop):
        [message] = drain(client)
        assert message["type"] == "notification" and message["title"] == "TSLA above 300"


def test_every_order_update_is_delivered_even_in_a_burst():
    hub = hub_with()
    client = connect(hub, "acc-1")
    subscribe(hub, client, quotes=["AAPL"])
    drain(client)
    for i in range(500):
        hub.on_order(order_update("acc-1", "trail_updated", n=i))
    hub.flush(1.0)
    updates = of_type(drain(client), "order")
    assert len(updates) == 500


def test_a_full_user_queue_disconnects_with_4008_rather_than_dropping_a_message():
    hub = hub_with(user_messages_max=3)
    client = connect(hub, "acc-1")
    for _ in range(4):
        hub.on_order(order_update("acc-1", "risk_accepted"))
    assert client.closed == (CLOSE_SLOW_CONSUMER, "slow consumer: user message queue full")
    assert len(of_type(drain(client), "order")) == 3


def test_the_hub_hears_orders_and_notifications_from_the_bus():
    bus, hub = EventBus(), hub_with()
    detach = hub.attach(bus)
    client = connect(hub, "acc-1", "usr-1")
    bus.publish(order_update("acc-1", "risk_accepted"))
    bus.publish(note("usr-1", "hello"))
    detach()
    bus.publish(note("usr-1", "after detach"))
    assert [m["type"] for m in drain(client)] == ["order", "notification"]
