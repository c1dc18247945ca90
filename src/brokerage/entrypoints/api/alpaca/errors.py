"""Alpaca's error body `{code, message}` with its numeric codes, for /v2 paths only.

The native /v1 API keeps its own error shapes: `install` wraps each existing handler and
answers in Alpaca's shape only when the request path is under /v2.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from brokerage.service_layer.errors import Refused
from brokerage.service_layer.oms import Overloaded

PREFIX = "/v2"
INVALID_INPUT = 40010001  # Alpaca's code for a malformed or invalid request (HTTP 422)
UNPROCESSABLE = 42210000  # a valid request the order's state does not allow (HTTP 422)
CODES = {400: 40010000, 401: 40110000, 403: 40310000, 404: 40410000, 405: 40510000,
         409: 40910000, 422: INVALID_INPUT, 429: 42910000, 500: 50010000, 503: 50310000}
# Our refusal codes that are state conflicts rather than bad input.
STATE_CONFLICTS = frozenset({"ORDER_NOT_CANCELABLE", "ORDER_NOT_REPLACEABLE"})

Handler = Callable[[Request, Any], Awaitable[Response]]


def alpaca_error(status: int, message: str, code: int | None = None) -> JSONResponse:
    return JSONResponse({"code": code or CODES.get(status, status * 100_000), "message": message},
                        status_code=status)


def from_refusal(exc: Refused) -> JSONResponse:
    """Map a refusal: a duplicate client order id is a 422 at Alpaca, not a 409."""
    if exc.code == "DUPLICATE_CLIENT_ORDER_ID":
        return alpaca_error(422, "client_order_id must be unique", INVALID_INPUT)
    code = UNPROCESSABLE if exc.code in STATE_CONFLICTS else None
    return alpaca_error(exc.status, exc.message, code)


def _from_validation(exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
    return alpaca_error(422, f"{where}: {first.get('msg', 'invalid request')}".lstrip(": "))


def _from_http(exc: StarletteHTTPException) -> JSONResponse:
    message = "endpoint not found" if exc.status_code == 404 else str(exc.detail)
    return alpaca_error(exc.status_code, message)


def _from_overload(exc: Overloaded) -> JSONResponse:
    response = alpaca_error(503, str(exc))
    response.headers["Retry-After"] = "1"
    return response


_ALPACA: dict[type[Exception], Callable[[Any], JSONResponse]] = {
    Refused: from_refusal,
    RequestValidationError: _from_validation,
    StarletteHTTPException: _from_http,
    Overloaded: _from_overload,
}


def is_alpaca(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _scoped(native: Handler | None, alpaca: Callable[[Any], JSONResponse]) -> Handler:
    async def handle(request: Request, exc: Any) -> Response:
        if is_alpaca(request.url.path) or native is None:
            return alpaca(exc)
        return await native(request, exc)

    return handle


class NoTrailingSlash:
    """Serve /v2/orders/ as /v2/orders: Alpaca clients never follow redirects."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 4 and path.endswith("/") and is_alpaca(path):
            scope = {**scope, "path": path.rstrip("/"),
                     "raw_path": path.rstrip("/").encode()}
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Answer errors under /v2 in Alpaca's shape; leave every other path to the native ones."""
    for exc_type, alpaca in _ALPACA.items():
        native = app.exception_handlers.get(exc_type)
        app.add_exception_handler(exc_type, _scoped(native, alpaca))
    app.add_middleware(NoTrailingSlash)
