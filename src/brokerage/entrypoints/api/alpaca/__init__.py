"""The Alpaca Trading API v2 compatible surface (routes under /v2), for alpaca-py and its bots."""

from fastapi import APIRouter, FastAPI

from brokerage.entrypoints.api.alpaca import account, errors, market, orders, positions, watchlists

ROUTERS: tuple[APIRouter, ...] = (orders.router, positions.router, account.router,
                                  market.router, watchlists.router)


def mount(app: FastAPI) -> None:
    """Add the /v2 trading routes and Alpaca-style errors for /v2 paths (call after native ones)."""
    for router in ROUTERS:
        app.include_router(router)
    errors.install(app)
