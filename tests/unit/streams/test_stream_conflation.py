"""Conflation: latest state, at most once per interval per symbol, deltas, batching."""

from itertools import pairwise

import orjson
from stream_builders import bar, connect, drain, frames, hub_with, of_type, quote, subscribe


def test_the_first_message_after_subscribing_is_a_snapshot_of_the_latest_state():
    hub = hub_with()
    hub.on_market(quote("AAPL", bp="187.40", ap="187.45"))
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL"])
    messages = drain(client)
    assert of_type(messages, "subscribed")[0]["quotes"] == ["AAPL"]
    assert of_type(messages, "snapshot")[0]["quotes"] == {
        "AAPL": {"bp": "187.40", "ap": "187.45"}}


def test_a_lone_tick_goes_out_at_the_next_flush():
    hub = hub_with()
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL"])
    drain(client)
    hub.on_market(quote("AAPL", bp="1.00"))
    hub.flush(10.0)
    assert of_type(drain(client), "md")[0]["quotes"] == {"AAPL": {"bp": "1.00"}}


def test_ticks_within_an_interval_are_conflated_to_the_latest_state():
    hub = hub_with()
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL"])
    hub.on_market(quote("AAPL", bp="1.00"))
    hub.flush(10.0)
    drain(client)
    for price in ("1.01", "1.02", "1.03"):
        hub.on_market(quote("AAPL", bp=price))
        hub.flush(10.1)
    assert drain(client) == []
    hub.flush(10.25)
    assert of_type(drain(client), "md") == [
        {"type": "md", "tier": 250, "n": 1, "quotes": {"AAPL": {"bp": "1.03"}}}]


def test_a_symbol_goes_out_at_most_once_per_interval():
    hub = hub_with()
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL"])
    sent_at = []
    for ms in range(0, 3000, 10):
        hub.on_market(quote("AAPL", bp=str(ms)))
        hub.flush(ms / 1000)
        if of_type(drain(client), "md"):
            sent_at.append(ms)
    gaps = [b - a for a, b in pairwise(sent_at)]
    assert len(sent_at) == 12
    assert min(gaps) >= 250


def test_a_delta_carries_only_the_fields_that_changed():
    hub = hub_with()
    hub.on_market(quote("AAPL", bp="1.00", ap="1.02", last="1.01", stale=False))
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL"])
    drain(client)
    hub.on_market(quote("AAPL", bp="1.00", ap="1.03", last="1.01", stale=False))
    hub.flush(1.0)
    assert of_type(drain(client), "md")[0]["quotes"] == {"AAPL": {"ap": "1.03"}}


def test_a_field_that_disappears_comes_as_null():
    hub = hub_with()
    hub.on_market(quote("AAPL", bp="1.00", halted_reason="LULD"))
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL"])
    drain(client)
    hub.on_market(quote("AAPL", bp="1.00"))
    hub.flush(1.0)
    assert of_type(drain(client), "md")[0]["quotes"] == {"AAPL": {"halted_reason": None}}


def test_an_unchanged_republished_state_sends_nothing():
    hub = hub_with()
    hub.on_market(quote("AAPL", bp="1.00"))
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL"])
    drain(client)
    hub.on_market(quote("AAPL", bp="1.00"))
    hub.flush(1.0)
    assert drain(client) == []


def test_several_symbols_changed_in_one_interval_arrive_in_one_frame():
    hub = hub_with()
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL", "MSFT", "TSLA"], bars={"1m": ["AAPL"]})
    drain(client)
    for symbol in ("AAPL", "MSFT", "TSLA"):
        hub.on_market(quote(symbol, bp="1.00"))
    hub.on_market(bar("AAPL", "1m", "1.00"))
    hub.flush(1.0)
    sent = frames(client)
    assert len(sent) == 1
    [batch] = of_type(drain_text(sent), "md")
    assert batch["n"] == 4
    assert set(batch["quotes"]) == {"AAPL", "MSFT", "TSLA"}
    assert batch["bars"] == {"1m": {"AAPL": {"interval": "1m", "close": "1.00"}}}


def test_clients_with_the_same_subscriptions_share_one_encoded_frame():
    hub = hub_with()
    ann, bob = connect(hub, "acc-1", "usr-1"), connect(hub, "acc-2", "usr-2")
    for client in (ann, bob):
        subscribe(hub, client, quotes=["AAPL", "MSFT"])
        drain(client)
    hub.on_market(quote("AAPL", bp="1.00"))
    hub.flush(1.0)
    [ann_frame], [bob_frame] = frames(ann), frames(bob)
    assert ann_frame is bob_frame


def test_a_client_on_the_one_second_tier_gets_a_quarter_of_the_updates():
    hub = hub_with()
    fast, slow = connect(hub, tier=250), connect(hub, "acc-2", "usr-2", tier=1000)
    counts = {}
    for client in (fast, slow):
        subscribe(hub, client, quotes=["AAPL"])
        drain(client)
        counts[client.client_id] = 0
    for ms in range(0, 4000, 50):
        hub.on_market(quote("AAPL", bp=str(ms)))
        hub.flush(ms / 1000)
        for client in (fast, slow):
            counts[client.client_id] += len(of_type(drain(client), "md"))
    assert counts[fast.client_id] == 16
    assert counts[slow.client_id] == 4


def test_a_late_subscriber_starts_in_step_with_its_tier_and_converges_to_the_latest():
    hub = hub_with()
    early = connect(hub)
    subscribe(hub, early, quotes=["AAPL"])
    hub.on_market(quote("AAPL", bp="1.00", ap="1.10"))
    hub.flush(1.0)
    hub.on_market(quote("AAPL", bp="1.01", ap="1.10"))  # waits for the interval
    late = connect(hub, "acc-2", "usr-2")
    subscribe(hub, late, quotes=["AAPL"])
    assert of_type(drain(late), "snapshot")[0]["quotes"]["AAPL"] == {"bp": "1.00", "ap": "1.10"}
    drain(early)
    hub.on_market(quote("AAPL", bp="1.02", ap="1.11"))
    hub.flush(1.25)
    [early_frame], [late_frame] = frames(early), frames(late)
    assert late_frame is early_frame
    assert orjson.loads(late_frame)[0]["quotes"]["AAPL"] == {"bp": "1.02", "ap": "1.11"}


def test_a_client_moved_to_another_tier_gets_a_snapshot_of_that_tier():
    hub = hub_with()
    client = connect(hub)
    subscribe(hub, client, quotes=["AAPL"])
    hub.on_market(quote("AAPL", bp="1.00"))
    hub.flush(1.0)
    drain(client)
    hub.handle(client, b'{"action": "tier", "ms": 1000}')
    messages = drain(client)
    assert of_type(messages, "tier")[0]["ms"] == 1000
    assert of_type(messages, "snapshot")[0]["quotes"] == {"AAPL": {"bp": "1.00"}}


def test_bars_are_kept_apart_by_interval():
    hub = hub_with()
    client = connect(hub)
    subscribe(hub, client, bars={"5m": ["AAPL"]})
    drain(client)
    hub.on_market(bar("AAPL", "1m", "1.00"))
    hub.on_market(bar("AAPL", "5m", "2.00"))
    hub.flush(1.0)
    assert of_type(drain(client), "md")[0]["bars"] == {
        "5m": {"AAPL": {"interval": "5m", "close": "2.00"}}}


def test_a_snapshot_provider_fills_in_a_symbol_the_hub_has_not_seen():
    from brokerage.service_layer.streams import StreamHub

    hub = StreamHub(snapshot=lambda stream, symbol: {"bp": "9.99"} if stream == "quotes" else None)
    client = connect(hub)
    subscribe(hub, client, quotes=["IBM"], depth=["IBM"])
    assert of_type(drain(client), "snapshot")[0] == {
        "type": "snapshot", "tier": 250, "n": 1, "quotes": {"IBM": {"bp": "9.99"}}}


def drain_text(sent):
    return [msg for frame in sent for msg in orjson.loads(frame)]
