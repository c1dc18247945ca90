"""Trades are batched, never conflated; subscriptions are bounded and validated."""

import orjson
import pytest
from stream_builders import connect, drain, hub_with, of_type, quote, subscribe, trade

from brokerage.service_layer.streams import CLOSE_PROTOCOL_ERROR, StreamHub


def test_every_trade_print_of_an_interval_arrives_in_one_batch():
    hub = hub_with()
    client = connect(hub)
    subscribe(hub, client, trades=["AAPL"])
    for price in ("1.00", "1.01", "1.02"):
        hub.on_market(trade("AAPL", price))
    hub.flush(1.0)
    [batch] = of_type(drain(client), "md")
    assert batch["n"] == 3
    assert [p["price"] for p in batch["trades"]["AAPL"]] == ["1.00", "1.01", "1.02"]


def test_prints_over_the_per_frame_bound_go_out_in_the_next_interval():
    hub = hub_with(prints_per_symbol_frame=2)
    client = connect(hub)
    subscribe(hub, client, trades=["AAPL"])
    for price in ("1.00", "1.01", "1.02"):
        hub.on_market(trade("AAPL", price))
    hub.flush(1.0)
    hub.flush(1.25)
    batches = of_type(drain(client), "md")
    assert [[p["price"] for p in b["trades"]["AAPL"]] for b in batches] == [
        ["1.00", "1.01"], ["1.02"]]


def test_a_trade_backlog_overflow_is_said_in_the_frame():
    hub = hub_with(prints_backlog_max=2)
    client = connect(hub)
    subscribe(hub, client, trades=["AAPL"])
    for price in ("1.00", "1.01", "1.02"):
        hub.on_market(trade("AAPL", price))
    hub.flush(1.0)
    [batch] = of_type(drain(client), "md")
    assert batch["trades"]["AAPL"][0] == {"dropped": 1}
    assert [p["price"] for p in batch["trades"]["AAPL"][1:]] == ["1.01", "1.02"]


def test_a_subscription_over_the_limit_is_refused_whole():
    hub = hub_with(subscriptions_max=3)
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL", "MSFT"])
    drain(client)
    subscribe(hub, client, quotes=["TSLA"], trades=["TSLA"])
    [error] = of_type(drain(client), "error")
    assert error["code"] == "SUBSCRIPTION_LIMIT"
    assert client.keys == {("quotes", "AAPL"), ("quotes", "MSFT")}


def test_an_unsubscribed_symbol_stops_arriving():
    hub = hub_with()
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL", "MSFT"])
    hub.handle(client, orjson.dumps({"action": "unsubscribe", "quotes": ["AAPL"]}))
    assert of_type(drain(client), "subscribed")[-1] == {"type": "subscribed", "quotes": ["MSFT"]}
    hub.on_market(quote("AAPL", bp="1.00"))
    hub.on_market(quote("MSFT", bp="2.00"))
    hub.flush(1.0)
    assert of_type(drain(client), "md")[0]["quotes"] == {"MSFT": {"bp": "2.00"}}


@pytest.mark.parametrize(("raw", "code"), [
    (b"not json", "INVALID_JSON"),
    (b"[1]", "INVALID_MESSAGE"),
    (b'{"action": "dance"}', "UNKNOWN_ACTION"),
    (b'{"action": "tier", "ms": 100}', "INVALID_TIER"),
    (b'{"action": "subscribe", "quotes": "AAPL"}', "INVALID_SUBSCRIPTION"),
    (b'{"action": "subscribe", "quotes": ["no spaces"]}', "INVALID_SYMBOL"),
    (b'{"action": "subscribe", "bars": {"2m": ["AAPL"]}}', "INVALID_SUBSCRIPTION"),
    (b'{"action": "auth", "token": "t"}', "ALREADY_AUTHENTICATED"),
])
def test_an_invalid_message_is_answered_with_an_error_code(raw, code):
    hub = hub_with()
    client = connect(hub)
    hub.handle(client, raw)
    assert of_type(drain(client), "error")[0]["code"] == code


def test_too_many_invalid_messages_close_the_connection():
    hub = hub_with(bad_messages_max=3)
    client = connect(hub)
    for _ in range(3):
        hub.handle(client, b"nope")
    assert client.closed == (CLOSE_PROTOCOL_ERROR, "too many invalid messages")


def test_a_client_can_ask_for_a_slower_tier():
    hub = hub_with()
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL"])
    hub.handle(client, b'{"action": "tier", "ms": 5000}')
    assert of_type(drain(client), "tier") == [{"type": "tier", "ms": 5000, "reason": "requested"}]
    hub.on_market(quote("AAPL", bp="1.00"))
    hub.flush(1.0)
    hub.on_market(quote("AAPL", bp="1.01"))
    hub.flush(2.0)
    assert [m["quotes"] for m in of_type(drain(client), "md")] == [{"AAPL": {"bp": "1.00"}}]


def test_the_watch_listener_hears_the_first_and_the_last_watcher_of_a_symbol():
    heard = []
    hub = StreamHub(on_watch=lambda symbol, watched: heard.append((symbol, watched)))
    ann, bob = connect(hub), connect(hub, "acc-2", "usr-2")
    subscribe(hub, ann, quotes=["AAPL"], trades=["AAPL"])
    subscribe(hub, bob, quotes=["AAPL"])
    hub.disconnect(ann)
    hub.disconnect(bob)
    assert heard == [("AAPL", True), ("AAPL", False)]
