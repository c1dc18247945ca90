"""Orders over HTTP: `brokerage serve` in a child process, 64 concurrent keep-alive clients.

The server runs as `make run` runs it (uvicorn, the simulated clock inside a regular session,
the liquidity agents on, the venues behind FIX) on a free loopback port with a temporary SQLite
database. The bench signs up ACCOUNTS customers (two per client: the per-account order rate
limit, 50/s, is a product rule and would otherwise cap each client) and deposits the instant
$1,000 each. Then CLIENTS keep-alive connections place resting limit buys with POST /v1/orders,
in two phases:

- saturation: each client sends its next order as soon as the previous one is answered. This
  gives the most orders per second; its latency is mostly time spent queued behind the other
  63 clients (Little's law: 64 in flight / throughput), so it says little about the server.
- fixed load: orders are offered on a schedule at OFFERED_SHARE of the saturation rate, spread
  over the same connections, and each latency counts from the scheduled send time, so a
  stalled server cannot hide its queue behind clients that wait (no coordinated omission).
  This is the latency figure.

The clients live in PROCESSES child processes and speak HTTP/1.1 over asyncio streams with
prepared request bytes (status line, Content-Length, body read in full): a general-purpose
client such as httpx spends more CPU per request than the server does, and on two cores that
CPU comes out of the server's share. Each row also gives the server process's own CPU time per
order (all its threads, including the liquidity agents and venues running beside the orders),
which, unlike the rates, does not depend on what else the machine is doing.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
import time
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.e2e.server import Server

CLIENTS = 64
PROCESSES = 2
ACCOUNTS_PER_CLIENT = 2
ORDERS_PER_CLIENT = 100
WARMUP_PER_CLIENT = 5
OFFERED_SHARE = 0.5  # the fixed-load phase offers this share of the saturated rate
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


async def _client(base: str, tokens: list[str], price: str, schedule: list[float],
                  latencies: list[float], statuses: dict[int, int]) -> float:
    """Place one order per entry of `schedule` over one keep-alive connection.

    An entry is the time.time() at which the order is due, or 0 for "as soon as the previous
    one is answered". A due order's latency counts from its due time, so the time it waited
    behind a slow answer on its connection counts too. Return when the measured part began
    (after the warm-up orders).
    """
    connection = await _Connection.open(base)
    body = orjson.dumps({"symbol": SYMBOL, "side": "buy", "type": "limit", "qty": "0.001",
                         "limit_price": price, "time_in_force": "day"})
    requests = [connection.request("/v1/orders", token, body) for token in tokens]
    try:
        for n in range(WARMUP_PER_CLIENT):
            await connection.send(requests[n % len(requests)])
        began = schedule[0] if schedule and schedule[0] else time.time()
        for n, due in enumerate(schedule):
            if due:
                await asyncio.sleep(max(0.0, due - time.time()))
            started = due or time.time()
            status = await connection.send(requests[n % len(requests)])
            latencies.append(time.time() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        connection.close()
    return began


class _Connection:
    """One HTTP/1.1 keep-alive connection with prepared requests: the least a client can do."""

    def __init__(self, host: str, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self._host = host
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, base: str) -> _Connection:
        host_port = base.removeprefix("http://")
        host, port = host_port.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(host_port, reader, writer)

    def request(self, path: str, token: str, body: bytes) -> bytes:
        head = (f"POST {path} HTTP/1.1\r\nHost: {self._host}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        return head.encode() + body

    async def send(self, request: bytes) -> int:
        """Send a request, read the whole response; return its status code."""
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = next((int(line.split(b":", 1)[1]) for line in lines[1:]
                       if line[:15].lower() == b"content-length:"), None)
        if length is None:
            raise RuntimeError(f"no Content-Length in {head!r}")
        await self._reader.readexactly(length)
        return status

    def close(self) -> None:
        self._writer.close()


def _client_process(base: str, token_groups: list[list[str]], price: str,
                    schedules: list[list[float]], start_at: float,
                    ) -> tuple[list[float], dict[int, int], float, float]:
    """Run a share of the clients; return latencies, status counts and the measured interval."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def main() -> tuple[float, float]:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        began = await asyncio.gather(*(
            _client(base, group, price, schedule, latencies, statuses)
            for group, schedule in zip(token_groups, schedules, strict=True)))
        return min(began), time.time()

    started, ended = asyncio.run(main())
    return latencies, statuses, started, ended


def _phase(pool: Any, base: str, groups: list[list[str]], price: str,
           schedules: list[list[float]], start_at: float, processes: int,
           ) -> tuple[list[float], dict[int, int], float]:
    """Run every client's schedule across the processes; return latencies, statuses, seconds."""
    results = pool.starmap(_client_process, [
        (base, groups[p::processes], price, schedules[p::processes], start_at)
        for p in range(processes)])
    latencies = sorted(x for r in results for x in r[0])
    statuses: dict[int, int] = {}
    for r in results:
        for code, count in r[1].items():
            statuses[code] = statuses.get(code, 0) + count
    return latencies, statuses, max(r[3] for r in results) - min(r[2] for r in results)


def _figures(name: str, latencies: list[float], statuses: dict[int, int], elapsed_s: float,
             server_cpu_s: float | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": name, "orders": len(latencies), "ops_per_s": len(latencies) / elapsed_s,
        "p50_ms": latencies[len(latencies) // 2] * 1e3,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3,
        "status": " ".join(f"{code}x{n}" for code, n in sorted(statuses.items()))}
    if server_cpu_s is not None:
        row["server_cpu_us_per_order"] = server_cpu_s / len(latencies) * 1e6
    return row


def measure(base: str, clients: int = CLIENTS, processes: int = PROCESSES,
            orders: int = ORDERS_PER_CLIENT, server_pid: int | None = None,
            ) -> list[dict[str, Any]]:
    """Measure at saturation, then at OFFERED_SHARE of it; return a row for each."""
    tokens, price = asyncio.run(_prepare(base, clients * ACCOUNTS_PER_CLIENT))
    groups = [tokens[i * ACCOUNTS_PER_CLIENT:(i + 1) * ACCOUNTS_PER_CLIENT]
              for i in range(clients)]
    label = f"orders over HTTP ({clients} clients, {processes} client processes)"
    context = multiprocessing.get_context("spawn")
    rows = []
    with context.Pool(processes) as pool:
        cpu = _cpu_s(server_pid)
        latencies, statuses, elapsed = _phase(
            pool, base, groups, price, [[0.0] * orders for _ in groups], time.time() + 1.0,
            processes)
        rows.append(_figures(f"{label}, saturated", latencies, statuses, elapsed,
                             _cpu_s(server_pid, since=cpu)))
        offered = rows[0]["ops_per_s"] * OFFERED_SHARE
        start_at = time.time() + 1.0
        # The schedule starts once the warm-up orders are surely answered (twice the time
        # they take at saturation), so that they do not delay the first scheduled ones.
        first_due = start_at + 2 * WARMUP_PER_CLIENT * clients / rows[0]["ops_per_s"]
        due = [first_due + n / offered for n in range(orders * clients)]
        cpu = _cpu_s(server_pid)
        latencies, statuses, elapsed = _phase(
            pool, base, groups, price, [due[i::clients] for i in range(clients)], start_at,
            processes)
        rows.append(_figures(f"{label}, {offered:,.0f}/s offered", latencies, statuses,
                             elapsed, _cpu_s(server_pid, since=cpu)))
    return rows


def _cpu_s(pid: int | None, since: float | None = None) -> float | None:
    """The process's user + system CPU seconds (Linux /proc), or the time used since `since`."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    used = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if since is None:
        return used
    return used - since


def run() -> list[dict[str, Any]]:
    """Start the server on a temporary database, measure, stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "bench.db").start()
        try:
            assert server.process is not None
            return measure(server.base, server_pid=server.process.pid)
        finally:
            server.stop()


if __name__ == "__main__":
    for row in run():
        print(row)
