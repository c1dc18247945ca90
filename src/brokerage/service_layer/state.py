"""The in-memory state a partition owns, and the collaborators its handlers use."""

from collections import OrderedDict
from collections.abc import Callable, Mapping
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


# Closed orders kept in memory for late fills (oldest forgotten first, never a pinned one).
CLOSED_ORDERS_KEPT = 10_000


def _no_stored_orders(order_id: OrderId) -> Order | None:
    return None


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
    # The newest use number of each client_order_id used more than once (see PlaceOrder).
    client_id_uses: dict[tuple[AccountId, ClientOrderId], int] = field(default_factory=dict)
    positions: dict[tuple[AccountId, Symbol], Position] = field(default_factory=dict)
    deposits: dict[str, Deposit] = field(default_factory=dict)  # pending only
    withdrawals: dict[str, Withdrawal] = field(default_factory=dict)  # pending only
    settlements: dict[str, TradeSettlement] = field(default_factory=dict)  # pending only
    stops: dict[Symbol, set[OrderId]] = field(default_factory=dict)
    last_prices: dict[Symbol, Decimal] = field(default_factory=dict)
    links: dict[OrderId, LinkGroup] = field(default_factory=dict)  # open groups by member id
    # Recently closed orders, so that a late fill finds them without a database read. An
    # order changed by a batch that is not durable yet is pinned: the database still has its
    # older row, so it must stay here until that batch commits (see `keep_closed`).
    closed: OrderedDict[OrderId, Order] = field(default_factory=OrderedDict)
    closed_pins: dict[OrderId, object] = field(default_factory=dict)
    # Reads one order from the system of record (set by the loader; a blocking read, used
    # only for a late fill on an order closed long ago).
    stored_order: Callable[[OrderId], Order | None] = _no_stored_orders

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

    def keep_closed(self, order: Order) -> Callable[[], None]:
        """Keep a closed order in memory, pinned; return the after-commit effect that unpins it.

        This partition is the only writer of its orders, so the copy kept here is never older
        than the database's; it is pinned until the batch that changed it is durable, after
        which it may be forgotten and read back from the database when needed.
        """
        token = object()
        self.closed_pins[order.id] = token
        self._remember(order)

        def unpin() -> None:
            if self.closed_pins.get(order.id) is token:
                del self.closed_pins[order.id]

        return unpin

    def closed_order(self, order_id: OrderId) -> Order | None:
        """Return a closed order of this partition's accounts (memory first, then database)."""
        order = self.closed.get(order_id)
        if order is None:
            order = self.stored_order(order_id)
            if order is None or order.account_id not in self.accounts or order.is_open:
                return None  # unknown, another partition's, or open (then it is in `orders`)
            self.persisted_orders.add(order.id)  # its row exists: later changes update it
            self._remember(order)
        return order

    def _remember(self, order: Order) -> None:
        self.closed[order.id] = order
        self.closed.move_to_end(order.id)
        while len(self.closed) > CLOSED_ORDERS_KEPT:
            oldest = next((i for i in self.closed if i not in self.closed_pins), None)
            if oldest is None:
                break
            del self.closed[oldest]

    def unsettled_proceeds(self, account_id: AccountId) -> Decimal:
        """Sum the sale proceeds of this account that have not settled yet."""
        return sum(
            (s.amount for s in self.settlements.values()
             if s.account_id == account_id and s.amount > 0),
            Decimal(0),
        )
