"""What a customer is told about their own orders, and the key that makes each notice once.

A read model of the committed order events: the notifier (`order_notifier.py`) feeds it the
`OrderUpdated` messages of the bus, and after a restart the `order_events` table. Every notice
carries a dedup key: a fill's is its venue and execution id, so an execution report delivered
twice, or an event seen live and again by the start-up catch-up, is stored and pushed once.

Told: every fill, partial or complete (`fill`); a venue's rejection (`order_rejected`); an
expiry (`order_expired`); a cancel the customer did not ask for, such as an IOC remainder, a
venue's unsolicited cancel or a linked leg the OMS ended (`order_canceled`). A risk rejection
is not: the customer got it as the answer to their request.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

NOTIFIED_EVENTS = ("filled", "venue_rejected", "expired", "canceled")
CUSTOMER_CANCEL_REASON = "canceled by customer"  # handlers/orders.py, for OMS-held orders
CENT = Decimal("0.01")


@dataclass(frozen=True)
class OrderFact:
    """One committed order event and the order's fields right after it.

    `order` needs symbol, side, order_type, time_in_force, quantity, notional, status and
    filled_quantity; `cancel_requested` says whether the customer asked for a cancel earlier.
    """

    account_id: str
    order_id: str
    event: str
    detail: Mapping[str, Any]
    order: Mapping[str, Any]
    ts: datetime
    cancel_requested: bool = False


@dataclass(frozen=True)
class OrderNotice:
    """A notification for the owner of an account, with the key that makes it unique."""

    dedup_key: str
    account_id: str
    kind: str
    title: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)
    ts: datetime | None = None


def notice_of(fact: OrderFact) -> OrderNotice | None:
    """Return the notice of an order event, or None when the customer is not told of it."""
    build = _BUILDERS.get(fact.event)
    return None if build is None else build(fact)


def _fill(fact: OrderFact) -> OrderNotice:
    o, d = fact.order, fact.detail
    symbol, side = str(o.get("symbol", "")), str(o.get("side", ""))
    qty, price = _qty(d.get("quantity")), _dollars(d.get("price"))
    verb = "Bought" if side == "buy" else "Sold"
    complete = o.get("status") == "filled"
    if complete:
        body = f"Your {_order_words(o)} is filled."
    elif o.get("quantity") is not None:
        body = (f"{_qty(o.get('filled_quantity'))} of {_qty(o.get('quantity'))} {symbol} "
                "filled so far; the rest of your order is still working.")
    else:
        body = (f"{_qty(o.get('filled_quantity'))} {symbol} filled so far for your "
                f"{_dollars(o.get('notional'))} order; the rest is still working.")
    data = {**_ids(fact), "qty": _qty(d.get("quantity")), "price": _qty(d.get("price")),
            "venue": d.get("venue"), "exec_id": d.get("exec_id"),
            "filled_qty": _qty(o.get("filled_quantity")), "order_qty": _qty(o.get("quantity")),
            "order_status": o.get("status"), "partial": not complete}
    return OrderNotice(f"fill:{d.get('venue')}:{d.get('exec_id')}", fact.account_id, "fill",
                       f"{verb} {qty} {symbol} at {price}", body, data, fact.ts)


def _rejected(fact: OrderFact) -> OrderNotice:
    reason = str(fact.detail.get("reason") or "no reason given")
    return OrderNotice(f"rejected:{fact.order_id}", fact.account_id, "order_rejected",
                       f"Order rejected: {_short(fact.order)}",
                       f"The venue rejected your {_order_words(fact.order)}: {reason}.",
                       {**_ids(fact), "reason": reason}, fact.ts)


def _expired(fact: OrderFact) -> OrderNotice:
    reason = str(fact.detail.get("reason") or "its time in force ran out")
    return OrderNotice(f"expired:{fact.order_id}", fact.account_id, "order_expired",
                       f"Order expired: {_short(fact.order)}",
                       f"Your {_order_words(fact.order)} expired ({reason}); "
                       f"{_filled_words(fact.order)}.", {**_ids(fact), "reason": reason},
                       fact.ts)


def _canceled(fact: OrderFact) -> OrderNotice | None:
    reason = str(fact.detail.get("reason") or "canceled")
    if fact.cancel_requested or reason == CUSTOMER_CANCEL_REASON:
        return None  # the customer asked: the order update is the answer
    return OrderNotice(f"canceled:{fact.order_id}", fact.account_id, "order_canceled",
                       f"Order canceled: {_short(fact.order)}",
                       f"Your {_order_words(fact.order)} was canceled without your request "
                       f"({reason}); {_filled_words(fact.order)}.",
                       {**_ids(fact), "reason": reason}, fact.ts)


_BUILDERS: dict[str, Callable[[OrderFact], OrderNotice | None]] = {
    "filled": _fill, "venue_rejected": _rejected, "expired": _expired, "canceled": _canceled}


def _ids(fact: OrderFact) -> dict[str, Any]:
    return {"order_id": fact.order_id, "symbol": fact.order.get("symbol"),
            "side": fact.order.get("side")}


def _short(order: Mapping[str, Any]) -> str:
    """`buy 3 AAPL` or `buy $500.00 of AAPL`."""
    symbol = order.get("symbol", "")
    if order.get("quantity") is None and order.get("notional") is not None:
        return f"{order.get('side')} {_dollars(order.get('notional'))} of {symbol}"
    return f"{order.get('side')} {_qty(order.get('quantity'))} {symbol}"


def _order_words(order: Mapping[str, Any]) -> str:
    """`DAY limit order to buy 3 AAPL`."""
    tif = str(order.get("time_in_force") or "").upper()
    kind = str(order.get("order_type") or "").replace("_", " ")
    return f"{tif} {kind} order to {_short(order)}".strip()


def _filled_words(order: Mapping[str, Any]) -> str:
    filled = _decimal(order.get("filled_quantity"))
    if not filled:
        return "nothing was filled"
    if order.get("quantity") is None:
        return f"{_qty(filled)} {order.get('symbol')} were filled"
    return f"{_qty(filled)} of {_qty(order.get('quantity'))} were filled"


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _qty(value: Any) -> str:
    """Show a quantity without trailing zeros (`3`, `0.5`); unknown as `?`."""
    number = _decimal(value)
    return "?" if number is None else format(number.normalize(), "f")


def _dollars(value: Any) -> str:
    """Show a price as customers read it: `$187.20`, sub-penny digits kept (`$0.1234`)."""
    number = _decimal(value)
    if number is None:
        return "$?"
    exact = number.normalize()
    shown = number.quantize(CENT) if exact == exact.quantize(CENT) else exact
    return f"${shown:,f}"
