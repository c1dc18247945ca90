"""The real API app in this process on a manual clock, for browser tests that steer the market.

`brokerage serve` runs on a simulated clock with live liquidity, so nothing there goes stale
on cue. Here uvicorn serves `create_app` (the same routes, stream and web app) on a loopback
port from its own thread and event loop; the test feeds trade prints into the market data
service and moves the clock, so a quote goes stale (and fresh again) exactly when told.
"""

import asyncio
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import uvicorn

from brokerage.adapters.clock import ManualClock
from brokerage.domain.execution import TradePrint
from brokerage.domain.ids import Symbol, VenueId
from brokerage.entrypoints.api.app import create_app
from tests.builders import SESSION_TIME, make_platform
from tests.e2e.server import free_port


class InProcessServer:
    """Looks like tests.e2e.server.Server to the fixtures (`base`, `db_url`, start, stop)."""

    def __init__(self, db_path: Path) -> None:
        self.db_url = f"sqlite:///{db_path}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.clock = ManualClock(SESSION_TIME)
        self.platform: Any = None
        self._server: uvicorn.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout_s: float = 60) -> "InProcessServer":
        self.platform = make_platform(self.db_url, clock=self.clock)
        config = uvicorn.Config(create_app(self.platform), host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_until_complete,
                                        args=(self._server.serve(),), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(30)

    def trade(self, symbol: str, price: str, size: str = "5") -> None:
        """Print a trade on the tape now (on the server's loop, where the feed lives)."""
        assert self._loop is not None
        done = threading.Event()
        print_ = TradePrint(VenueId("XSIM"), Symbol(symbol), Decimal(price), Decimal(size),
                            self.clock.now())

        def feed() -> None:
            self.platform.market_data.on_trade_print(print_)
            done.set()

        self._loop.call_soon_threadsafe(feed)
        assert done.wait(10), "the server loop did not take the trade print"

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))
