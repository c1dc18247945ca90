"""Trading phases of a US equities session (times are in America/New_York)."""

from enum import StrEnum


class MarketPhase(StrEnum):
    CLOSED = "closed"  # overnight, weekends, holidays
    PRE_MARKET = "pre_market"  # 04:00-09:30: extended-hours limit orders only
    REGULAR = "regular"  # 09:30-16:00 (13:00 on early-close days)
    POST_MARKET = "post_market"  # 16:00-20:00 (13:00-17:00 on early-close days)
