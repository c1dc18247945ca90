"""Order classes (bracket, OCO, OTO): linked orders as one declared state machine, no I/O.

A link group is an entry (bracket, OTO) and its exits, or two exits on a position (OCO).
Exits are sells of shares the account holds: the limit leg works at the venue and carries the
one share hold of the pair; the stop leg rests in the OMS without a hold. When the stop fires,
the limit leg is canceled first, and the stop is routed (taking the hold) only once the limit
leg is done, so the same shares can never be sold twice.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from brokerage.domain.ids import AccountId, OrderId, Symbol
from brokerage.domain.money import ZERO
from brokerage.domain.orders.types import OrderType, Side, TimeInForce


class OrderClass(StrEnum):
    SIMPLE = "simple"
    BRACKET = "bracket"
    OCO = "oco"
    OTO = "oto"


class LinkPhase(StrEnum):
    HELD = "held"  # the entry works; the exits wait (Alpaca shows them as `held`)
    ACTIVE = "active"  # the exits work: the limit at the venue, the stop in the OMS
    STOP_FIRED = "stop_fired"  # the stop fired: waiting for the limit leg's cancel
    DONE = "done"


class LinkEvent(StrEnum):
    ENTRY_FILLED = "entry_filled"  # the entry ended with something filled
    ENTRY_EMPTY = "entry_empty"  # the entry ended with nothing filled
    STOP_FIRED = "stop_fired"
    EXIT_DONE = "exit_done"  # an exit ended (filled, canceled, expired, rejected)
    EXITS_CANCELED = "exits_canceled"  # the customer canceled a held exit by its id


P, E = LinkPhase, LinkEvent
TRANSITIONS: dict[tuple[LinkPhase, LinkEvent], LinkPhase] = {
    (P.HELD, E.ENTRY_FILLED): P.ACTIVE,
    (P.HELD, E.ENTRY_EMPTY): P.DONE,
    # A held exit canceled by its id: the exits are one-cancels-other, so all of them go (as
    # at Alpaca); the entry keeps working as a plain order, now without exits.
    (P.HELD, E.EXITS_CANCELED): P.DONE,
    # The stop does not route yet: the limit leg holds the shares until its cancel is confirmed.
    (P.ACTIVE, E.STOP_FIRED): P.STOP_FIRED,
    # One exit ended on its own: the other is canceled.
    (P.ACTIVE, E.EXIT_DONE): P.DONE,
    # The limit leg is done (canceled or filled): the stop routes for what is left, or cancels.
    (P.STOP_FIRED, E.EXIT_DONE): P.DONE,
}


class IllegalLinkTransition(Exception):
    """An event the link group's phase does not allow (a bug)."""


def next_phase(phase: LinkPhase, event: LinkEvent) -> LinkPhase:
    """Return the phase after `event`; raise IllegalLinkTransition on a pair not in the table."""
    try:
        return TRANSITIONS[(phase, event)]
    except KeyError:
        raise IllegalLinkTransition(f"{event.value} is not allowed in {phase.value}") from None


class ClassProblem(StrEnum):
    EXITS_MISSING = "ORDER_CLASS_EXITS_MISSING"
    ONE_EXIT_ONLY = "ORDER_CLASS_ONE_EXIT_ONLY"
    SHORT_EXIT = "ORDER_CLASS_SHORT_EXIT"
    ENTRY_TYPE = "ORDER_CLASS_ENTRY_TYPE"
    PRICES_CROSSED = "ORDER_CLASS_PRICES_CROSSED"
    QUANTITY_REQUIRED = "ORDER_CLASS_QUANTITY_REQUIRED"


@dataclass(frozen=True, slots=True)
class Exit:
    """One exit leg's terms: a take-profit limit, or a stop, stop-limit or trailing stop."""

    order_type: OrderType
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None

    @property
    def is_stop(self) -> bool:
        return self.order_type is not OrderType.LIMIT


def take_profit(limit_price: Decimal) -> Exit:
    return Exit(OrderType.LIMIT, limit_price=limit_price)


def stop_loss(stop_price: Decimal | None, limit_price: Decimal | None = None,
              trail_price: Decimal | None = None, trail_percent: Decimal | None = None) -> Exit:
    """Build the stop exit: trailing if a trail is given, stop-limit if a limit, else stop."""
    if trail_price is not None or trail_percent is not None:
        return Exit(OrderType.TRAILING_STOP, trail_price=trail_price, trail_percent=trail_percent)
    if limit_price is not None:
        return Exit(OrderType.STOP_LIMIT, limit_price=limit_price, stop_price=stop_price)
    return Exit(OrderType.STOP, stop_price=stop_price)


@dataclass(frozen=True, slots=True)
class ClassRequest:
    order_class: OrderClass
    side: Side
    order_type: OrderType
    quantity: Decimal | None
    limit_price: Decimal | None
    take_profit: Exit | None
    stop_loss: Exit | None


def class_problem(r: ClassRequest) -> ClassProblem | None:
    """Return the first thing wrong with a linked-order request, or None."""
    exits = [e for e in (r.take_profit, r.stop_loss) if e is not None]
    if r.quantity is None:
        return ClassProblem.QUANTITY_REQUIRED  # exits sell a share count, not a notional
    if r.order_class is OrderClass.OTO:
        return None if len(exits) == 1 and r.side is Side.BUY else (
            ClassProblem.ONE_EXIT_ONLY if len(exits) != 1 else ClassProblem.SHORT_EXIT)
    if len(exits) != 2:
        return ClassProblem.EXITS_MISSING
    if r.order_class is OrderClass.OCO:
        if r.side is not Side.SELL or r.order_type is not OrderType.LIMIT:
            return ClassProblem.ENTRY_TYPE  # an OCO is a limit sell and a stop sell
    elif r.side is not Side.BUY:
        return ClassProblem.SHORT_EXIT  # no short selling: a bracket's exits sell what it buys
    return _crossed(r.take_profit, r.stop_loss)


def _crossed(profit: Exit | None, loss: Exit | None) -> ClassProblem | None:
    if profit is None or loss is None or loss.stop_price is None:
        return None
    assert profit.limit_price is not None
    return ClassProblem.PRICES_CROSSED if profit.limit_price <= loss.stop_price else None


def stop_quantity(stop_leg_quantity: Decimal, limit_leg_filled: Decimal) -> Decimal:
    """What the fired stop still sells once the limit leg is done: never the same share twice."""
    return max(stop_leg_quantity - limit_leg_filled, ZERO)


@dataclass
class LinkGroup:
    """An entry and its exits, or an OCO pair; `apply` is the only mutator."""

    id: str
    order_class: OrderClass
    account_id: AccountId
    symbol: Symbol
    time_in_force: TimeInForce
    entry_id: OrderId | None
    limit_leg: OrderId | None
    stop_leg: OrderId | None
    take_profit: Exit | None
    stop_loss: Exit | None
    phase: LinkPhase

    def apply(self, event: LinkEvent) -> LinkPhase:
        self.phase = next_phase(self.phase, event)
        return self.phase

    @property
    def members(self) -> tuple[OrderId, ...]:
        return tuple(i for i in (self.entry_id, self.limit_leg, self.stop_leg) if i is not None)

    def is_held_exit(self, order_id: OrderId) -> bool:
        """True for an exit that waits for its entry (it is no order yet)."""
        return self.phase is LinkPhase.HELD and order_id in (self.limit_leg, self.stop_leg)

    def sibling(self, order_id: OrderId) -> OrderId | None:
        if order_id == self.limit_leg:
            return self.stop_leg
        return self.limit_leg if order_id == self.stop_leg else None

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in _FIELDS}
        for name in ("take_profit", "stop_loss"):
            leg = getattr(self, name)
            data[name] = None if leg is None else {k: getattr(leg, k) for k in _EXIT_FIELDS}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LinkGroup":
        def leg(name: str) -> Exit | None:
            return None if data.get(name) is None else _exit(data[name])

        def member(name: str) -> OrderId | None:
            return None if data.get(name) is None else OrderId(data[name])

        return cls(id=data["id"], order_class=OrderClass(data["order_class"]),
                   account_id=AccountId(data["account_id"]), symbol=Symbol(data["symbol"]),
                   time_in_force=TimeInForce(data["time_in_force"]),
                   entry_id=member("entry_id"), limit_leg=member("limit_leg"),
                   stop_leg=member("stop_leg"), phase=LinkPhase(data["phase"]),
                   take_profit=leg("take_profit"), stop_loss=leg("stop_loss"))


_FIELDS = ("id", "order_class", "account_id", "symbol", "time_in_force", "entry_id",
           "limit_leg", "stop_leg", "phase")
_EXIT_FIELDS = ("order_type", "limit_price", "stop_price", "trail_price", "trail_percent")


def _exit(data: dict[str, Any]) -> Exit:
    def dec(name: str) -> Decimal | None:
        return None if data.get(name) is None else Decimal(str(data[name]))

    return Exit(OrderType(data["order_type"]), dec("limit_price"), dec("stop_price"),
                dec("trail_price"), dec("trail_percent"))
