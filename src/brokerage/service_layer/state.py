"""The in-memory state a partition owns, and the collaborators its handlers use."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from brokerage.domain.audit import AuditChain
from brokerage.domain.funding import Deposit, Withdrawal
from brokerage.domain.ids import AccountId, ClientOrderId, OrderId, Symbol
from brokerage.domain.instruments import Instrument
from brokerage.domain.ledger import Ledger, customer_cash, customer_securities
from brokerage.domain.money import USD
from brokerage.domain.orders.classes import LinkGroup
from brokerage.domain.orders.order import Order
from brokerage.domain.portfolio import Position
from brokerage.domain.risk import AccountRiskState, KillSwitches, RiskLimits
from brokerage.service_layer.messagebus import EventBus
from brokerage.service_layer.ports import (
    Clock,
    IdGenerator,
    MarketCalendar,
    MarketDataSource,
    Venue,
)


@dataclass
class Deps:
    clock: Clock
    ids: IdGenerator
    calendar: MarketCalendar
    instruments: Mapping[Symbol, Instrument]
    venue: Venue
    market: MarketDataSource
    limits: RiskLimits = field(default_factory=RiskLimits)
    instant_deposit_limit: Decimal = Decimal("1000")
    participant_id: str = "oms"
    bus: EventBus = field(default_factory=EventBus)
    # Symbols halted or paused (market data service); every partition's risk reads this set.
    halted_symbols: set[Symbol] = field(default_factory=set)


@dataclass
class TradeSettlement:
    """The cash leg of a fill, settling T+1: proceeds are not withdrawable before."""

    id: str
    account_id: AccountId
    amount: Decimal  # + proceeds of a sale, - cost of a purchase
    settles_on: date
    row: dict[str, object]


@dataclass
class PartitionState:
    deps: Deps
    ledger: Ledger
    audit: AuditChain
    kill_switches: KillSwitches
    accounts: dict[AccountId, AccountRiskState] = field(default_factory=dict)
    orders: dict[OrderId, Order] = field(default_factory=dict)  # open orders
    persisted_orders: set[OrderId] = field(default_factory=set)
    client_ids: dict[tuple[AccountId, ClientOrderId], OrderId] = field(default_factory=dict)
    positions: dict[tuple[AccountId, Symbol], Position] = field(default_factory=dict)
    deposits: dict[str, Deposit] = field(default_factory=dict)  # pending only
    withdrawals: dict[str, Withdrawal] = field(default_factory=dict)  # pending only
    settlements: dict[str, TradeSettlement] = field(default_factory=dict)  # pending only
    stops: dict[Symbol, set[OrderId]] = field(default_factory=dict)
    last_prices: dict[Symbol, Decimal] = field(default_factory=dict)
    links: dict[OrderId, LinkGroup] = field(default_factory=dict)  # open groups by member id

    def __post_init__(self) -> None:
        self.kill_switches.halted = self.deps.halted_symbols  # shared, survives reloads

    def sync(self, account_id: AccountId, symbol: Symbol | None = None) -> None:
        """Make the risk view of an account equal to its ledger balances (derived, not kept)."""
        risk = self.accounts.get(account_id)
        if risk is None:
            return
        risk.buying_power = self.ledger.balance(customer_cash(account_id), USD).available
        if symbol is not None:
            available = self.ledger.balance(customer_securities(account_id, symbol), symbol)
            risk.shares_available[symbol] = available.available

    def position(self, account_id: AccountId, symbol: Symbol) -> Position:
        key = (account_id, symbol)
        position = self.positions.get(key)
        if position is None:
            position = self.positions[key] = Position(symbol)
        return position

    def track_stop(self, order: Order) -> None:
        self.stops.setdefault(order.symbol, set()).add(order.id)

    def untrack_stop(self, order: Order) -> None:
        waiting = self.stops.get(order.symbol)
        if waiting is not None:
            waiting.discard(order.id)

    def unsettled_proceeds(self, account_id: AccountId) -> Decimal:
        """Sum the sale proceeds of this account that have not settled yet."""
        return sum(
            (s.amount for s in self.settlements.values()
             if s.account_id == account_id and s.amount > 0),
            Decimal(0),
        )
