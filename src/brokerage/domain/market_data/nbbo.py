"""The national best bid and offer from each venue's top of book.

The best bid is the highest bid of any venue and the best offer the lowest offer; the size at
each is the sum over the venues quoting that price (they are listed). Across venues the NBBO
may be locked or crossed (one venue's bid at or above another's offer): it is reported as is,
with the flag, because hiding it would hide an arbitrage the router can act on. A single venue
whose own bid is at or above its own ask is a bad tick, dropped before it gets here.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VenueTop:
    """One venue's top of book (ticks and units); a side with no order is None / 0."""

    venue: str
    bid: int | None
    bid_size: int
    ask: int | None
    ask_size: int
    ts_us: int

    @property
    def crossed(self) -> bool:
        """Tell whether this venue's own quote is locked or crossed (a bad tick)."""
        return self.bid is not None and self.ask is not None and self.bid >= self.ask


@dataclass(frozen=True, slots=True)
class Nbbo:
    bid: int | None
    bid_size: int
    bid_venues: tuple[str, ...]
    ask: int | None
    ask_size: int
    ask_venues: tuple[str, ...]

    @property
    def locked_or_crossed(self) -> bool:
        return self.bid is not None and self.ask is not None and self.bid >= self.ask


EMPTY_NBBO = Nbbo(None, 0, (), None, 0, ())


def best_bid_offer(tops: Iterable[VenueTop]) -> Nbbo:
    """Return the NBBO of these venue tops (venues listed in name order at each side)."""
    bid: int | None = None
    ask: int | None = None
    bids: dict[str, int] = {}
    asks: dict[str, int] = {}
    for top in tops:
        if top.bid is not None and top.bid_size > 0:
            if bid is None or top.bid > bid:
                bid, bids = top.bid, {}
            if top.bid == bid:
                bids[top.venue] = top.bid_size
        if top.ask is not None and top.ask_size > 0:
            if ask is None or top.ask < ask:
                ask, asks = top.ask, {}
            if top.ask == ask:
                asks[top.venue] = top.ask_size
    return Nbbo(bid, sum(bids.values()), tuple(sorted(bids)),
                ask, sum(asks.values()), tuple(sorted(asks)))
