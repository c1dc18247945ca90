"""One real `brokerage serve` for this directory, driven by alpaca-py's TradingClient.

Each test opens its own account, so tests do not see each other's orders or positions.
"""

import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from alpaca.trading.client import TradingClient

from tests.e2e.server import Server

PASSWORD = "correct horse battery"


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("alpaca") / "brokerage.db").start()
    yield s
    s.stop()


def open_account(server: Server, email: str, deposit: str = "1000") -> TradingClient:
    """Sign up on the native API, deposit, make a key pair; return an alpaca-py client."""
    native = httpx.Client(base_url=server.base, timeout=10)
    made = native.post("/v1/auth/signup", json={"email": email, "password": PASSWORD})
    assert made.status_code == 201, made.text
    native.headers["authorization"] = f"Bearer {made.json()['token']}"
    if Decimal(deposit) > 0:
        paid = native.post("/v1/transfers", json={"direction": "deposit", "amount": deposit})
        assert paid.status_code == 201, paid.text
    key = native.post("/v1/api-keys", json={"label": "alpaca-py"}).json()
    return TradingClient(key["key_id"], key["secret_key"], paper=True, url_override=server.base)


@pytest.fixture(scope="package")
def new_trader(server: Server) -> Callable[..., TradingClient]:
    count = iter(range(1_000_000))

    def make(deposit: str = "1000") -> TradingClient:
        return open_account(server, f"trader{next(count)}@example.com", deposit)

    return make


def wait_until(probe: Callable[[], Any], done: Callable[[Any], bool],
               timeout_s: float = 15.0) -> Any:
    """Poll `probe` until `done(result)` or the time is up; return the last result."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if done(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def raw(server: Server, client: TradingClient) -> httpx.Client:
    """An HTTP client with the same key pair, to check statuses the SDK hides (204, 207)."""
    return httpx.Client(base_url=server.base, timeout=10, follow_redirects=False, headers={
        "APCA-API-KEY-ID": client._api_key, "APCA-API-SECRET-KEY": client._secret_key})


def last_price(server: Server, symbol: str) -> Decimal:
    quote = httpx.get(f"{server.base}/v1/quotes", params={"symbols": symbol}).json()
    return Decimal(quote["quotes"][symbol]["last"] or quote["quotes"][symbol]["previous_close"])
