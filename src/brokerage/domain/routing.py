"""Best-execution scoring for the smart order router (pure: no I/O, no clock).

Every candidate venue is scored for one order against the NBBO snapshot taken at decision time.
The ranking is lexicographic, in this order of priority: expected price (including the
venue's expected price improvement), then expected fill rate, then the rebate the venue pays
(payment for order flow), then spare capacity. A rebate can therefore only break a tie between
venues that are equally good for the customer: best execution comes before rebates.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from brokerage.domain.ids import Symbol, VenueId
from brokerage.domain.orders.types import OrderType, Side, TimeInForce

ZERO = Decimal(0)
_AUCTION_TIFS = frozenset({TimeInForce.OPG, TimeInForce.CLS})


class Ineligible(StrEnum):
    """Why a venue cannot take an order (recorded with the candidate's score)."""

    BREAKER_OPEN = "ROUTE_BREAKER_OPEN"
    SESSION_DOWN = "ROUTE_SESSION_DOWN"
    ALREADY_TRIED = "ROUTE_ALREADY_TRIED"
    NO_REFERENCE_QUOTE = "ROUTE_NO_REFERENCE_QUOTE"
    NOT_MARKETABLE = "ROUTE_DECLINES_NON_MARKETABLE"
    OVER_CAPACITY = "ROUTE_OVER_CAPACITY"
    AUCTION_ONLY_ON_EXCHANGE = "ROUTE_AUCTION_ONLY_ON_EXCHANGE"


@dataclass(frozen=True, slots=True)
class Nbbo:
    """The national best bid and offer at decision time (either side may be missing)."""

    symbol: Symbol
    bid: Decimal | None
    bid_size: Decimal
    ask: Decimal | None
    ask_size: Decimal

    @property
    def two_sided(self) -> bool:
        return self.bid is not None and self.ask is not None


@dataclass(frozen=True, slots=True)
class VenueProfile:
    """What the router expects of a venue (configured, or learned from its fills)."""

    venue_id: VenueId
    improvement_per_share: Decimal = ZERO  # expected, USD, on marketable orders
    fill_rate: Decimal = Decimal(1)  # expected share of orders that fill, 0..1
    rebate_per_share: Decimal = ZERO  # USD paid to us per share filled
    max_quantity: Decimal | None = None  # the largest order the venue takes
    lit_exchange: bool = False  # has a book: rests, auctions, extended hours
    needs_quote: bool = True  # prices off the NBBO: no two-sided NBBO, no fill


@dataclass(frozen=True, slots=True)
class OrderToRoute:
    side: Side
    order_type: OrderType
    quantity: Decimal
    limit_price: Decimal | None
    time_in_force: TimeInForce


@dataclass(frozen=True, slots=True)
class CandidateScore:
    venue_id: VenueId
    eligible: bool
    reason: str  # an Ineligible code, or "" when eligible
    expected_price: Decimal | None
    fill_rate: Decimal
    rebate_per_share: Decimal
    capacity: Decimal | None


@dataclass(frozen=True, slots=True)
class Decision:
    """The chosen venue (None: nowhere to go) with every candidate's score, best first."""

    venue_id: VenueId | None
    candidates: tuple[CandidateScore, ...]


def marketable(order: OrderToRoute, nbbo: Nbbo) -> bool:
    """Tell whether the order can trade at once against the NBBO."""
    if order.order_type is OrderType.MARKET:
        return (nbbo.ask if order.side is Side.BUY else nbbo.bid) is not None
    if order.limit_price is None:
        return False
    if order.side is Side.BUY:
        return nbbo.ask is not None and order.limit_price >= nbbo.ask
    return nbbo.bid is not None and order.limit_price <= nbbo.bid


def expected_price(order: OrderToRoute, nbbo: Nbbo, profile: VenueProfile) -> Decimal | None:
    """Return the price the order should get at this venue (None when it cannot say)."""
    if marketable(order, nbbo):
        if order.side is Side.BUY:
            assert nbbo.ask is not None
            return nbbo.ask - profile.improvement_per_share
        assert nbbo.bid is not None
        return nbbo.bid + profile.improvement_per_share
    return order.limit_price


def _unavailable(order: OrderToRoute, nbbo: Nbbo, profile: VenueProfile) -> str:
    if order.time_in_force in _AUCTION_TIFS and not profile.lit_exchange:
        return Ineligible.AUCTION_ONLY_ON_EXCHANGE
    if profile.needs_quote and not nbbo.two_sided:
        return Ineligible.NO_REFERENCE_QUOTE
    if not profile.lit_exchange and not marketable(order, nbbo):
        return Ineligible.NOT_MARKETABLE
    if profile.max_quantity is not None and order.quantity > profile.max_quantity:
        return Ineligible.OVER_CAPACITY
    return ""


def score(order: OrderToRoute, nbbo: Nbbo, profile: VenueProfile,
          blocked: str = "") -> CandidateScore:
    """Score one venue for one order; `blocked` is a reason from outside (breaker, session)."""
    reason = blocked or _unavailable(order, nbbo, profile)
    capacity = (None if profile.max_quantity is None
                else max(profile.max_quantity - order.quantity, ZERO))
    return CandidateScore(venue_id=profile.venue_id, eligible=not reason, reason=str(reason),
                          expected_price=expected_price(order, nbbo, profile),
                          fill_rate=profile.fill_rate, rebate_per_share=profile.rebate_per_share,
                          capacity=capacity)


def _rank(order: OrderToRoute, s: CandidateScore) -> tuple[int, Decimal, Decimal, Decimal, Decimal]:
    """Sort key, smaller is better: eligible, price, fill rate, rebate, capacity."""
    price = s.expected_price
    price_key = ZERO if price is None else (price if order.side is Side.BUY else -price)
    capacity = Decimal("1E15") if s.capacity is None else s.capacity
    return (0 if s.eligible else 1, price_key, -s.fill_rate, -s.rebate_per_share, -capacity)


def decide(order: OrderToRoute, nbbo: Nbbo, profiles: list[VenueProfile],
           blocked: dict[VenueId, str]) -> Decision:
    """Rank every venue and choose the best eligible one (ties keep the configured order)."""
    scores = [score(order, nbbo, p, blocked.get(p.venue_id, "")) for p in profiles]
    ranked = tuple(sorted(scores, key=lambda s: _rank(order, s)))  # sorted() is stable
    chosen = ranked[0].venue_id if ranked and ranked[0].eligible else None
    return Decision(venue_id=chosen, candidates=ranked)


def improvement_per_share(side: Side, nbbo_bid: Decimal | None, nbbo_ask: Decimal | None,
                          price: Decimal) -> Decimal | None:
    """Return how much better than the NBBO a fill was, per share (negative: worse)."""
    if side is Side.BUY:
        return None if nbbo_ask is None else nbbo_ask - price
    return None if nbbo_bid is None else price - nbbo_bid


# Reject texts that any venue would give the same order: failing over cannot help, and they
# say nothing about the venue's health. Every other reject is the venue's own (busy, size,
# throttled, no quote...) and counts against its circuit breaker.
CUSTOMER_SIDE_REJECTS = (
    "unknown symbol", "not tradable", "quantity", "decimal places", "fractional",
    "limit price", "not on tick", "unsupported order type", "extended hours orders",
    "market closed", "outside regular trading hours", "duplicate cl_ord_id",
)


def is_venue_side_reject(text: str) -> bool:
    """Tell whether a venue's reject is about the venue (fail over) or the order (don't)."""
    lowered = text.lower()
    return not any(marker in lowered for marker in CUSTOMER_SIDE_REJECTS)
