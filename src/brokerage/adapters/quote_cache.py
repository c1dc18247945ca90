"""Quote cache adapters: in memory (one process) and Redis (a hash per symbol, shared).

Each quote is a flat mapping of JSON-able fields. Redis stores one hash per symbol under
`{prefix}quote:{symbol}`, each field's value JSON-encoded (so None, bools and the per-venue
map survive the trip); writes of one flush go in one pipeline.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

Row = dict[str, Any]


class InMemoryQuoteCache:
    def __init__(self) -> None:
        self._quotes: dict[str, Row] = {}

    def put_many(self, quotes: Mapping[str, Mapping[str, Any]]) -> None:
        for symbol, quote in quotes.items():
            self._quotes[symbol] = dict(quote)

    def get_many(self, symbols: Sequence[str]) -> dict[str, Row]:
        return {s: dict(self._quotes[s]) for s in symbols if s in self._quotes}

    def close(self) -> None:
        self._quotes.clear()


class RedisQuoteCache:
    """A hash per symbol in Redis (BROKERAGE_CACHE_URL)."""

    def __init__(self, url: str, prefix: str = "brokerage:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def key(self, symbol: str) -> str:
        return f"{self._prefix}quote:{symbol}"

    def put_many(self, quotes: Mapping[str, Mapping[str, Any]]) -> None:
        if not quotes:
            return
        pipe = self._redis.pipeline(transaction=False)
        for symbol, quote in quotes.items():
            pipe.hset(self.key(symbol), mapping={k: orjson.dumps(v) for k, v in quote.items()})
        pipe.execute()

    def get_many(self, symbols: Sequence[str]) -> dict[str, Row]:
        pipe = self._redis.pipeline(transaction=False)
        for symbol in symbols:
            pipe.hgetall(self.key(symbol))
        out: dict[str, Row] = {}
        for symbol, fields in zip(symbols, pipe.execute(), strict=True):
            if fields:
                out[symbol] = {k.decode(): orjson.loads(v) for k, v in fields.items()}
        return out

    def delete(self, symbols: Sequence[str]) -> None:
        if symbols:
            self._redis.delete(*(self.key(s) for s in symbols))

    def close(self) -> None:
        self._redis.close()
