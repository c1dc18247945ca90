"""The real platform with its venues behind loopback FIX acceptors, on a manual clock.

`open_world` builds the platform as `brokerage serve` does in fix mode (the exchange, MM1 and
MM2 each behind an acceptor on a free port; the router logs on to each), seeds the exchange's
AAPL book from an in-process liquidity provider (430.00 x 430.50, 100 each side), and opens a
funded account. Time moves only when a test lets it: `until` advances the manual clock in
small steps while it waits for something to happen over the sessions.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from brokerage.adapters.clock import ManualClock
from brokerage.domain.execution import NewOrderRequest
from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.ledger import dangling_holds
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.service_layer import commands as cmd
from brokerage.venues.fix.acceptor import FixVenueServer
from brokerage.venues.fix.runtime import stop_sessions
from tests.builders import SESSION_TIME, make_platform, new_customer

AAPL = Symbol("AAPL")
BID, ASK = Decimal("430.00"), Decimal("430.50")
STEP = timedelta(milliseconds=10)  # clock time per poll while waiting
POLL_S = 0.01
WAIT_S = 15.0
DEPOSIT = Decimal("20000")  # all of it spendable at once (instant deposit limit)


@dataclass
class FixWorld:
    platform: Any
    clock: ManualClock
    tmp: Path
    account: str = ""
    street_reports: list[Any] = field(default_factory=list)

    @property
    def served(self) -> Any:
        return self.platform.sessions

    @property
    def router(self) -> Any:
        return self.platform.deps.venue

    def client(self, venue_id: str) -> Any:
        return self.served.deployment.clients[venue_id]

    async def until(self, predicate: Callable[[], Any], timeout_s: float = WAIT_S,
                    step: timedelta = STEP, drain: bool = True) -> None:
        """Let clock time pass in steps until `predicate()` holds, then let the writers commit
        (unless `drain` is False: a commit may be meant to hang).

        Fails after the timeout.
        """
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout_s}s")
            self.clock.advance(step)
            await asyncio.sleep(POLL_S)
        for partition in self.platform.partitions if drain else ():
            await partition.drain()

    async def place(self, quantity: str, limit: str | None = None, side: Side = Side.BUY) -> Any:
        return await self.platform.execute(self.account, cmd.PlaceOrder(
            account_id=AccountId(self.account), symbol=AAPL, side=side,
            order_type=OrderType.LIMIT if limit else OrderType.MARKET,
            time_in_force=TimeInForce.DAY, quantity=Decimal(quantity),
            limit_price=Decimal(limit) if limit else None))

    def street(self, side: Side, quantity: str, price: str, cl_ord_id: str) -> None:
        """Another participant's limit order on the exchange (in process, under its lock)."""
        self.platform.exchange.submit("street", NewOrderRequest(
            cl_ord_id=cl_ord_id, symbol=AAPL, side=side, order_type=OrderType.LIMIT,
            quantity=Decimal(quantity), time_in_force=TimeInForce.DAY,
            limit_price=Decimal(price), extended_hours=False, ts=self.clock.now()))

    async def kill_venues(self, *venue_ids: str) -> None:
        """Stop venues' acceptors (their sessions drop) and wait for the router to see it."""
        servers = [s for s in self.served.deployment.servers if s.config.venue_id in venue_ids]
        await asyncio.to_thread(stop_sessions, servers)
        await self.until(lambda: not any(self.client(v).is_up() for v in venue_ids))

    async def kill_router_session(self, venue_id: str) -> None:
        """Log the router's session to a venue out and stop it (the venue keeps running)."""
        await asyncio.to_thread(self.client(venue_id).stop)

    async def restart_venues(self, *venue_ids: str) -> None:
        """Serve the same venues again on the same ports and stores; wait for the logons."""
        servers = self.served.deployment.servers
        for index, server in enumerate(servers):
            if server.config.venue_id in venue_ids:
                fresh = FixVenueServer(server.venue, server.config, self.clock, server.lock)
                await asyncio.to_thread(fresh.start)
                servers[index] = fresh
        await self.until(lambda: all(self.client(v).is_up() for v in venue_ids))

    def orders(self) -> dict[str, Any]:
        return dict(self.platform.state_for(self.account).orders)

    def state_position(self) -> Decimal:
        position = self.platform.state_for(self.account).positions.get((self.account, AAPL))
        return Decimal(0) if position is None else Decimal(position.quantity)

    def ledger(self) -> Any:
        return self.platform.state_for(self.account).ledger


async def open_world(db_url: str, tmp: Path, account: str = "") -> FixWorld:
    """Build and start the platform; a new account unless `account` (a restart) is given."""
    clock = ManualClock(SESSION_TIME)
    platform = make_platform(db_url, clock=clock, venue_transport="fix", fix_base_port=0,
                             fix_dir=tmp, exchange_journal=tmp / "exchange.jsonl",
                             instant_deposit_limit_usd=DEPOSIT)
    world = FixWorld(platform, clock, tmp, account)
    exchange = platform.exchange  # every call holds the served venues' lock
    exchange.set_phase(MarketPhase.REGULAR, clock.now())
    exchange.connect("street", world.street_reports.append, world.street_reports.append)
    if not account:
        world.street(Side.BUY, "100", str(BID), "lp-bid")
        world.street(Side.SELL, "100", str(ASK), "lp-ask")
    await platform.start()
    assert all(c.is_up() for c in world.served.deployment.clients.values())
    if not account:
        world.account = await new_customer(platform)
        await platform.execute(world.account, cmd.Deposit(AccountId(world.account),
                                                          DEPOSIT))
    return world


def assert_books_balance(platform: Any) -> None:
    for partition in platform.partitions:
        state = partition.state
        state.ledger.check_invariants()
        assert state.ledger.totals("USD") == 0
        assert dangling_holds(state.ledger, set(state.orders)) == []
