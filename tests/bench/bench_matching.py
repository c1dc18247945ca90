"""Throughput and latency of the matching engine on a seeded mixed order stream.

The stream is 55% limit adds that rest, 35% cancels of live orders and 10% marketable
orders (market orders and limit orders priced through the touch). It is generated once
(by running it against a scratch book, so cancels name orders that are live at that point),
then replayed against fresh books: untimed per op for throughput (with the cyclic garbage
collector paused, as `timeit` does, and again with it running), then with every Nth op timed
for latency percentiles. A second row times one liquidity-agent step over 150 symbols.
This is the only place in the suite that reads a clock.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from brokerage.adapters.instruments import load_instruments
from brokerage.domain.ids import VenueId
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import Side
from brokerage.venues.exchange import SimulatedExchange
from brokerage.venues.liquidity import LiquidityAgents
from brokerage.venues.matching import book as book_module
from brokerage.venues.matching.book import OrderBook

OPS = 1_000_000
SEED = 20240601
SAMPLE_EVERY = 16
MID = 100_000  # ticks
ADD, CANCEL, MARKET, CROSS = 0, 1, 2, 3

Op = tuple[int, tuple[Any, ...]]


def build_stream(ops: int = OPS, seed: int = SEED) -> list[Op]:
    """Generate the op stream, using a scratch book to know which orders are live."""
    rng = random.Random(seed)
    book = OrderBook()
    live: list[int] = []
    stream: list[Op] = []
    next_id = 0
    for _ in range(ops):
        roll = rng.random()
        if roll < 0.35 and live:
            op = _cancel_op(rng, book, live)
        elif roll < 0.45:
            next_id += 1
            op = _marketable_op(rng, next_id)
        else:
            next_id += 1
            op = _add_op(rng, next_id)
            live.append(next_id)
        if op is None:
            continue
        _apply(book, op)
        stream.append(op)
    return stream


def _add_op(rng: random.Random, order_id: int) -> Op:
    side = Side.BUY if rng.random() < 0.5 else Side.SELL
    offset = rng.randint(1, 40)
    price = MID - offset if side is Side.BUY else MID + offset
    return ADD, (order_id, "p", side, price, rng.randint(1, 10) * 100)


def _cancel_op(rng: random.Random, book: OrderBook, live: list[int]) -> Op | None:
    while live:
        index = rng.randrange(len(live))
        live[index], live[-1] = live[-1], live[index]
        order_id = live.pop()
        if order_id in book:
            return CANCEL, (order_id,)
    return None


def _marketable_op(rng: random.Random, order_id: int) -> Op:
    side = Side.BUY if rng.random() < 0.5 else Side.SELL
    qty = rng.randint(1, 20) * 100
    if rng.random() < 0.5:
        return MARKET, (order_id, "t", side, qty)
    through = rng.randint(1, 5)
    price = MID + through if side is Side.BUY else MID - through
    return CROSS, (order_id, "t", side, price, qty)


def _dispatch(book: OrderBook) -> list[Callable[..., Any]]:
    return [book.add_limit, book.cancel, book.add_market, book.add_limit]


def _apply(book: OrderBook, op: Op) -> None:
    _dispatch(book)[op[0]](*op[1])


def measure_throughput(stream: list[Op], collect_garbage: bool = False) -> float:
    """Replay the stream on a fresh book; return operations per second."""
    handlers = _dispatch(OrderBook())
    was_enabled = gc.isenabled()
    if not collect_garbage:
        gc.disable()
    try:
        started = time.perf_counter_ns()
        for code, args in stream:
            handlers[code](*args)
        elapsed_ns = time.perf_counter_ns() - started
    finally:
        if was_enabled:
            gc.enable()
    return len(stream) / (elapsed_ns / 1e9)


def measure_latency(stream: list[Op]) -> tuple[float, float]:
    """Replay the stream, timing every Nth op; return (p50, p99) in microseconds."""
    handlers = _dispatch(OrderBook())
    clock = time.perf_counter_ns
    samples: list[int] = []
    for index, (code, args) in enumerate(stream):
        if index % SAMPLE_EVERY:
            handlers[code](*args)
            continue
        started = clock()
        handlers[code](*args)
        samples.append(clock() - started)
    samples.sort()
    p50 = samples[len(samples) // 2] / 1000
    p99 = samples[int(len(samples) * 0.99)] / 1000
    return p50, p99


def measure_liquidity_step(symbols: int = 150, steps: int = 200) -> dict[str, Any]:
    """Time LiquidityAgents.step over `symbols` instruments, one simulated second apart."""
    instruments = dict(sorted(load_instruments().items())[:symbols])
    start = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    exchange = SimulatedExchange(VenueId("BENCH"), instruments)
    exchange.set_phase(MarketPhase.REGULAR, start)
    agents = LiquidityAgents(exchange, instruments, seed=SEED)
    agents.seed_books(start)
    samples = []
    for n in range(1, steps + 1):
        started = time.perf_counter_ns()
        agents.step(start + timedelta(seconds=n))
        samples.append(time.perf_counter_ns() - started)
    samples.sort()
    return {
        "name": f"liquidity step ({len(instruments)} symbols)",
        "steps": steps,
        "mean_ms": round(sum(samples) / len(samples) / 1e6, 2),
        "p50_ms": round(samples[len(samples) // 2] / 1e6, 2),
        "p99_ms": round(samples[int(len(samples) * 0.99)] / 1e6, 2),
    }


def run(ops: int = OPS) -> list[dict[str, Any]]:
    """Run the matching and liquidity benchmarks and return their result rows."""
    stream = build_stream(ops)
    ops_per_s = measure_throughput(stream)
    ops_per_s_gc = measure_throughput(stream, collect_garbage=True)
    p50_us, p99_us = measure_latency(stream)
    return [
        {
            "name": "matching engine",
            "build": "python" if book_module.__file__.endswith(".py") else "mypyc",
            "ops": len(stream),
            "ops_per_s": round(ops_per_s),
            "ops_per_s_gc_on": round(ops_per_s_gc),
            "p50_us": round(p50_us, 2),
            "p99_us": round(p99_us, 2),
        },
        measure_liquidity_step(),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
