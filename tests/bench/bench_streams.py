"""Benchmark: conflated quote fan-out to 1,000 WebSocket clients over loopback.

The server (the real app: platform, /v1/stream, the hub) runs in a child process with a feeder
that publishes 25,000 quote ticks/s on the platform's bus. Client processes each hold many
real WebSocket connections (a hand-written RFC 6455 client, so the load generator costs far
less than the server), connect first (not timed), then all subscribe to every symbol on the
250 ms tier; after a warm-up they count the quote updates delivered inside a fixed wall-clock
window (from each frame's "n"; one connection in ten parses every frame whole, checks "n"
and samples tick-to-client latency: receive time minus the time the feeder published the
tick). A second row times the hub alone (no sockets) in CPU seconds.

    python -m tests.bench.bench_streams            # prints the rows
    BENCH_STREAM_CLIENTS=200 ... BENCH_STREAM_PROFILE=/tmp/server.prof   # smaller / profiled
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

import orjson

CLIENTS = int(os.environ.get("BENCH_STREAM_CLIENTS", "1000"))
CLIENT_PROCESSES = int(os.environ.get("BENCH_STREAM_CLIENT_PROCESSES", "4"))
SYMBOLS = 500
TICKS_PER_SYMBOL_S = int(os.environ.get("BENCH_STREAM_TICKS_PER_SYMBOL_S", "50"))
MEASURE_S = 8.0
WARMUP_S = 6.0  # subscribed and flowing before the window opens
SAMPLE_EVERY = 10  # latency sampled on one connection in ten
CONNECT_PARALLEL = 50
TS = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def _symbols() -> list[str]:
    return [f"S{i:04d}" for i in range(SYMBOLS)]


# --- server process ----------------------------------------------------------------------

async def _feed(bus, rate_per_s: float, sent: list[int]) -> None:
    """Publish quote ticks at `rate_per_s`; a late step sends at most 20 ms worth (no bursts)."""
    from brokerage.service_layer.market_events import Channel, MarketUpdate

    names, t0, burst_max = _symbols(), time.monotonic(), int(rate_per_s * 0.02)
    while True:
        await asyncio.sleep(0.005)
        due = min(int((time.monotonic() - t0) * rate_per_s) - sent[0], burst_max)
        for _ in range(due):
            symbol = names[sent[0] % SYMBOLS]
            sent[0] += 1
            cents = 10_000 + sent[0] % 997
            bus.publish(MarketUpdate(Channel.QUOTES, symbol, {
                "bp": f"{cents / 100:.2f}", "ap": f"{(cents // 10 * 10 + 5) / 100:.2f}",
                "bs": 100, "as": 200, "t": time.time_ns()}, TS))
        if due == burst_max:  # behind: give up the backlog rather than block the loop
            t0 = time.monotonic() - sent[0] / rate_per_s


async def _serve(tmp: str) -> None:
    import uvicorn

    from brokerage.entrypoints.api.app import create_app
    from tests.builders import make_platform
    from tests.fakes import FakeVenue

    platform = make_platform(f"sqlite:///{tmp}/bench.db", venue=FakeVenue())
    app = create_app(platform, serving_gc=True)  # as `brokerage serve` runs it
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="error", ws="websockets-sansio",
        ws_per_message_deflate=False, backlog=4096, ws_max_queue=64))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    made = platform.identity.sign_up("bench@example.com", "correct horse battery")
    await platform.open_account(made["account_id"], made["user_id"], made["account_number"],
                                "cash")
    token = platform.identity.log_in("bench@example.com", "correct horse battery")["token"]
    print(f"READY {port} {token}", flush=True)
    sent = [0]
    feeder = asyncio.create_task(_feed(platform.deps.bus, SYMBOLS * TICKS_PER_SYMBOL_S, sent))
    started = time.monotonic()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "stop"
    run_s = time.monotonic() - started
    feeder.cancel()
    server.should_exit = True
    await task
    print(json.dumps({**app.state.streams.hub.stats, "ticks_sent": sent[0], "run_s": run_s}),
          flush=True)


# --- client processes --------------------------------------------------------------------

MD_HEAD = b'[{"type":"md","tier":'


def _count(raw: bytes, sample: bool, latencies: list[int], now: int) -> tuple[int, int]:
    """Return (updates, mismatches): sampled frames are parsed whole and checked against "n"."""
    if not raw.startswith(MD_HEAD):
        return 0, 0
    head = raw[len(MD_HEAD):len(MD_HEAD) + 24]
    n = int(head[head.index(b'"n":') + 4:head.index(b",", head.index(b'"n":'))])
    if not sample:
        return n, 0
    quotes = orjson.loads(raw)[0].get("quotes", {})
    latencies.extend(now - q["t"] for q in quotes.values() if "t" in q)
    return n, int(len(quotes) != n)


def _masked(opcode: int, payload: bytes) -> bytes:
    """A client-to-server frame (clients must mask; the key is fixed, this is a bench)."""
    mask = b"\x01\x02\x03\x04"
    size = len(payload)
    head = bytes([0x80 | opcode]) + (bytes([0x80 | size]) if size < 126 else
                                     bytes([0x80 | 126]) + size.to_bytes(2, "big"))
    body = int.from_bytes(payload, "big") ^ int.from_bytes(mask * (size // 4 + 1), "big") >> (
        8 * (4 - size % 4)) if size else 0
    return head + mask + (body.to_bytes(size, "big") if size else b"")


class LeanClient(asyncio.Protocol):
    """A minimal WebSocket client (RFC 6455 framing by hand) so that one client process can
    read 1,000 frames a second: the load generator must cost far less than the server."""

    def __init__(self, path: str, sample: bool, window: tuple[int, int], totals: dict,
                 latencies: list[int]) -> None:
        self.path, self.sample, self.window = path, sample, window
        self.totals, self.latencies = totals, latencies
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport
        transport.write((f"GET {self.path} HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n").encode())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buffer.startswith(b"HTTP/1.1 101"):
                self.upgraded.set_exception(RuntimeError(bytes(self.buffer[:80]).decode()))
                return
            del self.buffer[:end + 4]
            self.upgraded.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buf, pos = self.buffer, 0
        while len(buf) - pos >= 2:
            size, head = buf[pos + 1] & 0x7F, 2
            if size >= 126:
                head = 4 if size == 126 else 10
                if len(buf) - pos < head:
                    break
                size = int.from_bytes(buf[pos + 2:pos + head], "big")
            if len(buf) - pos < head + size:
                break
            self._frame(buf[pos] & 0x0F, bytes(buf[pos + head:pos + head + size]))
            pos += head + size
        del buf[:pos]

    def _frame(self, opcode: int, payload: bytes) -> None:
        if opcode == 0x9 and self.transport is not None:  # ping: the server's keepalive
            self.transport.write(_masked(0xA, payload))
        elif opcode == 0x8 and not self.closed.done():
            self.closed.set_result(int.from_bytes(payload[:2], "big") if payload else 1005)
        elif opcode == 0x1:
            now = time.time_ns()
            if self.window[0] <= now <= self.window[1]:
                updates, mismatches = _count(payload, self.sample, self.latencies, now)
                self.totals["updates"] += updates
                self.totals["frames"] += int(updates > 0)
                self.totals["bytes"] += len(payload)
                self.totals["mismatches"] += mismatches

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(1006)


async def _connect(url: str, index: int, gate: asyncio.Semaphore, totals: dict,
                   latencies: list[int]) -> LeanClient:
    host_port, path = url.removeprefix("ws://").split("/", 1)
    host, port = host_port.split(":")
    async with gate:
        _, client = await asyncio.get_running_loop().create_connection(
            lambda: LeanClient("/" + path, index % SAMPLE_EVERY == 0, (0, 0), totals,
                               latencies), host, int(port))
        await asyncio.wait_for(client.upgraded, 120)
    return client


async def _clients(url: str, count: int, first: int) -> None:
    """Connect `count` clients, say so, wait for the window's start on stdin, then measure."""
    totals = {"updates": 0, "frames": 0, "bytes": 0, "mismatches": 0, "closed_early": 0}
    latencies: list[int] = []
    gate = asyncio.Semaphore(CONNECT_PARALLEL)
    results = await asyncio.gather(*(_connect(url, first + i, gate, totals, latencies)
                                     for i in range(count)), return_exceptions=True)
    clients = [r for r in results if isinstance(r, LeanClient)]
    errors = [r for r in results if isinstance(r, BaseException)]
    print("CONNECTED", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    start_ns = int(line)
    end_ns = start_ns + int(MEASURE_S * 1e9)
    await asyncio.sleep(max(0.0, (start_ns - WARMUP_S * 1e9 - time.time_ns()) / 1e9))
    subscribe = _masked(0x1, orjson.dumps({"action": "subscribe", "quotes": _symbols()}))
    for client in clients:  # everyone subscribes together, WARMUP_S before the window
        client.window = (start_ns, end_ns)
        client.transport.write(subscribe)  # type: ignore[union-attr]
    await asyncio.sleep(max(0.0, (end_ns - time.time_ns()) / 1e9))
    totals["closed_early"] = sum(1 for c in clients if c.closed.done())
    totals["errors"] = len(errors)
    totals["first_error"] = repr(errors[0]) if errors else ""
    print(json.dumps({**totals, "latencies_ns": latencies[::7]}), flush=True)
    for client in clients:
        client.transport.close()  # type: ignore[union-attr]


# --- the hub alone, in process (no sockets): what our own code costs per update ----------

def _hub_alone(clients: int = CLIENTS, seconds: int = 5) -> dict[str, object]:
    """Drive the hub with a manual clock: 25k ticks/s in, every client drained each flush."""
    from brokerage.service_layer.market_events import Channel, MarketUpdate
    from brokerage.service_layer.streams import StreamHub

    hub, names = StreamHub(), _symbols()
    members = [hub.connect(f"acc-{i}", f"usr-{i}", lambda: None) for i in range(clients)]
    request = orjson.dumps({"action": "subscribe", "quotes": names})
    for client in members:
        hub.handle(client, request)
    per_step = SYMBOLS * TICKS_PER_SYMBOL_S // 100  # one 10 ms step of the feed
    steps = [[MarketUpdate(Channel.QUOTES, names[(s * per_step + i) % SYMBOLS],
                           {"bp": f"{s}.{i}", "ap": "1.00", "t": s}, TS) for i in range(per_step)]
             for s in range(50)]  # made beforehand: the hub's cost, not the feed's, is timed
    delivered, cpu0, wall0 = 0, time.process_time(), time.perf_counter()
    for step in range(seconds * 100):
        for tick in steps[step % 50]:
            hub.on_market(tick)
        hub.flush(step / 100)
        for client in members:
            while (frame := client.take()) is not None:
                delivered += _count(frame.encode(), False, [], 0)[0]
    cpu = time.process_time() - cpu0
    return {"name": f"stream hub alone ({clients} clients, {SYMBOLS} symbols, 250 ms)",
            "updates_per_cpu_s": round(delivered / cpu),
            "updates_per_s": round(delivered / (time.perf_counter() - wall0)),
            "ticks_in_per_s": per_step * 100}


# --- the parent --------------------------------------------------------------------------

def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile_ms(values: list[int], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct))] / 1e6 if ordered else -1.0


def run() -> list[dict[str, object]]:
    """Run server and clients, measure one window, and report what the clients received."""
    with tempfile.TemporaryDirectory() as tmp:
        server = _spawn("serve", tmp)
        clients: list[subprocess.Popen[str]] = []
        try:
            _, port, token = server.stdout.readline().split()  # type: ignore[union-attr]
            url = f"ws://127.0.0.1:{port}/v1/stream?token={token}"
            per = CLIENTS // CLIENT_PROCESSES
            clients = [_spawn("clients", url, str(per), str(i * per))
                       for i in range(CLIENT_PROCESSES)]
            for client in clients:  # connecting 1,000 clients is not part of the window
                client.stdout.readline()  # type: ignore[union-attr]
            start = time.time() + WARMUP_S + 1
            for client in clients:
                client.stdin.write(f"{int(start * 1e9)}\n")  # type: ignore[union-attr]
                client.stdin.flush()  # type: ignore[union-attr]
            time.sleep(max(0.0, start - time.time()))
            cpu0 = [_cpu_s(p.pid) for p in (server, *clients)]
            time.sleep(MEASURE_S)
            cpu = [_cpu_s(p.pid) - c0 for p, c0 in zip((server, *clients), cpu0, strict=True)]
            outputs = [json.loads(c.communicate(timeout=120)[0].splitlines()[-1])
                       for c in clients]
            stats_line = server.communicate("stop\n", timeout=60)[0].strip().splitlines()
        finally:
            for process in (server, *clients):
                if process.poll() is None:
                    process.kill()
    return [_hub_alone(), _row(outputs, cpu, stats_line[-1] if stats_line else "{}")]


def _spawn(*args: str) -> "subprocess.Popen[str]":
    return subprocess.Popen([sys.executable, "-m", "tests.bench.bench_streams", *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _row(outputs: list[dict], cpu_s: list[float], stats_json: str) -> dict[str, object]:
    latencies = [v for o in outputs for v in o["latencies_ns"]]
    updates = sum(o["updates"] for o in outputs)
    stats = json.loads(stats_json) if stats_json.startswith("{") else {}
    return {
        "name": f"stream fan-out ({CLIENTS} ws clients, {SYMBOLS} symbols, 250 ms)",
        "updates_per_s": round(updates / MEASURE_S),
        "frames_per_s": round(sum(o["frames"] for o in outputs) / MEASURE_S),
        "mb_per_s": round(sum(o["bytes"] for o in outputs) / MEASURE_S / 1e6, 1),
        "latency_ms_p50": round(_percentile_ms(latencies, 0.50), 1),
        "latency_ms_p99": round(_percentile_ms(latencies, 0.99), 1),
        "server_cpu_pct": round(100 * cpu_s[0] / MEASURE_S),
        "clients_cpu_pct": round(100 * sum(cpu_s[1:]) / MEASURE_S),
        "updates_per_server_cpu_s": round(updates / cpu_s[0]) if cpu_s[0] else -1,
        "ticks_in_per_s": round(stats.get("ticks_sent", 0) / stats.get("run_s", 1)),
        "client_errors": sum(o["errors"] + o["closed_early"] for o in outputs),
        "count_mismatches": sum(o["mismatches"] for o in outputs),
        "first_error": next((o["first_error"] for o in outputs if o["first_error"]), ""),
        "demotions": stats.get("demotions", "?"),
        "slow_disconnects": stats.get("slow_disconnects", "?"),
    }


def _main(argv: list[str]) -> None:
    if argv[:1] == ["serve"]:
        import uvloop

        if os.environ.get("BENCH_STREAM_PROFILE"):  # a cProfile dump of the server
            import cProfile

            cProfile.runctx("uvloop.run(_serve(argv[1]))", globals(),
                            {"uvloop": uvloop, "argv": argv},
                            os.environ["BENCH_STREAM_PROFILE"])
            return
        uvloop.run(_serve(argv[1]))
    elif argv[:1] == ["clients"]:
        import uvloop

        uvloop.run(_clients(argv[1], int(argv[2]), int(argv[3])))
    else:
        for row in run():
            print(row)


if __name__ == "__main__":
    _main(sys.argv[1:])
