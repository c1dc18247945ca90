"""A client that cannot keep up is conflated harder, then dropped; others keep their rate."""

from stream_builders import connect, drain, hub_with, of_type, quote, subscribe

from brokerage.service_layer.streams import CLOSE_SLOW_CONSUMER

SYMBOLS = ["AAPL", "MSFT", "TSLA"]


def run_storm(hub, clients_draining, seconds, step_ms=50):
    """Tick every symbol each step and flush; drain only the clients that keep up."""
    received = {c.client_id: 0 for c in clients_draining}
    for ms in range(0, seconds * 1000, step_ms):
        for symbol in SYMBOLS:
            hub.on_market(quote(symbol, bp=str(ms)))
        hub.flush(ms / 1000)
        for client in clients_draining:
            received[client.client_id] += sum(
                len(m["quotes"]) for m in of_type(drain(client), "md"))
    return received


def test_a_slow_client_is_conflated_harder_then_dropped_while_a_fast_one_keeps_its_rate():
    hub = hub_with(lag_frames=2, market_frames_max=8)
    fast, slow = connect(hub), connect(hub, "acc-2", "usr-2")
    for client in (fast, slow):
        subscribe(hub, client, quotes=SYMBOLS)
    drain(fast)

    received = run_storm(hub, [fast], seconds=60)

    assert slow.closed == (CLOSE_SLOW_CONSUMER, "slow consumer: market data queue full")
    tiers = [m for m in drain(slow) if m["type"] == "tier"]
    assert [(t["ms"], t["reason"]) for t in tiers] == [
        (1000, "slow_consumer"), (5000, "slow_consumer")]
    assert fast.closed is None and fast.tier_ms == 250
    assert received[fast.client_id] == len(SYMBOLS) * 60 * 4
    assert hub.stats["demotions"] == 2 and hub.stats["slow_disconnects"] == 1


def test_a_client_that_drains_in_time_is_never_moved():
    hub = hub_with(lag_frames=2)
    client = connect(hub)
    subscribe(hub, client, quotes=SYMBOLS)
    run_storm(hub, [client], seconds=10)
    assert client.tier_ms == 250 and client.closed is None


def test_a_dropped_client_is_forgotten_by_the_hub():
    hub = hub_with(lag_frames=1, market_frames_max=2, tiers_ms=(250,))
    slow = connect(hub)
    subscribe(hub, slow, quotes=SYMBOLS)
    run_storm(hub, [], seconds=2)
    assert slow.closed is not None and slow.closed[0] == CLOSE_SLOW_CONSUMER
    assert hub.watched_symbols() == set()
