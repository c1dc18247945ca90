"""Positions kept as FIFO tax lots, with realized and unrealized P&L.

Costs are kept unrounded (cost per share is the fill price, a Decimal); rounding to cents is
for statements. Long positions only: selling more than is held is refused.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import NewType

from brokerage.domain.ids import OrderId, Symbol
from brokerage.domain.money import ZERO

LotId = NewType("LotId", str)

# A lot held more than this many days is long-term (the IRS "more than one year").
LONG_TERM_AFTER_DAYS = 365


class PortfolioError(Exception):
    """A position change the domain refuses; the position is left unchanged."""

    code = "PORTFOLIO_ERROR"


class InsufficientQuantity(PortfolioError):
    code = "PORTFOLIO_INSUFFICIENT_QUANTITY"


class InvalidLot(PortfolioError):
    code = "PORTFOLIO_INVALID_LOT"


@dataclass(frozen=True, slots=True)
class TaxLot:
    lot_id: LotId
    symbol: Symbol
    quantity: Decimal  # what remains open
    original_quantity: Decimal
    cost_per_share: Decimal  # unrounded
    opened_at: datetime
    order_id: OrderId  # the buy order that opened it

    @property
    def cost_basis(self) -> Decimal:
        return self.quantity * self.cost_per_share


@dataclass(frozen=True, slots=True)
class LotClosure:
    lot_id: LotId
    symbol: Symbol
    quantity: Decimal
    cost_basis: Decimal
    proceeds: Decimal
    realized_pnl: Decimal
    opened_at: datetime
    closed_at: datetime
    holding_period_days: int
    long_term: bool
    order_id: OrderId  # the sell order that closed it

    @property
    def short_term(self) -> bool:
        return not self.long_term


def _positive(value: Decimal, what: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= ZERO:
        raise InvalidLot(f"{what} must be a positive Decimal: {value!r}")


def _price(value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < ZERO:
        raise InvalidLot(f"price must be a non-negative Decimal: {value!r}")


def close_lot(
    lot: TaxLot, quantity: Decimal, price: Decimal, ts: datetime, order_id: OrderId
) -> LotClosure:
    """Describe closing `quantity` of a lot at `price` (the lot itself is not changed)."""
    cost_basis = quantity * lot.cost_per_share
    proceeds = quantity * price
    days = (ts.date() - lot.opened_at.date()).days
    return LotClosure(
        lot.lot_id, lot.symbol, quantity, cost_basis, proceeds, proceeds - cost_basis,
        lot.opened_at, ts, days, days > LONG_TERM_AFTER_DAYS, order_id,
    )  # fmt: skip


class Position:
    """One symbol's open lots, oldest first, and the P&L realized so far."""

    def __init__(self, symbol: Symbol) -> None:
        self.symbol = symbol
        self._lots: list[TaxLot] = []
        self._realized_pnl = ZERO

    @classmethod
    def replay(
        cls, symbol: Symbol, lots: Iterable[TaxLot], realized_pnl: Decimal = ZERO
    ) -> "Position":
        """Rebuild a position from stored open lots and its cumulative realized P&L."""
        position = cls(symbol)
        for lot in lots:
            position._add(lot)
        position._realized_pnl = realized_pnl
        return position

    def buy(
        self, quantity: Decimal, price: Decimal, ts: datetime, lot_id: LotId, order_id: OrderId
    ) -> TaxLot:
        """Open a lot of `quantity` shares bought at `price`."""
        lot = TaxLot(lot_id, self.symbol, quantity, quantity, price, ts, order_id)
        self._add(lot)
        return lot

    def sell(
        self, quantity: Decimal, price: Decimal, ts: datetime, order_id: OrderId
    ) -> list[LotClosure]:
        """Close `quantity` shares first-in first-out, splitting the last lot if needed."""
        _positive(quantity, "quantity")
        _price(price)
        if quantity > self.quantity:
            raise InsufficientQuantity(f"sell {quantity} {self.symbol}, hold {self.quantity}")
        closures: list[LotClosure] = []
        left = quantity
        while left > ZERO:
            lot = self._lots[0]
            taken = min(left, lot.quantity)
            closures.append(close_lot(lot, taken, price, ts, order_id))
            if taken == lot.quantity:
                self._lots.pop(0)
            else:
                self._lots[0] = replace(lot, quantity=lot.quantity - taken)
            left -= taken
        self._realized_pnl += sum((c.realized_pnl for c in closures), ZERO)
        return closures

    @property
    def lots(self) -> tuple[TaxLot, ...]:
        return tuple(self._lots)

    @property
    def quantity(self) -> Decimal:
        return sum((lot.quantity for lot in self._lots), ZERO)

    @property
    def cost_basis(self) -> Decimal:
        return sum((lot.cost_basis for lot in self._lots), ZERO)

    @property
    def average_cost(self) -> Decimal:
        quantity = self.quantity
        return self.cost_basis / quantity if quantity else ZERO

    @property
    def realized_pnl(self) -> Decimal:
        return self._realized_pnl

    def market_value(self, price: Decimal) -> Decimal:
        """Value the open quantity at `price`."""
        return self.quantity * price

    def unrealized_pnl(self, price: Decimal) -> Decimal:
        """Return what the open lots would realize if sold at `price`."""
        return self.market_value(price) - self.cost_basis

    def _add(self, lot: TaxLot) -> None:
        """Insert a lot after every lot opened at or before it (FIFO by open time)."""
        _positive(lot.quantity, "quantity")
        _price(lot.cost_per_share)
        if lot.symbol != self.symbol:
            raise InvalidLot(f"lot {lot.lot_id} is {lot.symbol}, position is {self.symbol}")
        if lot.quantity > lot.original_quantity:
            raise InvalidLot(f"lot {lot.lot_id} has more open than it was opened with")
        if any(held.lot_id == lot.lot_id for held in self._lots):
            raise InvalidLot(f"lot {lot.lot_id} is already open")
        at = len(self._lots)
        while at > 0 and self._lots[at - 1].opened_at > lot.opened_at:
            at -= 1
        self._lots.insert(at, lot)
