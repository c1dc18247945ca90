"""In-process OMS with durable group commits: orders/s and ack latency, SQLite and PostgreSQL."""

import asyncio
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.service_layer import commands as cmd
from tests.builders import make_platform, new_customer

ORDERS = 5_000
CONCURRENCY = 256


async def _run(db_url: str, name: str) -> dict[str, object]:
    platform = make_platform(db_url)
    await platform.start()
    account = await new_customer(platform, "bench@example.com")
    await platform.execute(account, cmd.Deposit(AccountId(account), Decimal("250000")))
    await platform.settle()
    order = cmd.PlaceOrder(account_id=AccountId(account), symbol=Symbol("MSFT"), side=Side.BUY,
                           order_type=OrderType.LIMIT, time_in_force=TimeInForce.DAY,
                           quantity=Decimal("0.001"), limit_price=Decimal("20.00"))
    platform.deps.limits = type(platform.deps.limits)(orders_per_second=10**9,
                                                      orders_burst=10**9)
    state = platform.state_for(account)
    state.accounts[AccountId(account)].rate_limiter = type(
        state.accounts[AccountId(account)].rate_limiter)(capacity=10**9, refill_per_s=10**9)
    latencies: list[float] = []
    queue = list(range(ORDERS))

    async def worker() -> None:
        while queue:
            queue.pop()
            started = time.perf_counter()
            await platform.execute(account, order)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    await platform.stop()
    latencies.sort()
    return {"name": f"in-process OMS, durable ({name})", "ops_per_s": ORDERS / elapsed,
            "p50_ms": latencies[len(latencies) // 2] * 1e3,
            "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3}


def run(pg_url: str) -> list[dict[str, object]]:
    from tests.conftest import _fresh_pg_schema

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(asyncio.run(_run(f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite")))
    schemas = _fresh_pg_schema()
    url = next(schemas)
    try:
        rows.append(asyncio.run(_run(url, "PostgreSQL")))
    finally:
        next(schemas, None)
    return rows
