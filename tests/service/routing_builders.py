"""A platform behind a smart order router over in-process venues, on a manual clock.

The exchange's book is seeded by a liquidity provider (AAPL 430.00 x 430.50, 100 each side),
so the NBBO is known. Market makers answer through a manual scheduler: a test moves the clock
and runs what is due, nothing sleeps.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from brokerage.adapters.clock import ManualClock
from brokerage.adapters.instruments import load_instruments
from brokerage.adapters.scheduler import ManualScheduler
from brokerage.bootstrap_routing import exchange_profile, market_maker_profile
from brokerage.domain.breaker import CircuitBreaker
from brokerage.domain.execution import NewOrderRequest
from brokerage.domain.ids import AccountId, Symbol, VenueId
from brokerage.domain.ledger import dangling_holds
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.routing import SmartOrderRouter
from brokerage.service_layer.routing_records import ImmediateRecorder
from brokerage.venues.exchange import SimulatedExchange
from brokerage.venues.market_maker import MarketMaker
from brokerage.venues.mm_models import ImprovementModel, MarketMakerConfig
from tests.builders import SESSION_TIME, make_platform, new_customer

AAPL = Symbol("AAPL")
BID, ASK = Decimal("430.00"), Decimal("430.50")
XSIM = VenueId("XSIM")


def a_maker(improvement: str = "0.05", rebate: str = "0.0020", **kw: Any) -> MarketMakerConfig:
    """A market maker that always improves by `improvement` and pays `rebate` per share."""
    model = ImprovementModel(((Decimal(improvement), 1),))
    return MarketMakerConfig(rebate_per_share_usd=Decimal(rebate), improvement=model, **kw)


@dataclass
class World:
    platform: Any
    clock: ManualClock
    scheduler: ManualScheduler
    exchange: SimulatedExchange
    router: SmartOrderRouter
    makers: dict[str, MarketMaker]
    account: str = ""
    lp_reports: list[Any] = field(default_factory=list)

    async def settle(self, advance: timedelta = timedelta(0)) -> None:
        """Move the clock, then deliver and book everything that is due."""
        if advance:
            self.clock.advance(advance)
        for _ in range(100):
            for partition in self.platform.partitions:
                await partition.drain()
            if self.scheduler.run_due() == 0:
                return

    async def place(self, quantity: str = "2", side: Side = Side.BUY,
                    limit: str | None = None) -> Any:
        order = await self.platform.execute(self.account, cmd.PlaceOrder(
            account_id=AccountId(self.account), symbol=AAPL, side=side,
            order_type=OrderType.LIMIT if limit else OrderType.MARKET,
            time_in_force=TimeInForce.DAY, quantity=Decimal(quantity),
            limit_price=Decimal(limit) if limit else None))
        await self.settle()
        return order

    async def cancel(self, order_id: str) -> Any:
        order = await self.platform.execute(self.account, cmd.CancelOrder(
            AccountId(self.account), order_id))  # type: ignore[arg-type]
        await self.settle()
        return order

    def provide(self, side: Side, qty: str, price: str, cl: str) -> None:
        """Another participant's resting order on the exchange."""
        self.exchange.submit("lp", NewOrderRequest(
            cl_ord_id=cl, symbol=AAPL, side=side, order_type=OrderType.LIMIT,
            quantity=Decimal(qty), time_in_force=TimeInForce.DAY, limit_price=Decimal(price),
            extended_hours=False, ts=self.clock.now()))

    def state(self) -> Any:
        return self.platform.state_for(self.account)


async def build_world(db_url: str, makers: dict[str, MarketMakerConfig],
                      with_exchange: bool = True, failure_threshold: int = 1,
                      ack_timeout: timedelta = timedelta(seconds=2),
                      cool_down: timedelta = timedelta(seconds=5),
                      fresh_account: bool = True, **settings: Any) -> World:
    clock = ManualClock(SESSION_TIME)
    scheduler = ManualScheduler(clock)
    exchange = SimulatedExchange(XSIM, load_instruments())
    exchange.set_phase(MarketPhase.REGULAR, clock.now())
    built = {name: MarketMaker(VenueId(name), exchange, clock, scheduler, config,
                               exchange=exchange)
             for name, config in makers.items()}
    venues: list[Any] = [exchange] if with_exchange else []
    profiles = [exchange_profile(XSIM)] if with_exchange else []
    venues += list(built.values())
    profiles += [market_maker_profile(m) for m in built.values()]
    router = SmartOrderRouter(
        venues, profiles, market=exchange, clock=clock, scheduler=scheduler,
        recorder=ImmediateRecorder(), ids=lambda: str(uuid.uuid4()), ack_timeout=ack_timeout,
        breaker=lambda: CircuitBreaker(failure_threshold=failure_threshold, cool_down=cool_down))
    platform = make_platform(db_url, venue=router, clock=clock, **settings)
    world = World(platform, clock, scheduler, exchange, router, built)
    exchange.connect("lp", world.lp_reports.append, world.lp_reports.append)
    world.provide(Side.BUY, "100", str(BID), "lp-bid")
    world.provide(Side.SELL, "100", str(ASK), "lp-ask")
    await platform.start()
    if not fresh_account:  # a restart on the same database
        return world
    world.account = await new_customer(platform)
    await platform.execute(world.account, cmd.Deposit(AccountId(world.account),
                                                      Decimal("1000")))
    return world


def assert_books_balance(platform: Any) -> None:
    for partition in platform.partitions:
        state = partition.state
        state.ledger.check_invariants()
        assert state.ledger.totals("USD") == 0
        assert dangling_holds(state.ledger, set(state.orders)) == []
