"""Fixed builders for tests: a platform on a manual clock inside a regular session."""

from datetime import UTC, datetime
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
