"""Orders over HTTP: `brokerage serve` in a child process, 64 concurrent keep-alive clients.

The server runs as `make run` runs it (uvicorn, the simulated clock inside a regular session,
the liquidity agents on) on a free loopback port with a temporary SQLite database. The bench
signs up ACCOUNTS customers (two per client: the per-account order rate limit, 50/s, is a
product rule and would otherwise cap each client), deposits the instant $1,000 each, then
runs CLIENTS concurrent clients that each place ORDERS_PER_CLIENT resting limit buys with
POST /v1/orders over one keep-alive connection, timing each request on the client side.

The clients live in PROCESSES child processes (asyncio + httpx): one client process would
itself be the bottleneck. On a 2-core machine they compete with the server for the CPU, so
the figure is a floor for the server, not its ceiling.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
import time
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server import Server

CLIENTS = 64
PROCESSES = 2
ACCOUNTS_PER_CLIENT = 2
ORDERS_PER_CLIENT = 100
WARMUP_PER_CLIENT = 5
SYMBOL = "MSFT"


async def _sign_up(client: httpx.AsyncClient, n: int) -> str:
    made = await client.post("/v1/auth/signup", json={"email": f"bench{n}@example.com",
                                                      "password": "correct horse"})
    made.raise_for_status()
    token = str(made.json()["token"])
    deposit = await client.post("/v1/transfers", json={"direction": "deposit", "amount": "1000"},
                                headers={"authorization": f"Bearer {token}"})
    deposit.raise_for_status()
    return token


async def _prepare(base: str, accounts: int) -> tuple[list[str], str]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        tokens: list[str] = []
        for start in range(0, accounts, 8):  # argon2 is CPU-bound: a few at a time
            tokens += await asyncio.gather(*(_sign_up(client, n)
                                             for n in range(start, min(start + 8, accounts))))
        asset = await client.get(f"/v1/assets/{SYMBOL}")
        asset.raise_for_status()
    return tokens, _resting_price(asset.json())


def _resting_price(asset: dict[str, Any]) -> str:
    """Pick a limit 20% under the reference price: it rests, well inside the 50% price band."""
    last = Decimal(str(asset["reference_price"]))
    return str((last * Decimal("0.8")).quantize(Decimal("0.01"), rounding=ROUND_DOWN))


async def _client(base: str, tokens: list[str], price: str, orders: int,
                  latencies: list[float], statuses: dict[int, int]) -> None:
    body = {"symbol": SYMBOL, "side": "buy", "type": "limit", "qty": "0.001",
            "limit_price": price, "time_in_force": "day"}
    headers = [{"authorization": f"Bearer {t}"} for t in tokens]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        for n in range(WARMUP_PER_CLIENT + orders):
            started = time.perf_counter()
            response = await client.post("/v1/orders", json=body, headers=headers[n % 2])
            elapsed = time.perf_counter() - started
            if n >= WARMUP_PER_CLIENT:
                latencies.append(elapsed)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1


def _client_process(base: str, token_groups: list[list[str]], price: str, orders: int,
                    start_at: float) -> tuple[list[float], dict[int, int], float, float]:
    """Run a share of the clients; return latencies, status counts and the busy interval."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def main() -> tuple[float, float]:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        started = time.time()
        await asyncio.gather(*(_client(base, group, price, orders, latencies, statuses)
                               for group in token_groups))
        return started, time.time()

    started, ended = asyncio.run(main())
    return latencies, statuses, started, ended


def measure(base: str, clients: int = CLIENTS, processes: int = PROCESSES,
            orders: int = ORDERS_PER_CLIENT) -> dict[str, Any]:
    """Place clients × orders limit orders from `processes` processes; return the figures."""
    tokens, price = asyncio.run(_prepare(base, clients * ACCOUNTS_PER_CLIENT))
    groups = [tokens[i * ACCOUNTS_PER_CLIENT:(i + 1) * ACCOUNTS_PER_CLIENT]
              for i in range(clients)]
    start_at = time.time() + 1.0
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        results = pool.starmap(_client_process, [(base, groups[p::processes], price, orders,
                                                  start_at) for p in range(processes)])
    latencies = sorted(x for r in results for x in r[0])
    statuses: dict[int, int] = {}
    for r in results:
        for code, count in r[1].items():
            statuses[code] = statuses.get(code, 0) + count
    elapsed = max(r[3] for r in results) - min(r[2] for r in results)
    return {
        "name": f"orders over HTTP ({clients} clients, {processes} client processes)",
        "orders": len(latencies),
        "ops_per_s": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1e3,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3,
        "status": " ".join(f"{code}x{n}" for code, n in sorted(statuses.items())),
    }


def run() -> list[dict[str, Any]]:
    """Start the server on a temporary database, measure, stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "bench.db").start()
        try:
            return [measure(server.base)]
        finally:
            server.stop()


if __name__ == "__main__":
    for row in run():
        print(row)
