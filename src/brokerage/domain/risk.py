"""Pre-trade risk: a straight line of guards, each returning None or a denial; the first wins.

`check` never mutates money: the OMS (the single writer of the account) calls `reserve` with an
approved decision and `release` when the order ends. The one side effect of `check` is the
rate-limit token it takes.

Policies decided here:
- Rate limit: the token is taken after the order-validity guards (status, kill switch,
  tradability, session, tick, size, price collar) and before the money guards, so every
  well-formed attempt counts, including the ones then denied for buying power or shares. Probing
  a balance by spamming orders is therefore throttled, while malformed orders, which are cheap
  to deny, do not drain the bucket (the API gateway throttles raw requests).
- Closed market: orders are accepted at any hour and wait for their session. Extended-hours
  orders submitted while CLOSED queue for the next pre-market (as Alpaca does). Denied with
  RISK_MARKET_CLOSED: IOC/FOK outside REGULAR (they cannot rest), OPG during REGULAR (the
  opening auction is over) and CLS during POST_MARKET (the closing auction is over).
- A halted symbol is denied as RISK_SYMBOL_NOT_TRADABLE rather than queued.
- A symbol in a market data halt or LULD pause (`KillSwitches.halted`, kept by the market data
  service) is denied as RISK_SYMBOL_HALTED, right after the kill switches.
- Orders with no limit price (market, stop, trailing stop; notional sells) need a last trade to
  be valued; without one they are denied RISK_NO_REFERENCE_PRICE.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_UP, Decimal
from enum import StrEnum

from brokerage.domain.accounts import AccountStatus, AccountType, can_open_position, can_reduce
from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.instruments import Instrument
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.money import QTY_QUANTUM, USD, ZERO, cents_up, is_whole
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.domain.orders.validation import OrderRequest, request_fields

_HUNDRED = Decimal(100)
_MICRO = 1_000_000  # micro-tokens per token: the bucket counts in integers, never floats
_ONE_MICROSECOND = timedelta(microseconds=1)
_LIMIT_TYPES = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})
_STOP_TYPES = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})
_IMMEDIATE = frozenset({TimeInForce.IOC, TimeInForce.FOK})
_EXTENDED_HOURS_TIFS = frozenset({TimeInForce.DAY, TimeInForce.GTC})


class RiskCode(StrEnum):
    RISK_ACCOUNT_NOT_ACTIVE = "RISK_ACCOUNT_NOT_ACTIVE"
    RISK_KILL_SWITCH = "RISK_KILL_SWITCH"
    RISK_SYMBOL_NOT_TRADABLE = "RISK_SYMBOL_NOT_TRADABLE"
    RISK_SYMBOL_HALTED = "RISK_SYMBOL_HALTED"
    RISK_MARKET_CLOSED = "RISK_MARKET_CLOSED"
    RISK_INVALID_TICK = "RISK_INVALID_TICK"
    RISK_MAX_QUANTITY = "RISK_MAX_QUANTITY"
    RISK_NOT_FRACTIONABLE = "RISK_NOT_FRACTIONABLE"
    RISK_MAX_NOTIONAL = "RISK_MAX_NOTIONAL"
    RISK_PRICE_COLLAR = "RISK_PRICE_COLLAR"
    RISK_NO_REFERENCE_PRICE = "RISK_NO_REFERENCE_PRICE"
    RISK_RATE_LIMIT = "RISK_RATE_LIMIT"
    RISK_INSUFFICIENT_BUYING_POWER = "RISK_INSUFFICIENT_BUYING_POWER"
    RISK_INSUFFICIENT_SHARES = "RISK_INSUFFICIENT_SHARES"


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_order_quantity: Decimal = Decimal(1_000_000)
    max_order_notional_usd: Decimal = Decimal(1_000_000)
    market_order_collar_pct: Decimal = Decimal(5)  # a market buy holds last trade x (1 + 5%)
    limit_price_band_pct: Decimal = Decimal(50)  # a price further than this from last is absurd
    orders_per_second: int = 50
    orders_burst: int = 100


class InvalidOrderIntent(ValueError):
    """An order whose shape is impossible; the API validates first, so this is a bug here."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderIntent(OrderRequest):
    """An order request for an account and a symbol, impossible shapes refused at construction."""

    account_id: AccountId
    symbol: Symbol

    @classmethod
    def of(cls, account_id: AccountId, symbol: Symbol, request: object) -> "OrderIntent":
        """Build the intent from anything with the request's fields (a command, an order)."""
        return cls(account_id=account_id, symbol=symbol, **request_fields(request))  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        problem = _size_problem(self) or _price_problem(self) or _session_problem(self)
        if problem is not None:
            raise InvalidOrderIntent(problem)


@dataclass(slots=True)
class TokenBucket:
    """Throttle driven by the `now` it is given; starts full."""

    capacity: int
    refill_per_s: int
    _micro_tokens: int = field(init=False, repr=False)
    _last: datetime | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        if self.capacity <= 0 or self.refill_per_s < 0:
            raise ValueError("a token bucket needs capacity > 0 and refill_per_s >= 0")
        self._micro_tokens = self.capacity * _MICRO

    @classmethod
    def for_limits(cls, limits: RiskLimits) -> "TokenBucket":
        """Build the per-account order throttle the limits describe."""
        return cls(capacity=limits.orders_burst, refill_per_s=limits.orders_per_second)

    @property
    def tokens(self) -> int:
        """Return the whole tokens left at the last `now` seen."""
        return self._micro_tokens // _MICRO

    def try_take(self, now: datetime) -> bool:
        """Take one token if there is one; a clock that steps back refills nothing."""
        last = self._last
        if last is None or now > last:
            if last is not None:
                gained = ((now - last) // _ONE_MICROSECOND) * self.refill_per_s
                self._micro_tokens = min(self.capacity * _MICRO, self._micro_tokens + gained)
            self._last = now
        if self._micro_tokens < _MICRO:
            return False
        self._micro_tokens -= _MICRO
        return True


def _default_bucket() -> TokenBucket:
    return TokenBucket.for_limits(RiskLimits())


@dataclass(slots=True)
class AccountRiskState:
    """What risk needs to know of one account; mutated only by its single writer."""

    account_id: AccountId
    status: AccountStatus
    account_type: AccountType
    buying_power: Decimal  # = the ledger's customer cash available
    shares_available: dict[Symbol, Decimal] = field(default_factory=dict)  # less open sells
    rate_limiter: TokenBucket = field(default_factory=_default_bucket)


@dataclass(frozen=True, slots=True)
class MarketContext:
    phase: MarketPhase
    last_trade: Decimal | None  # last sale on the symbol
    halted: bool = False


@dataclass(slots=True)
class KillSwitches:
    """Stops new orders globally, for one account or for one symbol."""

    global_tripped: bool = False
    accounts: set[AccountId] = field(default_factory=set)
    symbols: set[Symbol] = field(default_factory=set)
    # Symbols in a trading halt or LULD pause; the market data service owns this set (it is
    # shared by every partition) and changes it as halts start and end.
    halted: set[Symbol] = field(default_factory=set)

    def trip_global(self) -> None:
        self.global_tripped = True

    def reset_global(self) -> None:
        self.global_tripped = False

    def trip_account(self, account_id: AccountId) -> None:
        self.accounts.add(account_id)

    def reset_account(self, account_id: AccountId) -> None:
        self.accounts.discard(account_id)

    def trip_symbol(self, symbol: Symbol) -> None:
        self.symbols.add(symbol)

    def reset_symbol(self, symbol: Symbol) -> None:
        self.symbols.discard(symbol)

    def tripped_scope(self, account_id: AccountId, symbol: Symbol) -> str | None:
        """Return which switch stops this order ("global", "account", "symbol") or None."""
        if self.global_tripped:
            return "global"
        if account_id in self.accounts:
            return "account"
        if symbol in self.symbols:
            return "symbol"
        return None

    def is_tripped(self, account_id: AccountId, symbol: Symbol) -> bool:
        """Tell whether any switch stops new orders for this account and symbol."""
        return self.tripped_scope(account_id, symbol) is not None


@dataclass(frozen=True, slots=True)
class RiskDecision:
    approved: bool
    code: RiskCode | None  # None when approved
    message: str
    hold_asset: str  # "USD" for buys, the symbol for sells
    hold_amount: Decimal  # cash rounded up to cents, or shares; zero on a denial
    reference_price: Decimal | None


class HoldExceedsAvailable(ValueError):
    """A reserve larger than what is available: the decision is stale (a bug in the caller)."""


def check(
    intent: OrderIntent,
    instrument: Instrument,
    account: AccountRiskState,
    market: MarketContext,
    limits: RiskLimits,
    kill_switches: KillSwitches,
    now: datetime,
) -> RiskDecision:
    """Run the guards in order and return the first denial, or an approval with its hold."""
    if intent.account_id != account.account_id or intent.symbol != instrument.symbol:
        raise ValueError("check needs the intent's own account state and instrument")
    last = market.last_trade
    denial = (
        _guard_status(intent, account.status)
        or _guard_kill_switches(intent, kill_switches)
        or _guard_halted(intent, kill_switches.halted)
        or _guard_tradable(intent, instrument, market.halted)
        or _guard_phase(intent, market.phase)
        or _guard_ticks(intent, instrument)
        or _guard_quantity(intent, instrument, limits)
        or _guard_reference(intent, last)
    )
    if denial is not None:
        return denial
    hold = _hold_amount(intent, last, limits)
    return (
        _guard_notional(intent, last, limits)
        or _guard_collar(intent, last, limits)
        or _guard_rate(intent, account.rate_limiter, now)
        or _guard_funds(intent, account, hold)
        or RiskDecision(True, None, "approved", _hold_asset(intent), hold, last)
    )


def reserve(account: AccountRiskState, decision: RiskDecision) -> None:
    """Take an approved decision's hold out of the buying power or the shares available."""
    if not decision.approved:
        raise ValueError("only an approved decision can be reserved")
    amount = decision.hold_amount
    if decision.hold_asset == USD:
        if amount > account.buying_power:
            raise HoldExceedsAvailable(f"hold {amount} > buying power {account.buying_power}")
        account.buying_power -= amount
        return
    symbol = Symbol(decision.hold_asset)
    available = account.shares_available.get(symbol, ZERO)
    if amount > available:
        raise HoldExceedsAvailable(f"hold {amount} {symbol} > {available} available")
    account.shares_available[symbol] = available - amount


def release(account: AccountRiskState, asset: str, amount: Decimal) -> None:
    """Give a released (or unused) hold back to the buying power or the shares available."""
    if amount < 0:
        raise ValueError(f"cannot release a negative amount: {amount}")
    if asset == USD:
        account.buying_power += amount
        return
    symbol = Symbol(asset)
    account.shares_available[symbol] = account.shares_available.get(symbol, ZERO) + amount


# --- order shape (raised at construction) ---------------------------------------------------


def _positive(value: Decimal | None) -> bool:
    return value is None or (value.is_finite() and value > 0)


def _size_problem(intent: OrderIntent) -> str | None:
    if (intent.quantity is None) == (intent.notional is None):
        return "give exactly one of quantity and notional"
    if not (_positive(intent.quantity) and _positive(intent.notional)):
        return "quantity and notional must be positive"
    if intent.notional is not None and (
        intent.order_type is not OrderType.MARKET or intent.time_in_force is not TimeInForce.DAY
    ):
        return "notional orders must be market orders with time in force day"
    return None


def _price_problem(intent: OrderIntent) -> str | None:
    kind = intent.order_type
    if (kind in _LIMIT_TYPES) != (intent.limit_price is not None):
        return "limit_price is required for limit and stop_limit orders, and only for them"
    if (kind in _STOP_TYPES) != (intent.stop_price is not None):
        return "stop_price is required for stop and stop_limit orders, and only for them"
    trails = (intent.trail_price is not None) + (intent.trail_percent is not None)
    if trails != (1 if kind is OrderType.TRAILING_STOP else 0):
        return "trailing_stop orders need exactly one of trail_price and trail_percent"
    prices = (intent.limit_price, intent.stop_price, intent.trail_price, intent.trail_percent)
    if not all(_positive(price) for price in prices):
        return "prices must be positive"
    return None


def _session_problem(intent: OrderIntent) -> str | None:
    if intent.extended_hours and (
        intent.order_type is not OrderType.LIMIT or intent.time_in_force not in _EXTENDED_HOURS_TIFS
    ):
        return "extended-hours orders must be limit orders with time in force day or gtc"
    return None


# --- guards -----------------------------------------------------------------------------------


def _hold_asset(intent: OrderIntent) -> str:
    return USD if intent.side is Side.BUY else intent.symbol


def _deny(intent: OrderIntent, code: RiskCode, message: str) -> RiskDecision:
    return RiskDecision(False, code, message, _hold_asset(intent), ZERO, None)


def _guard_status(intent: OrderIntent, status: AccountStatus) -> RiskDecision | None:
    allowed = can_open_position(status) if intent.side is Side.BUY else can_reduce(status)
    if allowed:
        return None
    what = "only sells are accepted" if can_reduce(status) else "no orders are accepted"
    return _deny(intent, RiskCode.RISK_ACCOUNT_NOT_ACTIVE, f"the account is {status}: {what}")


def _guard_kill_switches(intent: OrderIntent, switches: KillSwitches) -> RiskDecision | None:
    scope = switches.tripped_scope(intent.account_id, intent.symbol)
    if scope is None:
        return None
    message = f"new orders are stopped by the {scope} kill switch"
    return _deny(intent, RiskCode.RISK_KILL_SWITCH, message)


def _guard_halted(intent: OrderIntent, halted: set[Symbol]) -> RiskDecision | None:
    if intent.symbol not in halted:
        return None
    message = f"trading in {intent.symbol} is halted; new orders are refused until it resumes"
    return _deny(intent, RiskCode.RISK_SYMBOL_HALTED, message)


def _guard_tradable(
    intent: OrderIntent, instrument: Instrument, halted: bool
) -> RiskDecision | None:
    if not instrument.tradable:
        message = f"{intent.symbol} is not tradable"
    elif halted:
        message = f"trading in {intent.symbol} is halted"
    else:
        return None
    return _deny(intent, RiskCode.RISK_SYMBOL_NOT_TRADABLE, message)


def _guard_phase(intent: OrderIntent, phase: MarketPhase) -> RiskDecision | None:
    tif = intent.time_in_force
    if tif in _IMMEDIATE and phase is not MarketPhase.REGULAR:
        message = f"{tif} orders trade only in the regular session; the market is {phase}"
    elif tif is TimeInForce.OPG and phase is MarketPhase.REGULAR:
        message = "the opening auction is over: opg orders are not accepted in the session"
    elif tif is TimeInForce.CLS and phase is MarketPhase.POST_MARKET:
        message = "the closing auction is over: cls orders are not accepted after the close"
    else:
        return None
    return _deny(intent, RiskCode.RISK_MARKET_CLOSED, message)


def _guard_ticks(intent: OrderIntent, instrument: Instrument) -> RiskDecision | None:
    for label, price in (("limit", intent.limit_price), ("stop", intent.stop_price)):
        if price is not None and not instrument.is_on_tick(price):
            tick = instrument.tick_size(price)
            message = f"{label} price {price} is not a multiple of the ${tick} tick"
            return _deny(intent, RiskCode.RISK_INVALID_TICK, message)
    return None


def _guard_quantity(
    intent: OrderIntent, instrument: Instrument, limits: RiskLimits
) -> RiskDecision | None:
    quantity = intent.quantity
    if quantity is not None and quantity > limits.max_order_quantity:
        message = (
            f"quantity {_shares(quantity)} exceeds the "
            f"{_shares(limits.max_order_quantity)}-share limit per order"
        )
        return _deny(intent, RiskCode.RISK_MAX_QUANTITY, message)
    if instrument.fractionable or (quantity is not None and is_whole(quantity)):
        return None
    message = f"{intent.symbol} is not fractionable: order whole shares"
    return _deny(intent, RiskCode.RISK_NOT_FRACTIONABLE, message)


def _needs_last_trade(intent: OrderIntent) -> bool:
    if intent.limit_price is not None:
        return False
    return intent.side is Side.SELL or intent.notional is None


def _guard_reference(intent: OrderIntent, last: Decimal | None) -> RiskDecision | None:
    if last is not None or not _needs_last_trade(intent):
        return None
    message = f"there is no last trade in {intent.symbol} to price this order; use a limit order"
    return _deny(intent, RiskCode.RISK_NO_REFERENCE_PRICE, message)


def _guard_notional(
    intent: OrderIntent, last: Decimal | None, limits: RiskLimits
) -> RiskDecision | None:
    value = intent.notional
    if value is None:
        assert intent.quantity is not None  # shape validated at construction
        value = intent.quantity * _unit_price(intent, last)
    if value <= limits.max_order_notional_usd:
        return None
    message = (
        f"order value {_money(value)} exceeds the "
        f"{_money(limits.max_order_notional_usd)} limit per order"
    )
    return _deny(intent, RiskCode.RISK_MAX_NOTIONAL, message)


def _guard_collar(
    intent: OrderIntent, last: Decimal | None, limits: RiskLimits
) -> RiskDecision | None:
    if last is None:
        return None
    band = limits.limit_price_band_pct
    for label, price in (("limit", intent.limit_price), ("stop", intent.stop_price)):
        if price is not None and abs(price - last) * _HUNDRED > band * last:
            message = (
                f"{label} price ${price} is more than {band}% away from the last trade ${last}"
            )
            return _deny(intent, RiskCode.RISK_PRICE_COLLAR, message)
    return None


def _guard_rate(intent: OrderIntent, bucket: TokenBucket, now: datetime) -> RiskDecision | None:
    if bucket.try_take(now):
        return None
    message = (
        f"more than {bucket.refill_per_s} orders per second "
        f"(burst {bucket.capacity}); retry shortly"
    )
    return _deny(intent, RiskCode.RISK_RATE_LIMIT, message)


def _guard_funds(
    intent: OrderIntent, account: AccountRiskState, hold: Decimal
) -> RiskDecision | None:
    if intent.side is Side.BUY:
        if hold <= account.buying_power:
            return None
        message = (
            f"buying power {_money(account.buying_power)} is less than "
            f"the {_money(hold)} this order needs"
        )
        return _deny(intent, RiskCode.RISK_INSUFFICIENT_BUYING_POWER, message)
    available = account.shares_available.get(intent.symbol, ZERO)
    if hold <= available:
        return None
    message = (
        f"{_shares(available)} {intent.symbol} available to sell is less than the "
        f"{_shares(hold)} this order needs (short selling is not allowed)"
    )
    return _deny(intent, RiskCode.RISK_INSUFFICIENT_SHARES, message)


# --- pricing ----------------------------------------------------------------------------------


def _unit_price(intent: OrderIntent, last: Decimal | None) -> Decimal:
    """Return the per-share price that values the order, before any collar."""
    if intent.limit_price is not None:
        return intent.limit_price
    assert last is not None  # _guard_reference denied orders that need a last trade
    if intent.side is Side.SELL or intent.order_type is OrderType.MARKET:
        return last
    if intent.stop_price is not None:
        return max(intent.stop_price, last)
    return max(_initial_trailing_stop(intent, last), last)


def _initial_trailing_stop(intent: OrderIntent, last: Decimal) -> Decimal:
    """Return a trailing buy's first stop: it only trails down from here, so it is the highest."""
    if intent.trail_price is not None:
        return last + intent.trail_price
    assert intent.trail_percent is not None  # shape validated at construction
    return last * (_HUNDRED + intent.trail_percent) / _HUNDRED


def _hold_amount(intent: OrderIntent, last: Decimal | None, limits: RiskLimits) -> Decimal:
    """Return the cash (buys, rounded up to cents) or the shares (sells) the order must hold."""
    if intent.side is Side.SELL:
        if intent.quantity is not None:
            return intent.quantity
        assert intent.notional is not None and last is not None
        return (intent.notional / last).quantize(QTY_QUANTUM, rounding=ROUND_UP)
    if intent.notional is not None:
        return cents_up(intent.notional)
    assert intent.quantity is not None
    price = _unit_price(intent, last)
    if intent.limit_price is None:
        price = price * (_HUNDRED + limits.market_order_collar_pct) / _HUNDRED
    return cents_up(intent.quantity * price)


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def _shares(amount: Decimal) -> str:
    return f"{amount.normalize():,f}"
