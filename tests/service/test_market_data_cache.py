"""The quote cache contract, run against the in-memory adapter and the local Redis."""

import uuid
from collections.abc import Iterator

import pytest

from brokerage.adapters.quote_cache import InMemoryQuoteCache, RedisQuoteCache

REDIS_URL = "redis://127.0.0.1:6379/0"
QUOTE = {"symbol": "AAPL", "bid": "430.40", "ask": None, "stale": False, "updated_us": 17,
         "venues": {"XSIM": {"bid": "430.40", "bid_size": "100"}}}


@pytest.fixture(params=["memory", "redis"])
def cache(request: pytest.FixtureRequest) -> Iterator[InMemoryQuoteCache | RedisQuoteCache]:
    if request.param == "memory":
        yield InMemoryQuoteCache()
        return
    redis_cache = RedisQuoteCache(REDIS_URL, prefix=f"test-{uuid.uuid4().hex}:")
    try:
        yield redis_cache
    finally:
        redis_cache.delete(["AAPL", "MSFT"])
        redis_cache.close()


def test_a_stored_quote_comes_back_field_for_field(cache) -> None:
    cache.put_many({"AAPL": QUOTE})
    assert cache.get_many(["AAPL"]) == {"AAPL": QUOTE}


def test_a_symbol_never_stored_is_absent(cache) -> None:
    cache.put_many({"AAPL": QUOTE})
    assert cache.get_many(["MSFT", "AAPL"]) == {"AAPL": QUOTE}


def test_a_later_quote_replaces_the_fields_it_carries(cache) -> None:
    cache.put_many({"AAPL": QUOTE})
    cache.put_many({"AAPL": {**QUOTE, "ask": "430.60", "stale": True}})
    assert cache.get_many(["AAPL"])["AAPL"]["ask"] == "430.60"
    assert cache.get_many(["AAPL"])["AAPL"]["stale"] is True


def test_redis_keeps_one_hash_per_symbol_under_its_prefix() -> None:
    import redis

    prefix = f"test-{uuid.uuid4().hex}:"
    cache = RedisQuoteCache(REDIS_URL, prefix=prefix)
    try:
        cache.put_many({"AAPL": QUOTE, "MSFT": {**QUOTE, "symbol": "MSFT"}})
        client = redis.Redis.from_url(REDIS_URL)
        assert sorted(client.keys(f"{prefix}*")) == [f"{prefix}quote:AAPL".encode(),
                                                     f"{prefix}quote:MSFT".encode()]
        assert client.type(f"{prefix}quote:AAPL") == b"hash"
        client.close()
    finally:
        cache.delete(["AAPL", "MSFT"])
        cache.close()
