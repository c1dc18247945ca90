"""SIGKILL the server while orders are being placed: every acknowledged order survives."""

import subprocess
import sys
import threading
from decimal import Decimal

import httpx
import pytest

from tests.e2e.server import Server

pytestmark = pytest.mark.e2e


def place_orders(base: str, token: str, acked: list[str], stop: threading.Event) -> None:
    client = httpx.Client(base_url=base, timeout=5,
                          headers={"authorization": f"Bearer {token}"})
    while not stop.is_set():
        try:
            r = client.post("/v1/orders", json={"symbol": "AAPL", "side": "buy", "type": "limit",
                                                "qty": "0.01", "limit_price": "400.00"})
        except httpx.HTTPError:
            return  # the server is gone
        if r.status_code == 201:
            acked.append(r.json()["id"])


def test_acknowledged_orders_survive_a_sigkill(tmp_path):
    server = Server(tmp_path / "brokerage.db").start()
    client = httpx.Client(base_url=server.base, timeout=10)
    token = client.post("/v1/auth/signup", json={"email": "cat@example.com",
                                                 "password": "correct horse"}).json()["token"]
    client.headers["authorization"] = f"Bearer {token}"
    client.post("/v1/transfers", json={"direction": "deposit", "amount": "1000"})
    acked: list[str] = []
    stop = threading.Event()
    workers = [threading.Thread(target=place_orders, args=(server.base, token, acked, stop))
               for _ in range(4)]
    for w in workers:
        w.start()
    while len(acked) < 40:
        threading.Event().wait(0.01)
    server.kill()
    stop.set()
    for w in workers:
        w.join(10)

    restarted = Server(tmp_path / "brokerage.db", port=server.port).start()
    try:
        client = httpx.Client(base_url=restarted.base, timeout=10,
                              headers={"authorization": f"Bearer {token}"})
        held = Decimal(0)
        for order_id in acked:
            order = client.get(f"/v1/orders/{order_id}")
            assert order.status_code == 200, f"acknowledged order {order_id} was lost"
            body = order.json()
            if body["status"] in ("accepted", "new", "partially_filled"):
                remaining = Decimal(body["quantity"]) - Decimal(body["filled_quantity"])
                held += remaining * Decimal(body["limit_price"])
        open_orders = client.get("/v1/orders?status=open&limit=500").json()
        assert {o["id"] for o in open_orders} >= {
            o for o in acked if client.get(f"/v1/orders/{o}").json()["status"] == "new"}
        account = client.get("/v1/account").json()
        all_open_held = sum(
            (Decimal(o["quantity"]) - Decimal(o["filled_quantity"])) * Decimal(o["limit_price"])
            for o in open_orders)
        assert Decimal(account["cash_held_for_orders"]) == all_open_held.quantize(Decimal("0.01"))
        assert all_open_held >= held
    finally:
        restarted.stop()
    verify = subprocess.run([sys.executable, "-m", "brokerage", "--db-url", server.db_url,
                             "audit", "verify"], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    assert "audit chain ok" in verify.stdout
