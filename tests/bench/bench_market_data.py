"""Benchmark: ticks/s through normalize + cache + candles, in one process.

A tick goes through the feed's symbol map and validation, the per-symbol latest state and the
1m candle; every 50 ms of tape time the timer's work is done too, as the platform does it:
finalize due candles (and roll them up to 5m ... 1w), build the quote of every symbol that
changed (conflated) and write those quotes to the in-memory cache. Nothing listens on the bus,
so nothing is published (the service publishes only when someone listens).

Three inputs, each reported on its own row:
- ticks already parsed to integers (what a binary feed handler hands over);
- the simulated exchange's TradePrint objects as its book makes them: Decimal price and size
  plus the book's integers (`units`), and a datetime; the feed converts only the time. This is
  the real venue path (the exchange feeds the pipeline in process, listener by listener);
- TradePrints with Decimals only (a venue without integers, e.g. decoded from FIX), converted
  at the edge.
The prints are built before the clock starts: what is timed starts at the feed handler.
"""

import gc
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from time import perf_counter_ns, process_time_ns
from typing import Any

from brokerage.adapters.calendar import XnysCalendar
from brokerage.adapters.quote_cache import InMemoryQuoteCache
from brokerage.adapters.session_windows import XnysSessionWindows
from brokerage.domain.execution import TradePrint
from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.market_data.ticks import to_us
from brokerage.service_layer.market_feed import MarketFeed

TICKS = 600_000
SYMBOLS = 188  # as many as the platform's instruments
START = datetime(2026, 11, 24, 14, 30, 59, tzinfo=UTC)  # the tape crosses 14:31
# The tape runs at 333,333 ticks per second of tape time (the target rate), so each 50 ms
# flush of the platform timer covers as many ticks as it would at that rate in wall time.
TICK_GAP_US = 3
FLUSH_EVERY_US = 50_000  # the platform timer's period


def _tape(seed: int = 3) -> list[tuple[str, str, int, int, int]]:
    rng = random.Random(seed)
    symbols = [f"S{i:03d}" for i in range(SYMBOLS)]
    prices = {s: rng.randrange(50_0000, 500_0000) for s in symbols}
    start, out = to_us(START), []
    for i in range(TICKS):
        symbol = symbols[rng.randrange(SYMBOLS)]
        prices[symbol] += rng.choice((-100, 0, 100))
        out.append((symbol, "XSIM", prices[symbol], rng.randrange(1, 500) * 10**9,
                    start + i * TICK_GAP_US))
    return out


def _pipeline() -> tuple[MarketFeed, InMemoryQuoteCache]:
    windows = XnysSessionWindows(XnysCalendar())
    return MarketFeed([f"S{i:03d}" for i in range(SYMBOLS)], windows), InMemoryQuoteCache()


def _flush(feed: MarketFeed, cache: InMemoryQuoteCache, now_us: int) -> int:
    collected = feed.collect(now_us)
    cache.put_many({c.symbol: feed.quote_view(c.symbol, feed.day_candle(c.symbol))
                    for c in collected.changed})
    return len(collected.candles)


def _packets(ticks: list[Any], times: list[int]) -> list[tuple[list[Any], int]]:
    """Cut the tape where the platform timer would flush: (ticks, flush time) pairs."""
    out, start, next_flush = [], 0, times[0] + FLUSH_EVERY_US
    for i, ts in enumerate(times):
        if ts >= next_flush:
            out.append((ticks[start:i], next_flush))
            start, next_flush = i, next_flush + FLUSH_EVERY_US
    out.append((ticks[start:], times[-1] + 60_000_000))
    return out


def _run(ingest: Callable[[MarketFeed, list[Any]], None], ticks: list[Any],
         times: list[int]) -> tuple[float, float, int]:
    feed, cache = _pipeline()
    packets, candles = _packets(ticks, times), 0
    gc.collect()
    gc.freeze()  # the input tape is not the pipeline's garbage: keep the collector off it
    t0, cpu0 = perf_counter_ns(), process_time_ns()
    for packet, flush_at in packets:
        ingest(feed, packet)
        candles += _flush(feed, cache, flush_at)
    elapsed_s, cpu_s = (perf_counter_ns() - t0) / 1e9, (process_time_ns() - cpu0) / 1e9
    gc.unfreeze()
    assert feed.counters.accepted == len(ticks)
    return len(ticks) / elapsed_s, len(ticks) / cpu_s, candles


def _ingest_raw(feed: MarketFeed, packet: list[Any]) -> None:
    feed.ingest_batch(packet)


def _ingest_print(feed: MarketFeed, packet: list[Any]) -> None:
    on_print = feed.on_trade_print
    for trade in packet:
        on_print(trade)


def run() -> list[dict[str, object]]:
    """Time the tape through the pipeline: parsed ints, exchange prints, Decimal-only prints."""
    tape = _tape()
    times = [t[4] for t in tape]
    raw_rate, raw_cpu_rate, candles = _run(_ingest_raw, list(tape), times)
    rows: list[dict[str, object]] = [
        {"name": "market data ticks (parsed ints)", "ticks_per_s": round(raw_rate),
         "ticks_per_cpu_s": round(raw_cpu_rate), "ticks": TICKS, "symbols": SYMBOLS,
         "candles": candles}]
    for name, with_units in (("exchange prints", True), ("Decimal-only prints", False)):
        prints = [TradePrint(VenueId(v), Symbol(s), Decimal(p).scaleb(-4), Decimal(q).scaleb(-9),
                             START + timedelta(microseconds=ts - times[0]),
                             (p, q) if with_units else None)
                  for s, v, p, q, ts in tape]
        rate, cpu_rate, _ = _run(_ingest_print, prints, times)
        rows.append({"name": f"market data ticks ({name})", "ticks_per_s": round(rate),
                     "ticks_per_cpu_s": round(cpu_rate), "ticks": TICKS, "symbols": SYMBOLS})
    # Wall time suffers when other processes share the cores; CPU time says what one core does.
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
