"""The trade update log and the market data hub, without sockets."""

from datetime import UTC, datetime
from decimal import Decimal

import msgpack
import pytest
from alpaca.data.models import Bar, Quote, Trade
from alpaca.trading.models import TradeUpdate as AlpacaTradeUpdate

from brokerage.domain.ids import AccountId, ClientOrderId, OrderId, Symbol
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.entrypoints.api.alpaca import market_shapes as shapes
from brokerage.entrypoints.api.alpaca.stream_data import frames
from brokerage.entrypoints.api.alpaca.stream_data_hub import (
    DataLimits,
    MarketDataHub,
    ProtocolError,
    parse_subscription,
)
from brokerage.entrypoints.api.alpaca.stream_trading import trade_update
from brokerage.read_models.alpaca_trade_updates import TradeUpdateLog
from brokerage.service_layer.market_events import Channel, MarketUpdate
from brokerage.service_layer.messagebus import OrderUpdated

T0 = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
ORDER_ID = "0b7f1c9e-5d1a-4c63-9a53-3c8d6b1f2e10"


def an_order_doc(status: str = "new") -> dict:
    order = Order.create(order_id=OrderId(ORDER_ID), account_id=AccountId("acct"),
                         client_order_id=ClientOrderId("c-1"), symbol=Symbol("AAPL"),
                         side=Side.BUY, order_type=OrderType.LIMIT,
                         time_in_force=TimeInForce.DAY, ts=T0, quantity=Decimal("2"),
                         limit_price=Decimal("100.50"))
    return {**order.to_dict(), "status": status}


def an_update(event: str = "venue_accepted", account: str = "acct", status: str = "new",
              **detail) -> OrderUpdated:
    return OrderUpdated(account, ORDER_ID, event, an_order_doc(status), detail, T0)


def a_fill(status: str = "filled") -> OrderUpdated:
    return an_update("filled", status=status, exec_id="XSIM-7", quantity="1",
                     price="100.25", venue="XSIM")


# --- the trade update log -----------------------------------------------------------------------


@pytest.mark.parametrize(("ours", "status", "alpacas"), [
    ("risk_accepted", "accepted", "pending_new"), ("venue_accepted", "new", "new"),
    ("filled", "partially_filled", "partial_fill"), ("filled", "filled", "fill"),
    ("canceled", "canceled", "canceled"), ("expired", "expired", "expired"),
    ("replaced", "replaced", "replaced"), ("venue_rejected", "rejected", "rejected"),
    ("risk_rejected", "rejected", "rejected"), ("done_for_day", "done_for_day", "done_for_day"),
    ("cancel_requested", "pending_cancel", "pending_cancel"),
])
def test_order_events_become_alpacas_trade_update_events(ours, status, alpacas):
    log = TradeUpdateLog()
    log.on_order(an_update(ours, status=status))
    assert [u.event for u in log.since("acct", 0).updates] == [alpacas]


@pytest.mark.parametrize("ours", ["routed", "triggered", "trail_updated"])
def test_events_alpaca_does_not_have_are_not_logged(ours):
    log = TradeUpdateLog()
    log.on_order(an_update(ours))
    assert log.since("acct", 0).updates == [] and log.last_seq("acct") == 0


def test_updates_are_numbered_from_one_for_each_account():
    log = TradeUpdateLog()
    for account in ("a", "b", "a"):
        log.on_order(an_update(account=account))
    assert [u.seq for u in log.since("a", 0).updates] == [1, 2]
    assert [u.seq for u in log.since("b", 0).updates] == [1]


def test_since_replays_only_the_later_updates_without_a_gap():
    log = TradeUpdateLog()
    for _ in range(4):
        log.on_order(an_update())
    replay = log.since("acct", 2)
    assert [u.seq for u in replay.updates] == [3, 4] and replay.gap is False


def test_a_since_older_than_the_log_says_there_is_a_gap():
    log = TradeUpdateLog(per_account_max=3)
    for _ in range(5):
        log.on_order(an_update())
    replay = log.since("acct", 1)
    assert [u.seq for u in replay.updates] == [3, 4, 5] and replay.gap is True


def test_a_since_from_before_a_restart_is_a_gap():
    log = TradeUpdateLog()
    log.on_order(an_update())
    replay = log.since("acct", 41)
    assert replay.updates == [] and replay.gap is True


def test_the_least_recently_updated_account_is_forgotten_first():
    log = TradeUpdateLog(accounts_max=2)
    for account in ("a", "b", "a", "c"):
        log.on_order(an_update(account=account))
    assert log.since("b", 0).updates == [] and len(log.since("a", 0).updates) == 2


def test_listeners_get_each_new_update_of_their_account_only():
    log = TradeUpdateLog()
    got = []
    undo = log.listen("acct", got.append)
    log.on_order(an_update())
    log.on_order(an_update(account="other"))
    undo()
    log.on_order(an_update())
    assert [u.seq for u in got] == [1]


def test_a_fill_update_parses_as_alpaca_pys_trade_update():
    log = TradeUpdateLog(position_of=lambda account, symbol: Decimal("3"))
    log.on_order(a_fill())
    message = trade_update(log.since("acct", 0).updates[0])
    parsed = AlpacaTradeUpdate(**message["data"])
    assert message["stream"] == "trade_updates" and parsed.event == "fill"
    assert (parsed.price, parsed.qty, parsed.position_qty) == (100.25, 1, 3)
    assert parsed.execution_id is not None and str(parsed.order.id) == ORDER_ID


# --- the market data hub --------------------------------------------------------------------------


def a_quote_view(bid: str = "100.00", ask: str = "100.10") -> dict:
    return {"symbol": "AAPL", "bid": bid, "bid_size": "300", "ask": ask, "ask_size": "200",
            "bid_venues": ["XSIM"], "ask_venues": ["XSIM"], "updated_at": T0.isoformat(),
            "venues": {"XSIM": {"ts": T0.isoformat()}}}


def a_quote_update(**view) -> MarketUpdate:
    return MarketUpdate(Channel.QUOTES, "AAPL", a_quote_view(**view), T0)


def a_hub(**limits) -> MarketDataHub:
    return MarketDataHub(lambda symbol: "C", DataLimits(**limits))


def decoded(client) -> list[dict]:
    return [msgpack.unpackb(item) for item in client.outbox.take(100)]


def test_a_quote_goes_to_subscribers_of_its_symbol_or_of_every_symbol():
    hub = a_hub()
    aapl, star, other = (hub.connect(name, True) for name in ("a", "b", "c"))
    for client, symbol in ((aapl, "AAPL"), (star, "*"), (other, "MSFT")):
        hub.subscribe(client, {"quotes": {symbol}}, add=True)
        client.outbox.take(10)
    hub.on_market(a_quote_update())
    assert [m["T"] for m in decoded(aapl)] == ["q"] == [m["T"] for m in decoded(star)]
    assert decoded(other) == []


def test_an_unchanged_nbbo_is_not_sent_again():
    hub = a_hub()
    client = hub.connect("a", True)
    hub.subscribe(client, {"quotes": {"AAPL"}}, add=True)
    client.outbox.take(10)
    for update in (a_quote_update(), a_quote_update(), a_quote_update(bid="100.05")):
        hub.on_market(update)
    assert [m["bp"] for m in decoded(client)] == [100.0, 100.05]


def test_a_subscription_over_the_limit_is_refused_whole_with_405():
    hub = a_hub(subscriptions_max=2)
    client = hub.connect("a", True)
    with pytest.raises(ProtocolError) as refused:
        hub.subscribe(client, {"quotes": {"AAPL", "MSFT"}, "trades": {"AAPL"}}, add=True)
    assert refused.value.body == {"T": "error", "code": 405, "msg": "symbol limit exceeded"}
    assert client.subscription()["quotes"] == []


def test_a_subscription_acknowledgement_lists_every_channel_and_trades_followers():
    hub = a_hub()
    client = hub.connect("a", True)
    hub.subscribe(client, parse_subscription({"trades": ["aapl"], "bars": ["*"]}), add=True)
    ack = decoded(client)[0]
    assert ack["T"] == "subscription" and ack["trades"] == ["AAPL"] == ack["corrections"]
    assert ack["bars"] == ["*"] and ack["quotes"] == [] and ack["dailyBars"] == []


def test_a_malformed_subscription_is_refused_with_400():
    with pytest.raises(ProtocolError) as refused:
        parse_subscription({"quotes": "AAPL"})
    assert refused.value.body["code"] == 400


def test_a_slow_client_is_closed_with_407_and_the_others_keep_receiving():
    hub = a_hub(messages_waiting_max=2)
    slow, fast = hub.connect("a", True), hub.connect("b", True)
    for client in (slow, fast):
        hub.subscribe(client, {"quotes": {"AAPL"}}, add=True)
    for n in range(3):
        fast.outbox.take(10)
        hub.on_market(a_quote_update(bid=f"100.0{n}"))
    assert slow.outbox.closed is not None
    assert msgpack.unpackb(slow.outbox.goodbye) == {"T": "error", "code": 407,
                                                    "msg": "slow client"}
    assert [m["bp"] for m in decoded(fast)] == [100.02]


def test_stream_frames_decode_into_what_alpaca_pys_models_accept():
    bar_view = {"symbol": "AAPL", "interval": "1m", "start": T0.isoformat(), "open": "1.00",
                "high": "1.20", "low": "0.90", "close": "1.10", "volume": "500", "trades": 7,
                "final": True}
    items = [shapes.quote(a_quote_view(), "C"),
             shapes.trade("AAPL", {"ts": T0.isoformat(), "price": "100.05", "size": "10",
                                   "venue": "XSIM"}, "C"), shapes.bar(bar_view)]
    (frame,) = frames(True, [shapes.for_msgpack(i) for i in items])
    batch = msgpack.unpackb(frame)
    for message in batch:
        message["t"] = message["t"].to_datetime()
    quote, trade, bar = Quote("AAPL", batch[0]), Trade("AAPL", batch[1]), Bar("AAPL", batch[2])
    assert (quote.bid_price, quote.ask_size, quote.timestamp) == (100.0, 200.0, T0)
    assert (trade.price, trade.size, trade.exchange) == (100.05, 10.0, "XSIM")
    assert (bar.close, bar.trade_count, bar.vwap) == (1.1, 7, None)


def test_an_unsubscribed_or_disconnected_client_gets_nothing_more():
    hub = a_hub()
    leaving, staying = hub.connect("a", True), hub.connect("b", True)
    for client in (leaving, staying):
        hub.subscribe(client, {"quotes": {"AAPL"}}, add=True)
    hub.subscribe(staying, {"quotes": {"AAPL"}}, add=False)
    hub.disconnect(leaving)
    for client in (leaving, staying):
        client.outbox.take(10)
    hub.on_market(a_quote_update())
    assert decoded(leaving) == [] == decoded(staying)
