"""`brokerage gateway`: a stateless stream gateway beside `brokerage serve` (issue 4 scale-out).

It holds no lock on the database (it only reads sessions and API keys), so several run beside
the one `brokerage serve` that owns the database; each serves its own WebSocket clients from
the shared Redis feed (`BROKERAGE_CACHE_URL`, same `BROKERAGE_CACHE_PREFIX` as the server).
"""

import argparse
import os
import sys
from typing import Any

from brokerage.config import Settings


def cmd_gateway(args: argparse.Namespace) -> int:
    """Serve GET /v1/stream from the shared feed; no OMS, venues or market data pipeline."""
    import uvicorn

    from brokerage.bootstrap_streams import GatewayNotReady, build_stream_gateway
    from brokerage.entrypoints.api.gateway_app import create_gateway_app

    settings = Settings.from_env(dict(os.environ), database_url=args.db_url,
                                 cache_url=args.cache_url)
    try:
        platform = build_stream_gateway(settings)
    except GatewayNotReady as exc:
        print(f"brokerage gateway: {exc}", file=sys.stderr)
        return 1
    print(f"brokerage gateway: streams on ws://{args.host}:{args.port}/v1/stream from "
          f"{settings.cache_url} (prefix {settings.cache_prefix}); market data only; "
          f"database {settings.database_url} (read only)", flush=True)
    uvicorn.run(create_gateway_app(platform), host=args.host, port=args.port,
                log_level=args.log_level, access_log=False, ws_per_message_deflate=False)
    return 0


def add_gateway_command(sub: Any) -> None:
    gateway = sub.add_parser("gateway", help="serve /v1/stream from the shared Redis feed "
                             "(beside a running `brokerage serve`)")
    gateway.add_argument("--host", default="127.0.0.1")
    gateway.add_argument("--port", type=int, default=8100)
    gateway.add_argument("--cache-url", help="the Redis feed (default: BROKERAGE_CACHE_URL)")
    gateway.add_argument("--log-level", default="warning")
    gateway.set_defaults(func=cmd_gateway)
