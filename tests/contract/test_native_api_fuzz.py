"""Fuzz the native API from its own OpenAPI document with schemathesis: no input gives a 5xx.

The app runs in-process on the real platform (OMS, router and simulated exchange with seeded
books, ledger, database) with its lifespan started, so a fuzzed order, transfer, alert or
watchlist reaches the service layer. Requests carry the bearer token of a signed-up customer
with cash; operations with an id in the path are fuzzed a second time with the id of a real
order, watchlist, alert or key, so replace, cancel and edits of existing records are fuzzed as
well as the 404 paths. Operator
routes (/admin, market halts) are fuzzed with the server's admin token on a platform of their
own, since a fuzzed kill switch would stop the customer's orders.

Not fuzzed here: the WebSocket streams (/v1/stream, and Alpaca's /stream and /v2/{feed}), which
are not HTTP operations and so not in the OpenAPI document, and the Alpaca-compatible routes
(/v2, /v1beta*), which follow Alpaca's contract and have their own suite.

Generation is deterministic (derandomized, no example database) and bounded per operation.
Cases come from schemathesis' per-operation strategies under `hypothesis.given`, not from
`schema.parametrize()`: a schema loaded from a fixture (the app needs a running platform) uses
`schemathesis.pytest.from_fixture`, whose runner breaks on pytest 9 (`Function._nodeid`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from brokerage.entrypoints.api.app import create_app
from tests.builders import make_platform
from tests.conftest import _fresh_pg_schema

PASSWORD = "correct horse battery"
DEPOSIT_USD = "100000"
ADMIN_TOKEN = "fuzz-admin-token"
MAX_EXAMPLES = 20  # per operation and mode: the whole file stays near two minutes, loaded
OPERATOR_PATHS = r"^/admin/|^/v1/market/halts/"
NATIVE_PATHS = r"^/v1/(?!beta)|^/admin/"
CHECKS = [not_a_server_error, response_schema_conformance]


class Api:
    """A running app (on its own event loop thread), the headers and real record ids to use."""

    def __init__(self, portal: Any, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self._portal = portal
        self._client = client
        self.headers = headers
        self.real_ids: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self._portal.call(
            partial(self._client.request, method, url, **kwargs))
        return response

    def send(self, case: Any) -> httpx.Response:
        kwargs = case.as_transport_kwargs(base_url="http://test", headers=self.headers)
        kwargs.pop("cookies", None)
        if "data" in kwargs:  # requests' raw body is httpx's `content`
            kwargs["content"] = kwargs.pop("data")
        return self.request(**kwargs)


@contextmanager
def running(app: Any, headers: dict[str, str]) -> Iterator[Api]:
    """Run the app's lifespan (the platform starts) and serve requests in process."""
    with start_blocking_portal() as portal, \
            portal.wrap_async_context_manager(app.router.lifespan_context(app)):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test")
        try:
            yield Api(portal, client, headers)
        finally:
            portal.call(client.aclose)


def _platform(tmp: Path, backend: str) -> Iterator[Any]:
    """The real platform with seeded books; a deposit is buying power at once."""
    urls = [f"sqlite:///{tmp / 'brokerage.db'}"] if backend == "sqlite" else _fresh_pg_schema()
    for url in urls:
        yield make_platform(url, liquidity=True, exchange_journal=tmp / "exchange.jsonl",
                            instant_deposit_limit_usd=Decimal(DEPOSIT_USD))


def _load(api: Api) -> Any:
    """The app's own OpenAPI document, as served."""
    return schemathesis.openapi.from_dict(api.request("GET", "/openapi.json").json())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def customer_api(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A customer with $100,000, 10 AAPL, a resting order, a watchlist, an alert and a key."""
    for platform in _platform(tmp_path_factory.mktemp("fuzz"), request.param):
        with running(create_app(platform), {}) as api:
            made = api.request("POST", "/v1/auth/signup",
                               json={"email": "fuzz@example.com", "password": PASSWORD})
            assert made.status_code == 201, made.text
            api.headers = {"Authorization": f"Bearer {made.json()['token']}"}
            api.real_ids = _seed(api)
            yield api


def _seed(api: Api) -> dict[str, str]:
    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = api.request("POST", path, json=body, headers=api.headers)
        assert answer.status_code in (200, 201), answer.text
        result: dict[str, Any] = answer.json()
        return result

    post("/v1/transfers", {"direction": "deposit", "amount": DEPOSIT_USD})
    post("/v1/orders", {"symbol": "AAPL", "side": "buy", "qty": "10"})
    quote = api.request("GET", "/v1/quotes", params={"symbols": "AAPL"}).json()["quotes"]["AAPL"]
    below = (Decimal(quote["bid"]) * Decimal("0.8")).quantize(Decimal("0.01"))  # in the collar
    resting = post("/v1/orders", {"symbol": "AAPL", "side": "buy", "type": "limit", "qty": "1",
                                  "limit_price": str(below), "time_in_force": "gtc"})
    watchlist = post("/v1/watchlists", {"name": "fuzz", "symbols": ["AAPL"]})
    alert = post("/v1/alerts", {"symbol": "AAPL", "direction": "above", "price": "1000"})
    key = post("/v1/api-keys", {"label": "fuzz"})
    return {"order_id": resting["id"], "watchlist_id": watchlist["id"], "alert_id": alert["id"],
            "key_id": key["key_id"], "symbol": "AAPL", "client_order_id": resting.get(
                "client_order_id") or "none"}


@pytest.fixture(scope="module")
def operator_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    for platform in _platform(tmp_path_factory.mktemp("fuzz-admin"), "sqlite"):
        app = create_app(platform, admin_token=ADMIN_TOKEN)
        with running(app, {"X-Admin-Token": ADMIN_TOKEN}) as api:
            yield api


def _negatable(operation: Any) -> bool:
    """Whether any input of the operation can be invalid (a body, or a constrained parameter).

    Negative generation of an operation with only free-text parameters gives up after many
    tries without sending anything, so those are left to the positive run.
    """
    if operation.definition.raw.get("requestBody"):
        return True
    free = {"type": "string"}
    return any({k: v for k, v in p.get("schema", {}).items() if k != "title"} != free
               for p in operation.definition.raw.get("parameters", []))


def _fuzz(api: Api, schema: Any, mode: GenerationMode) -> list[str]:
    """Run every operation's cases in `mode`; return the failures, one line each."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if mode == GenerationMode.NEGATIVE and not _negatable(operation):
            continue
        strategies = [operation.as_strategy(mode)]
        names = {p.name for p in operation.path_parameters}
        real = {name: value for name, value in api.real_ids.items() if name in names}
        if real:  # the same kind of input against records that exist
            strategies.append(operation.as_strategy(mode, path_parameters=real))
        for strategy in strategies:
            failure = _run(api, strategy)
            if failure:
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    return failures


def _run(api: Api, strategy: Any) -> str | None:
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case: Any) -> None:
        case.validate_response(api.send(case), checks=CHECKS)

    try:
        check()
    except Unsatisfiable:  # nothing in this operation can be made invalid (negative mode)
        return None
    except Exception as exc:  # a failed check, or the app raised: report it, fuzz the rest
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_no_customer_request_gets_a_server_error(customer_api: Api, mode: GenerationMode,
                                                 ) -> None:
    schema = _load(customer_api).include(path_regex=NATIVE_PATHS).exclude(
        path_regex=OPERATOR_PATHS)
    failures = _fuzz(customer_api, schema, mode)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_no_operator_request_gets_a_server_error(operator_api: Api, mode: GenerationMode,
                                                 ) -> None:
    schema = _load(operator_api).include(path_regex=OPERATOR_PATHS)
    failures = _fuzz(operator_api, schema, mode)
    assert not failures, "\n\n".join(failures)


def test_the_fuzzed_operations_cover_the_native_api(operator_api: Api) -> None:
    """Guard against filters that silently fuzz nothing, or fuzz the Alpaca surface."""
    schema = _load(operator_api)
    customer = {r.ok().path for r in schema.include(path_regex=NATIVE_PATHS)
                .exclude(path_regex=OPERATOR_PATHS).get_all_operations()}
    operator = {r.ok().path for r in schema.include(path_regex=OPERATOR_PATHS)
                .get_all_operations()}
    assert {"/v1/orders", "/v1/orders/{order_id}", "/v1/transfers", "/v1/alerts",
            "/v1/watchlists/{watchlist_id}", "/v1/auth/signup"} <= customer
    assert {"/admin/users", "/v1/market/halts/{symbol}"} <= operator
    assert not any(p.startswith(("/v2", "/v1beta")) for p in customer | operator)


def test_docs_serve_the_openapi_ui_with_the_error_shape(operator_api: Api) -> None:
    docs = operator_api.request("GET", "/docs")
    document = operator_api.request("GET", "/openapi.json").json()

    assert docs.status_code == 200 and "swagger-ui" in docs.text.lower()
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {"code", "message"}
    assert "422" in document["paths"]["/v1/orders"]["post"]["responses"]
