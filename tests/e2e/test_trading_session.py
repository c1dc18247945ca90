"""The scripted session of the README, against the real server process."""

import time
from decimal import Decimal

import httpx
import pytest

from tests.e2e.server import Server

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "brokerage.db").start()
    yield s
    s.stop()


def wait_for(client, path, predicate, timeout_s=30.0):
    deadline = time.monotonic() + timeout_s
    while True:
        body = client.get(path).json()
        if predicate(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def test_sign_up_deposit_buy_sell_and_see_realized_pnl_and_lots(server):
    client = httpx.Client(base_url=server.base, timeout=10)
    made = client.post("/v1/auth/signup", json={"email": "ann@example.com",
                                                "password": "correct horse"})
    assert made.status_code == 201, made.text
    client.headers["authorization"] = f"Bearer {made.json()['token']}"
    deposit = client.post("/v1/transfers", json={"direction": "deposit", "amount": "1000"})
    assert deposit.status_code == 201, deposit.text
    assert client.get("/v1/account").json()["buying_power"] == "1000.00"

    buy = client.post("/v1/orders", json={"symbol": "AAPL", "side": "buy", "type": "market",
                                          "qty": "1"}, headers={"Idempotency-Key": "b1"})
    assert buy.status_code == 201, buy.text
    again = client.post("/v1/orders", json={"symbol": "AAPL", "side": "buy", "type": "market",
                                            "qty": "1"}, headers={"Idempotency-Key": "b1"})
    assert again.json()["id"] == buy.json()["id"]
    filled = wait_for(client, f"/v1/orders/{buy.json()['id']}",
                      lambda o: o["status"] == "filled")
    assert filled["status"] == "filled", filled
    assert len(filled["fills"]) >= 1
    assert [h["status"] for h in filled["history"]][-1] == "filled"

    sell = client.post("/v1/orders", json={"symbol": "AAPL", "side": "sell", "type": "market",
                                           "qty": "0.4"})
    assert sell.status_code == 201, sell.text
    sold = wait_for(client, f"/v1/orders/{sell.json()['id']}", lambda o: o["status"] == "filled")
    assert sold["status"] == "filled", sold

    positions = client.get("/v1/positions").json()
    assert positions[0]["symbol"] == "AAPL"
    assert Decimal(positions[0]["quantity"]) == Decimal("0.6")
    assert Decimal(positions[0]["lots"][0]["quantity"]) == Decimal("0.6")
    realized = client.get("/v1/realized").json()
    assert Decimal(realized[0]["quantity"]) == Decimal("0.4")
    portfolio = client.get("/v1/portfolio").json()
    expected = sum(Decimal(r["realized_pnl"]) for r in realized)
    assert Decimal(portfolio["realized_pnl"]) == expected


def test_malformed_input_gets_a_clear_error_and_changes_nothing(server):
    client = httpx.Client(base_url=server.base, timeout=10)
    made = client.post("/v1/auth/signup", json={"email": "bob@example.com",
                                                "password": "correct horse"}).json()
    client.headers["authorization"] = f"Bearer {made['token']}"
    bad = client.post("/v1/orders", json={"symbol": "AAPL", "side": "buy", "qty": "abc"})
    assert bad.status_code == 422 and bad.json()["code"] == "INVALID_REQUEST"
    unknown = client.post("/v1/orders", json={"symbol": "NOPE", "side": "buy", "qty": "1"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "ASSET_NOT_FOUND"
    broke = client.post("/v1/orders", json={"symbol": "AAPL", "side": "buy", "qty": "1"})
    assert broke.status_code == 403
    assert broke.json()["code"] == "RISK_INSUFFICIENT_BUYING_POWER"
    assert client.get("/v1/orders?status=open").json() == []
    assert httpx.get(f"{server.base}/v1/account").status_code == 401
