"""The FastAPI application: routes, error mapping and the platform's lifespan."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from brokerage.entrypoints.api import alpaca, web, ws
from brokerage.entrypoints.api.routers import account, admin, auth, market, market_data, orders
from brokerage.entrypoints.api.routers import watchlists as native_watchlists
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.oms import Overloaded
from brokerage.service_layer.platform import Platform

SERVER_GC_THRESHOLDS = (50_000, 20, 20)


def _serving_gc() -> None:
    """Take what start-up built out of the cyclic GC and collect less often.

    Instruments, calendars, books and modules live as long as the process, so a full
    collection under load need not walk them (`gc.freeze`). Python's default young
    collection every 700 allocations promotes the short-lived state of a quote storm into
    the old generation, and full collections of 0.1-0.35 s became a stream's p99.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_GC_THRESHOLDS)


def create_app(platform: Platform, *, manage_lifecycle: bool = True,
               admin_token: str | None = None, serving_gc: bool = False) -> FastAPI:
    """Build the API around a wired platform; start and stop it with the app.

    `admin_token` admits the operator CLI to /admin (the server writes it to its card).
    `serving_gc` tunes the garbage collector for a server process (`brokerage serve` and the
    benches): see `_serving_gc`. Tests that build many apps in one process leave it off.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await app.state.notices.start()  # before the writers: its catch-up misses nothing
        if manage_lifecycle:
            await platform.start()
        await app.state.streams.start()
        await alpaca.start(app)  # the Alpaca streams follow the bus (trade updates, market data)
        if serving_gc:
            _serving_gc()
        yield
        await alpaca.stop(app)
        await app.state.streams.stop()
        if manage_lifecycle:
            await platform.stop()
        await app.state.notices.stop()

    app = FastAPI(title="brokerage", version="0.1.0", lifespan=lifespan,
                  description="Native REST API of the brokerage platform.")
    app.state.platform = platform
    app.state.admin_token = admin_token
    from brokerage.bootstrap_streams import build_order_notifier

    app.state.notices = build_order_notifier(platform)  # fills etc. as stored notifications
    feed = getattr(platform, "market_data", None)  # gives snapshots on subscribe
    app.state.streams = ws.StreamGateway(  # GET /v1/stream (see ws.py)
        platform, snapshot=feed.snapshot if feed is not None else None)
    for router in (auth.router, orders.router, account.router, market.router, admin.router,
                   market_data.router):
        app.include_router(router)
    app.include_router(native_watchlists.router)  # /v1/watchlists, stored with /v2's
    _errors(app)
    alpaca.mount(app)  # /v2 Alpaca-compatible trading routes; Alpaca-style errors under /v2
    app.include_router(ws.router)
    web.mount(app)  # the browser app in web/, only for paths no route claims (web.py)
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(_: Request, exc: Refused) -> JSONResponse:
        body = {"code": exc.code, "message": exc.message}
        if isinstance(exc.body, dict):
            body.update(exc.body)
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return JSONResponse({"code": "INVALID_REQUEST",
                             "message": f"{where}: {first.get('msg', 'invalid request')}"},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"code": f"HTTP_{exc.status_code}", "message": str(exc.detail)},
                            status_code=exc.status_code)

    @app.exception_handler(Overloaded)
    async def overloaded(_: Request, exc: Overloaded) -> JSONResponse:
        return JSONResponse({"code": "OVERLOADED", "message": str(exc)}, status_code=503,
                            headers={"Retry-After": "1"})
