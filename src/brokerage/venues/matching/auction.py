"""Single-price call auction (opening and closing crosses).

The clearing price is chosen among the distinct limit prices of the participating orders (the
reference price when only market orders take part) and is the one that

1. maximizes executed volume,
2. then minimizes the imbalance |demand - supply| at that price,
3. then is nearest the reference price (equally near: the lower price).

All eligible orders execute at that single price, in price-time priority within each side
(market orders first, then better limit prices, then earlier arrival numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from brokerage.domain.orders.types import Side
from brokerage.venues.matching.book import AuctionFill, OrderBook, OrderKey


@dataclass(frozen=True, slots=True)
class AuctionOrder:
    order_id: OrderKey
    side: Side
    price: int | None  # None: market order
    qty: int
    seq: int  # arrival number: lower is earlier


@dataclass(frozen=True, slots=True)
class ClearingPrice:
    price: int | None  # None when nothing can execute
    volume: int
    imbalance: int


def choose_price(orders: Sequence[AuctionOrder], reference: int) -> ClearingPrice:
    """Pick the clearing price of a call auction."""
    candidates = sorted({o.price for o in orders if o.price is not None}) or [reference]
    demand = _cumulative_demand(orders, candidates)
    supply = _cumulative_supply(orders, candidates)
    best: tuple[int, int, int, int] | None = None
    for price, bought, sold in zip(candidates, demand, supply, strict=True):
        volume = min(bought, sold)
        key = (-volume, abs(bought - sold), abs(price - reference), price)
        if best is None or key < best:
            best = key
    assert best is not None
    volume, imbalance, _, price = -best[0], best[1], best[2], best[3]
    if volume == 0:
        return ClearingPrice(None, 0, imbalance)
    return ClearingPrice(price, volume, imbalance)


def match_at(orders: Sequence[AuctionOrder], price: int) -> list[AuctionFill]:
    """Execute every order eligible at `price` in price-time priority within each side."""
    buys = sorted(
        (o for o in orders if o.side is Side.BUY and (o.price is None or o.price >= price)),
        key=lambda o: (o.price is not None, -(o.price or 0), o.seq),
    )
    sells = sorted(
        (o for o in orders if o.side is Side.SELL and (o.price is None or o.price <= price)),
        key=lambda o: (o.price is not None, o.price or 0, o.seq),
    )
    fills: list[AuctionFill] = []
    b = s = 0
    buy_left = buys[0].qty if buys else 0
    sell_left = sells[0].qty if sells else 0
    while b < len(buys) and s < len(sells):
        qty = min(buy_left, sell_left)
        buy_left -= qty
        sell_left -= qty
        fills.append(
            AuctionFill(buys[b].order_id, sells[s].order_id, price, qty, buy_left, sell_left)
        )
        if not buy_left:
            b += 1
            buy_left = buys[b].qty if b < len(buys) else 0
        if not sell_left:
            s += 1
            sell_left = sells[s].qty if s < len(sells) else 0
    return fills


def uncross(
    book: OrderBook, queued: Sequence[AuctionOrder], reference: int
) -> tuple[ClearingPrice, list[AuctionFill]]:
    """Run a call auction over the queued orders plus the book's resting orders.

    Resting orders that execute are filled in the book; the queued orders are left to the
    caller, who learns what remains of each from the fills' `*_remaining` fields.
    """
    resting = [
        AuctionOrder(o.order_id, o.side, o.price, o.qty, o.seq)
        for side in (Side.BUY, Side.SELL)
        for o in book.resting(side)
    ]
    orders = resting + list(queued)
    clearing = choose_price(orders, reference)
    if clearing.price is None:
        return clearing, []
    fills = match_at(orders, clearing.price)
    for fill in fills:
        for order_id in (fill.buy_id, fill.sell_id):
            if order_id in book:
                book.execute_resting(order_id, fill.qty)
    return clearing, fills


def _cumulative_demand(orders: Sequence[AuctionOrder], candidates: list[int]) -> list[int]:
    """Return, for each candidate price (ascending), the buy quantity willing to pay it."""
    at_price: dict[int, int] = {}
    market = 0
    for o in orders:
        if o.side is Side.BUY:
            if o.price is None:
                market += o.qty
            else:
                at_price[o.price] = at_price.get(o.price, 0) + o.qty
    totals = [0] * len(candidates)
    running = market
    for index in range(len(candidates) - 1, -1, -1):
        running += at_price.get(candidates[index], 0)
        totals[index] = running
    return totals


def _cumulative_supply(orders: Sequence[AuctionOrder], candidates: list[int]) -> list[int]:
    """Return, for each candidate price (ascending), the sell quantity willing to accept it."""
    at_price: dict[int, int] = {}
    market = 0
    for o in orders:
        if o.side is Side.SELL:
            if o.price is None:
                market += o.qty
            else:
                at_price[o.price] = at_price.get(o.price, 0) + o.qty
    totals = []
    running = market
    for price in candidates:
        running += at_price.get(price, 0)
        totals.append(running)
    return totals
