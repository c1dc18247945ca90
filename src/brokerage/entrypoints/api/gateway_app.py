"""The app of a stream-only gateway process: `GET /v1/stream` over the shared Redis feed.

No OMS, no venues, no market data pipeline: market data arrives over Redis pub/sub from the
`brokerage serve` that publishes it, with the latest state of each subscribed symbol read from
Redis for the snapshot. Orders, fills and notifications need a cross-process bus the platform
does not have yet, so a gateway's clients get market data only (`"user_events": false` in the
welcome message); a client that needs them connects to `brokerage serve` itself.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from brokerage.entrypoints.api import ws


def create_gateway_app(platform: Any) -> FastAPI:
    """Build the gateway's app around a `StreamOnlyPlatform` (see bootstrap_streams)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await app.state.streams.start()
        yield
        await app.state.streams.stop()

    app = FastAPI(title="brokerage stream gateway", version="0.1.0", lifespan=lifespan,
                  description="GET /v1/stream from the shared market data feed.")
    app.state.platform = platform
    app.state.streams = ws.StreamGateway(platform, cache_url=platform.cache_url,
                                         cache_prefix=platform.cache_prefix, user_events=False)

    @app.get("/v1/health")
    async def health() -> dict[str, Any]:
        """Say what this process is and how its feed is doing."""
        gateway: ws.StreamGateway = app.state.streams
        fanout = gateway.fanout
        return {"role": "gateway", "user_events": False,
                "symbols_watched": len(gateway.hub.watched_symbols()),
                "feed": {"received": fanout.received if fanout else 0,
                         "dropped": fanout.dropped if fanout else 0}}

    app.include_router(ws.router)
    return app
