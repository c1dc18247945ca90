"""Liquidity agents: keep a two-sided ladder around a random-walking fair price per symbol.

Each symbol's fair price (integer ticks of 0.0001) follows a geometric random walk whose
per-step sigma is the instrument's daily volatility scaled by sqrt(elapsed / 6.5 h). The ladder
sits on a grid of multiples of the level gap, so a small move of the fair price only cancels
and adds a level or two. Occasional small marketable IOC orders make trades print. The floats
here are the random model's statistics only: every order carries Decimal prices on tick.

Deterministic for a given seed and sequence of `now`s (and of other participants' orders).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from brokerage.domain.execution import (
    CancelRequest,
    ExecutionReport,
    NewOrderRequest,
    VenueOrdStatus,
)
from brokerage.domain.ids import Symbol
from brokerage.domain.instruments import Instrument
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.venues.exchange import SimulatedExchange

REGULAR_SESSION_SECONDS = 6.5 * 3600
MAX_STEP_SECONDS = 300.0  # a long pause moves the price as if 5 minutes had passed
MAX_STEP_SIGMA = 0.05
ONE_DOLLAR = 10_000  # ticks
PENNY = 100  # ticks
HALF_SPREAD_BPS = 1
LEVEL_GAP_BPS = 0.5
QUOTE_HISTORY_LIMIT = 1_000  # reports the exchange keeps for us: we track our own quotes
QUOTE_LOTS = (1, 20)  # quote sizes: 100 to 2000 shares
TRADE_SIZE_SHARES = (10, 200)
TRADE_PROBABILITY = {MarketPhase.REGULAR: 0.2, MarketPhase.PRE_MARKET: 0.02}
TRADE_PROBABILITY_DEFAULT = 0.02
REFRESH_PROBABILITY = 0.1
_DONE = frozenset(
    {
        VenueOrdStatus.FILLED,
        VenueOrdStatus.CANCELED,
        VenueOrdStatus.EXPIRED,
        VenueOrdStatus.REJECTED,
    }
)


@dataclass(slots=True)
class _SymbolState:
    symbol: Symbol
    fair: int  # ticks
    volatility: float  # daily, a model statistic
    depth: int  # ladder levels per side in the regular session
    quotes: dict[Side, dict[int, str]] = field(
        default_factory=lambda: {Side.BUY: {}, Side.SELL: {}}
    )  # side -> price ticks -> cl_ord_id


class LiquidityAgents:
    """Quote every tradable instrument on an exchange and trade a little."""

    def __init__(
        self,
        exchange: SimulatedExchange,
        instruments: Mapping[Symbol, Instrument],
        seed: int,
        participant_id: str = "liquidity",
    ) -> None:
        self._exchange = exchange
        self._rng = random.Random(seed)
        self.participant_id = participant_id
        self._states = [
            _SymbolState(
                symbol=symbol,
                fair=_to_ticks(instruments[symbol].reference_price),
                volatility=float(instruments[symbol].daily_volatility),
                depth=self._rng.randint(5, 10),
            )
            for symbol in sorted(instruments)
            if instruments[symbol].tradable
        ]
        self._by_symbol = {s.symbol: s for s in self._states}
        self._orders: dict[str, tuple[Symbol, Side, int]] = {}
        self._next_id = 0
        self._id_prefix = participant_id
        self._last_step: datetime | None = None
        exchange.connect(participant_id, self._on_report, history_limit=QUOTE_HISTORY_LIMIT)

    def fair_price(self, symbol: Symbol) -> Decimal:
        """Return the current fair price of a symbol."""
        return _to_decimal(self._by_symbol[symbol].fair)

    def seed_books(self, now: datetime) -> None:
        """Lay the initial ladder of every symbol around its reference price."""
        self._last_step = now
        for state in self._states:
            self._requote(state, state.depth, now)

    def resume(self, now: datetime) -> None:
        """Take over after the exchange recovered from its journal: cancel, then re-seed.

        New cl_ord_ids carry the resume time, so they never collide with the earlier run's,
        and each fair price restarts at the symbol's last trade (or its reference price).
        """
        exchange, participant = self._exchange, self.participant_id
        self._id_prefix = f"{participant}-{now:%Y%m%dT%H%M%S}"
        self._next_id = 0
        for report in exchange.open_orders(participant):
            request = CancelRequest(
                self._new_id(), report.cl_ord_id, report.symbol, report.side, now
            )
            exchange.cancel(participant, request)
        for state in self._states:
            trade = exchange.last_trade(state.symbol)
            if trade is not None:
                state.fair = _to_ticks(trade.price)
        self.seed_books(now)

    def step(self, now: datetime) -> None:
        """Move every fair price, refresh the ladders and maybe send a marketable order."""
        elapsed = 0.0 if self._last_step is None else (now - self._last_step).total_seconds()
        self._last_step = now
        phase = self._exchange.phase
        depth_of = _extended_depth if phase is not MarketPhase.REGULAR else _regular_depth
        probability = TRADE_PROBABILITY.get(phase, TRADE_PROBABILITY_DEFAULT)
        for state in self._states:
            self._walk(state, elapsed)
            if phase is MarketPhase.CLOSED:
                continue
            self._requote(state, depth_of(state), now)
            if self._rng.random() < REFRESH_PROBABILITY:
                self._refresh_one(state, now)
            if self._rng.random() < probability:
                self._trade(state, now)

    # -- model ----------------------------------------------------------------------------

    def _walk(self, state: _SymbolState, elapsed: float) -> None:
        if elapsed <= 0:
            return
        sigma = state.volatility * math.sqrt(
            min(elapsed, MAX_STEP_SECONDS) / REGULAR_SESSION_SECONDS
        )
        sigma = min(sigma, MAX_STEP_SIGMA)
        shock = self._rng.gauss(0.0, 1.0)
        state.fair = max(1, round(state.fair * math.exp(sigma * shock - sigma * sigma / 2)))

    def _requote(self, state: _SymbolState, depth: int, now: datetime) -> None:
        """Cancel quotes that left the wanted ladder; add the levels that are missing."""
        inner_bid, inner_ask, gap = _ladder_shape(state.fair)
        wanted = {
            Side.BUY: _levels(inner_bid, -gap, depth),
            Side.SELL: _levels(inner_ask, gap, depth),
        }
        for side, prices in wanted.items():
            for price, cl_ord_id in list(state.quotes[side].items()):
                if price not in prices:
                    self._cancel(state, side, cl_ord_id, now)
            for price in prices:
                if price not in state.quotes[side]:
                    lots = self._rng.randint(*QUOTE_LOTS)
                    self._quote(state, side, price, Decimal(lots * 100), now)

    def _refresh_one(self, state: _SymbolState, now: datetime) -> None:
        """Cancel one random quote and put a fresh size at the same price."""
        side = Side.BUY if self._rng.random() < 0.5 else Side.SELL
        quotes = state.quotes[side]
        if not quotes:
            return
        price = self._rng.choice(sorted(quotes))
        self._cancel(state, side, quotes[price], now)
        lots = self._rng.randint(*QUOTE_LOTS)
        self._quote(state, side, price, Decimal(lots * 100), now)

    def _trade(self, state: _SymbolState, now: datetime) -> None:
        """Send a small IOC order priced a couple of levels through the touch."""
        inner_bid, inner_ask, gap = _ladder_shape(state.fair)
        side = Side.BUY if self._rng.random() < 0.5 else Side.SELL
        price = inner_ask + 2 * gap if side is Side.BUY else inner_bid - 2 * gap
        shares = self._rng.randint(*TRADE_SIZE_SHARES)
        if price <= 0 or not _on_tick(price):
            return
        self._send(state.symbol, side, price, Decimal(shares), TimeInForce.IOC, now)

    # -- orders ---------------------------------------------------------------------------

    def _quote(
        self, state: _SymbolState, side: Side, price: int, qty: Decimal, now: datetime
    ) -> None:
        cl_ord_id = self._new_id()
        state.quotes[side][price] = cl_ord_id
        self._orders[cl_ord_id] = (state.symbol, side, price)
        request = NewOrderRequest(
            cl_ord_id, state.symbol, side, OrderType.LIMIT, qty, TimeInForce.DAY,
            _to_decimal(price), True, now,
        )  # fmt: skip
        self._exchange.submit(self.participant_id, request)

    def _send(
        self, symbol: Symbol, side: Side, price: int, qty: Decimal, tif: TimeInForce, now: datetime
    ) -> None:
        request = NewOrderRequest(
            self._new_id(), symbol, side, OrderType.LIMIT, qty, tif, _to_decimal(price), True, now
        )
        self._exchange.submit(self.participant_id, request)

    def _cancel(self, state: _SymbolState, side: Side, cl_ord_id: str, now: datetime) -> None:
        request = CancelRequest(self._new_id(), cl_ord_id, state.symbol, side, now)
        self._exchange.cancel(self.participant_id, request)
        self._forget(cl_ord_id)

    def _on_report(self, report: ExecutionReport) -> None:
        if report.ord_status not in _DONE:
            return
        self._forget(report.cl_ord_id)
        if report.orig_cl_ord_id is not None:
            self._forget(report.orig_cl_ord_id)

    def _forget(self, cl_ord_id: str) -> None:
        entry = self._orders.pop(cl_ord_id, None)
        if entry is None:
            return
        symbol, side, price = entry
        quotes = self._by_symbol[symbol].quotes[side]
        if quotes.get(price) == cl_ord_id:
            del quotes[price]

    def _new_id(self) -> str:
        self._next_id += 1
        return f"{self._id_prefix}-{self._next_id}"


def _regular_depth(state: _SymbolState) -> int:
    return state.depth


def _extended_depth(state: _SymbolState) -> int:
    return max(3, state.depth // 2)


def _ladder_shape(fair: int) -> tuple[int, int, int]:
    """Return (inner bid, inner ask, level gap) in ticks for a fair price."""
    tick = PENNY if fair >= ONE_DOLLAR else 1
    gap = tick * max(1, int(fair * LEVEL_GAP_BPS / 10_000 / tick))
    half_spread = max(tick, fair * HALF_SPREAD_BPS // 10_000)
    inner_bid = (fair - half_spread) // gap * gap
    inner_ask = -(-(fair + half_spread) // gap) * gap
    return inner_bid, inner_ask, gap


def _levels(inner: int, step: int, depth: int) -> list[int]:
    prices = (inner + i * step for i in range(depth))
    return [p for p in prices if p > 0 and _on_tick(p)]


def _on_tick(ticks: int) -> bool:
    return ticks < ONE_DOLLAR or ticks % PENNY == 0


def _to_ticks(price: Decimal) -> int:
    tick = PENNY if price >= 1 else 1
    return max(1, round(price.scaleb(4) / tick) * tick)


def _to_decimal(ticks: int) -> Decimal:
    return Decimal(ticks).scaleb(-4)
