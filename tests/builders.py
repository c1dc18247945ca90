"""Fixed builders for tests: a platform on a manual clock inside a regular session."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from brokerage.adapters.clock import ManualClock
from brokerage.bootstrap import build_platform
from brokerage.config import Settings

# Tuesday 2026-11-24, 10:00 New York time: a regular session.
SESSION_TIME = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def make_platform(db_url: str, venue: Any = None, clock: ManualClock | None = None,
                  **settings: Any) -> Any:
    """Wire the real platform on `db_url`, with a manual clock and no liquidity agents."""
    options = {"database_url": db_url, "clock": "manual", "liquidity": False, **settings}
    return build_platform(Settings(**options), clock=clock or ManualClock(SESSION_TIME),
                          venue=venue)


async def new_customer(platform: Any, email: str = "ann@example.com") -> str:
    """Sign up a customer and return the account id."""
    made = platform.identity.sign_up(email, "correct horse battery", "cash")
    await platform.open_account(made["account_id"], made["user_id"], made["account_number"],
                                "cash")
    return str(made["account_id"])


async def started_platform(db_url: str, venue: Any, *, last: str | None = "100",
                           at: datetime = SESSION_TIME, **settings: Any) -> Any:
    """Start the platform on `venue` (a fake), with AAPL's last sale at `last` (none if None).

    Tests that restart a platform on the same database call this again with the same venue.
    """
    from brokerage.domain.execution import TradePrint
    from brokerage.domain.ids import Symbol, VenueId

    if last is not None:
        aapl = Symbol("AAPL")
        venue.last[aapl] = TradePrint(VenueId("FAKE"), aapl, Decimal(last), Decimal("1"), at)
    platform = make_platform(db_url, venue=venue, **settings)
    await platform.start()
    return platform


@asynccontextmanager
async def funded_world(db_url: str, *, cash: str = "1000", last: str | None = "100",
                       at: datetime = SESSION_TIME, venue: Any = None,
                       **settings: Any) -> AsyncIterator[Any]:
    """Yield (platform, venue, account): a started platform on `venue` (a `FakeVenue` unless
    given), AAPL's last sale at `last`, and a customer with `cash` deposited."""
    from brokerage.domain.ids import AccountId
    from brokerage.service_layer import commands as cmd
    from tests.fakes import FakeVenue

    venue = FakeVenue() if venue is None else venue
    platform = await started_platform(db_url, venue, last=last, at=at, **settings)
    try:
        account = await new_customer(platform)
        await platform.execute(account, cmd.Deposit(AccountId(account), Decimal(cash)))
        yield platform, venue, account
    finally:
        await platform.stop()


async def settle(platform: Any) -> None:
    """Wait until every partition has applied and committed what it was given."""
    for partition in platform.partitions:
        await partition.drain()


def linked_order(account: str, order_class: str, quantity: str, *, side: str = "buy",
                 limit: str | None = "100.00", take_profit: str | None = "110.00",
                 stop: str | None = "90.00", trail_percent: str | None = None,
                 symbol: str = "AAPL") -> Any:
    """Build a bracket / oco / oto PlaceOrder (fixed prices unless told)."""
    from decimal import Decimal

    from brokerage.domain.ids import AccountId, Symbol
    from brokerage.domain.orders import classes
    from brokerage.domain.orders.types import OrderType, Side, TimeInForce
    from brokerage.service_layer import commands as cmd

    def dec(value: str | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    loss = None
    if stop is not None or trail_percent is not None:
        loss = classes.stop_loss(dec(stop), trail_percent=dec(trail_percent))
    return cmd.PlaceOrder(
        account_id=AccountId(account), symbol=Symbol(symbol), side=Side(side),
        order_type=OrderType.LIMIT if limit else OrderType.MARKET,
        time_in_force=TimeInForce.GTC if order_class != "oto" else TimeInForce.DAY,
        quantity=Decimal(quantity), limit_price=dec(limit),
        order_class=classes.OrderClass(order_class),
        take_profit=classes.take_profit(Decimal(take_profit)) if take_profit else None,
        stop_loss=loss)
