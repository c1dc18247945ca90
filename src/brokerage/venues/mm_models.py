"""A market maker's reality models: its parameters and its price-improvement distribution.

Each model is one verb over explicit inputs (the NBBO, a seeded RNG) returning a value; the
market maker only wires them together.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from brokerage.domain.orders.types import Side

PRICE_QUANTUM = Decimal("0.0001")  # sub-penny executions are allowed for retail flow
REBATE_QUANTUM = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class ImprovementModel:
    """A discrete distribution of price improvement per share (USD) with integer weights.

    What is drawn is capped at half the spread, so a fill is never worse than the NBBO and
    never crosses the midpoint in the customer's favour by more than the market maker gives.
    """

    outcomes: tuple[tuple[Decimal, int], ...] = (
        (Decimal("0"), 2), (Decimal("0.0010"), 3), (Decimal("0.0025"), 3), (Decimal("0.0050"), 2),
    )

    def draw(self, rng: random.Random, spread: Decimal) -> Decimal:
        """Draw one improvement for an order facing `spread`."""
        values = [v for v, _ in self.outcomes]
        weights = [w for _, w in self.outcomes]
        drawn = rng.choices(values, weights=weights)[0]
        return _capped(drawn, spread)

    def expected(self, spread: Decimal | None = None) -> Decimal:
        """Return the mean improvement (capped by `spread` when given)."""
        total = sum((w for _, w in self.outcomes), 0)
        if total == 0:
            return Decimal(0)
        mean = sum((_capped(v, spread) * w for v, w in self.outcomes), Decimal(0)) / total
        return mean.quantize(PRICE_QUANTUM, rounding=ROUND_DOWN)


def _capped(improvement: Decimal, spread: Decimal | None) -> Decimal:
    if spread is None:
        return max(improvement, Decimal(0))
    cap = (spread / 2).quantize(PRICE_QUANTUM, rounding=ROUND_DOWN)
    return max(min(improvement, cap), Decimal(0))


@dataclass(frozen=True, slots=True)
class MarketMakerConfig:
    """How one market maker behaves; every knob is explicit and has a stated unit."""

    rebate_per_share_usd: Decimal = Decimal("0.0020")
    max_order_quantity: Decimal = Decimal("1000")
    reject_rate: float = 0.0  # share of orders refused for the venue's own reasons, 0..1
    latency: timedelta = timedelta(0)  # from receiving a message to its answer arriving
    non_marketable: str = "decline"  # "decline" or "forward" (to the exchange)
    improvement: ImprovementModel = field(default_factory=ImprovementModel)
    seed: int = 1


def execution_price(side: Side, bid: Decimal, ask: Decimal, improvement: Decimal) -> Decimal:
    """Return the fill price: the NBBO far side improved by `improvement`, on the quantum."""
    price = ask - improvement if side is Side.BUY else bid + improvement
    return price.quantize(PRICE_QUANTUM)


def rebate_usd(rate_per_share: Decimal, quantity: Decimal) -> Decimal:
    """Return the payment for order flow owed on a fill (rounded down to the quantum)."""
    return (rate_per_share * quantity).quantize(REBATE_QUANTUM, rounding=ROUND_DOWN)
