"""The hub behind Alpaca's market data stream: subscriptions per channel and fan-out, sans I/O.

Fed by `MarketUpdate` from the bus, i.e. from our conflated pipeline (at most one quote per
symbol per 50 ms pipeline step; every trade print; final minute bars; in-progress and final
daily bars; status changes). A quote goes out only when the NBBO (prices, sizes, venues)
changed. Each message is encoded once per codec and shared by every subscriber.

`updatedBars` (Alpaca's corrections of a minute bar after a late trade) never fire: our
candles refuse late trades, so a sent bar is never revised. `lulds`, `corrections` and
`cancelErrors` are accepted and acknowledged; we publish none of them.

Limits: `subscriptions_max` symbols over all channels per connection (a request over it is
refused whole with 405); a subscriber whose outbox is full is closed with 407 "slow client"
(see stream_common.Outbox), never waited for.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from brokerage.entrypoints.api.alpaca import market_shapes as shapes
from brokerage.entrypoints.api.alpaca.stream_common import CLOSE_SLOW_CONSUMER, Outbox
from brokerage.service_layer.market_events import Channel, MarketUpdate
from brokerage.service_layer.messagebus import EventBus

CHANNELS = ("trades", "quotes", "bars", "updatedBars", "dailyBars", "statuses", "lulds")
FOLLOW_TRADES = ("corrections", "cancelErrors")  # Alpaca subscribes these with trades
SYMBOL = re.compile(r"^(?:[A-Z0-9][A-Z0-9.\-/]{0,23}|\*)$")


def error(code: int, msg: str) -> dict[str, Any]:
    return {"T": "error", "code": code, "msg": msg}


class ProtocolError(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.body = error(code, msg)


@dataclass(frozen=True)
class DataLimits:
    subscriptions_max: int = 1000
    messages_waiting_max: int = 10_000
    bytes_waiting_max: int = 8_000_000
    connections_per_account_max: int = 10


@dataclass(eq=False)
class DataClient:
    account_id: str
    msgpack: bool
    outbox: Outbox
    subs: dict[str, set[str]] = field(default_factory=lambda: {c: set() for c in CHANNELS})

    def encode(self, item: dict[str, Any]) -> bytes:
        return shapes.for_msgpack(item) if self.msgpack else orjson.dumps(
            shapes.for_json(item, keep_type=True))

    def subscription(self) -> dict[str, Any]:
        lists = {c: sorted(self.subs[c]) for c in CHANNELS}
        return {"T": "subscription", **lists,
                **{c: sorted(self.subs["trades"]) for c in FOLLOW_TRADES}}


def parse_subscription(body: dict[str, Any]) -> dict[str, set[str]]:
    """Read the channels of a subscribe/unsubscribe message; raise 400 on a malformed one."""
    out: dict[str, set[str]] = {}
    for channel in (*CHANNELS, *FOLLOW_TRADES):
        value = body.get(channel)
        if value is None:
            continue
        if not isinstance(value, list) or not all(
                isinstance(s, str) and SYMBOL.match(s.upper()) for s in value):
            raise ProtocolError(400, "invalid syntax")
        if channel in CHANNELS:
            out[channel] = {s.upper() for s in value}
    return out


class MarketDataHub:
    def __init__(self, tape_of: Callable[[str], str], limits: DataLimits | None = None) -> None:
        self.limits = limits or DataLimits()
        self._tape_of = tape_of
        self._clients: set[DataClient] = set()
        # channel -> symbol (or "*") -> subscribers: a message finds its clients in one lookup.
        self._index: dict[str, dict[str, set[DataClient]]] = {c: {} for c in CHANNELS}
        self._nbbo: dict[str, tuple[Any, ...]] = {}
        self.stats = {"messages_in": 0, "slow_disconnects": 0}

    def attach(self, bus: EventBus) -> Callable[[], None]:
        return bus.subscribe(MarketUpdate, self.on_market)

    # --- connections ------------------------------------------------------------------------

    def connect(self, account_id: str, msgpack: bool) -> DataClient:
        """Admit a connection, or raise 406 when the account has too many."""
        mine = sum(1 for c in self._clients if c.account_id == account_id)
        if mine >= self.limits.connections_per_account_max:
            raise ProtocolError(406, "connection limit exceeded")
        lim = self.limits
        client = DataClient(account_id, msgpack,
                            Outbox(lim.messages_waiting_max, lim.bytes_waiting_max))
        self._clients.add(client)
        return client

    def disconnect(self, client: DataClient) -> None:
        self._clients.discard(client)
        for channel, symbols in client.subs.items():
            self._unindex(client, channel, symbols)

    def _unindex(self, client: DataClient, channel: str, symbols: set[str]) -> None:
        index = self._index[channel]
        for symbol in symbols:
            members = index.get(symbol)
            if members is not None:
                members.discard(client)
                if not members:
                    del index[symbol]

    def subscribe(self, client: DataClient, wanted: dict[str, set[str]], add: bool) -> None:
        """Add (or remove) subscriptions, all or none; acknowledge with the full list."""
        if add:
            total = sum(len(client.subs[c] | wanted.get(c, set())) for c in CHANNELS)
            if total > self.limits.subscriptions_max:
                raise ProtocolError(405, "symbol limit exceeded")
        for channel, symbols in wanted.items():
            if add:
                client.subs[channel] |= symbols
                for symbol in symbols:
                    self._index[channel].setdefault(symbol, set()).add(client)
            else:
                client.subs[channel] -= symbols
                self._unindex(client, channel, symbols)
        self.tell(client, client.subscription())

    def tell(self, client: DataClient, item: dict[str, Any]) -> None:
        if not client.outbox.put(client.encode(item)):
            self._drop(client)

    def _drop(self, client: DataClient) -> None:
        self.stats["slow_disconnects"] += 1
        self.disconnect(client)
        client.outbox.close(CLOSE_SLOW_CONSUMER, "slow client",
                            client.encode(error(407, "slow client")))

    # --- market data in ---------------------------------------------------------------------

    def on_market(self, update: MarketUpdate) -> None:
        """Shape one update as Alpaca messages and queue them for their subscribers."""
        self.stats["messages_in"] += 1
        if not self._clients:
            return
        for channel, item in self._messages(update):
            index = self._index[channel]
            clients = index.get(update.symbol, set()) | index.get("*", set())
            encoded: dict[bool, bytes] = {}
            for client in clients:
                if client.msgpack not in encoded:
                    encoded[client.msgpack] = client.encode(item)
                if not client.outbox.put(encoded[client.msgpack]):
                    self._drop(client)

    def _messages(self, update: MarketUpdate) -> list[tuple[str, dict[str, Any]]]:
        data, z = update.data, self._tape_of(update.symbol)
        if update.channel == Channel.QUOTES:
            item = shapes.quote(data, z)
            if item is None or not self._nbbo_changed(update.symbol, item):
                return []
            return [("quotes", item)]
        if update.channel == Channel.TRADES:
            return [("trades", shapes.trade(update.symbol, data, z))]
        if update.channel == Channel.BARS:
            if data.get("interval") == "1m" and data.get("final"):
                return [("bars", shapes.bar(data))]
            if data.get("interval") == "1d":
                return [("dailyBars", shapes.bar(data, "d"))]
            return []
        if update.channel == Channel.STATUS:
            return [("statuses", shapes.status(data, z))]
        return []

    def _nbbo_changed(self, symbol: str, item: dict[str, Any]) -> bool:
        key = tuple(item[k] for k in ("bx", "bp", "bs", "ax", "ap", "as"))
        if self._nbbo.get(symbol) == key:
            return False
        self._nbbo[symbol] = key
        return True
