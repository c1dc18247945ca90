"""The Alpaca-compatible surface for alpaca-py and its bots: the Trading API v2 (routes under
/v2), the Market Data API v2 for stocks (/v2/stocks), and both streams (/stream, /v2/{feed})."""

from fastapi import APIRouter, FastAPI

from brokerage.entrypoints.api.alpaca import (
    account,
    errors,
    market,
    market_data,
    market_latest,
    orders,
    positions,
    stream_data,
    stream_trading,
    watchlists,
)

ROUTERS: tuple[APIRouter, ...] = (orders.router, positions.router, account.router,
                                  market.router, watchlists.router, market_latest.router,
                                  market_data.router, stream_trading.router, stream_data.router)


def mount(app: FastAPI) -> None:
    """Add the /v2 routes, both streams and Alpaca-style errors for /v2 paths (after native ones).

    The streams listen to the bus between `start` and `stop` (call them in the app's lifespan).
    """
    platform = app.state.platform
    app.state.alpaca_trading_stream = stream_trading.TradingStreamGateway(platform)
    app.state.alpaca_data_stream = stream_data.DataStreamGateway(platform)
    for router in ROUTERS:
        app.include_router(router)
    errors.install(app)


async def start(app: FastAPI) -> None:
    """Start following the bus: trade updates (numbered for replay) and market data."""
    await app.state.alpaca_trading_stream.start()
    await app.state.alpaca_data_stream.start()


async def stop(app: FastAPI) -> None:
    await app.state.alpaca_data_stream.stop()
    await app.state.alpaca_trading_stream.stop()
