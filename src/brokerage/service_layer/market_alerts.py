"""Price alerts and notifications: validation, rows, views and the messages that go out.

An alert is stored (`alerts`), armed in the in-memory `AlertBook`, and checked by the market
data timer against the highest and lowest print since the previous check. When it fires, the
alert row turns `triggered` and a notification row is stored in the same transaction; only
then is the `Notification` published on the bus for the streams to deliver.
"""

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from brokerage.domain.market_data.alerts import AlertDirection, PriceAlert
from brokerage.domain.market_data.halts import TradingStatus
from brokerage.domain.market_data.ticks import to_price, to_ticks
from brokerage.service_layer.errors import NotFound, Refused
from brokerage.service_layer.market_events import Notification
from brokerage.service_layer.market_status import StatusChange

Row = dict[str, Any]
MAX_ACTIVE_ALERTS_PER_USER = 200
GROUP_NOTICES_ABOVE = 5  # more halt notices than this for one user in one step: one summary


def new_alert_row(alert_id: str, user_id: str, symbol: str, direction: str, price: Decimal,
                  known: Callable[[str], bool], now: datetime) -> Row:
    """Validate an alert request and return its row; raise Refused with nothing changed."""
    if not known(symbol):
        raise NotFound("ASSET_NOT_FOUND", f"no asset {symbol}")
    if direction not in (AlertDirection.ABOVE, AlertDirection.BELOW):
        raise Refused("ALERT_INVALID", "direction must be 'above' or 'below'")
    if to_ticks(price) is None:
        raise Refused("ALERT_INVALID", "price must be positive, in steps of $0.0001")
    return {"id": alert_id, "user_id": user_id, "symbol": symbol, "direction": direction,
            "price": price, "status": "active", "created_at": now, "updated_at": now,
            "triggered_at": None, "triggered_price": None}


def armed(row: Row) -> PriceAlert:
    ticks = to_ticks(row["price"])
    assert ticks is not None  # validated when created
    return PriceAlert(row["id"], row["user_id"], row["symbol"],
                      AlertDirection(row["direction"]), ticks)


def alert_view(row: Row) -> Row:
    triggered = row.get("triggered_at")
    return {"id": row["id"], "symbol": row["symbol"], "direction": row["direction"],
            "price": price_text(row["price"]), "status": row["status"],
            "created_at": row["created_at"].isoformat(),
            "triggered_at": triggered.isoformat() if triggered else None,
            "triggered_price": None if row.get("triggered_price") is None
            else price_text(row["triggered_price"])}


def price_text(value: Decimal) -> str:
    """Show a stored price as prices are shown (PostgreSQL pads NUMERIC with zeros)."""
    ticks = to_ticks(value)
    return str(value) if ticks is None else str(to_price(ticks))


def require_alert(row: Row | None, alert_id: str) -> Row:
    if row is None:
        raise NotFound("ALERT_NOT_FOUND", f"no alert {alert_id}")
    return row


def notification(notification_id: str, user_id: str, kind: str, title: str, body: str,
                 data: Row, now: datetime) -> tuple[Row, Notification]:
    """Return a notification's row and the message that announces it."""
    row = {"id": notification_id, "user_id": user_id, "kind": kind, "title": title,
           "body": body, "data": json.dumps(data, sort_keys=True), "created_at": now}
    return row, Notification(notification_id, user_id, kind, title, body, data, now)


def notification_view(row: Row) -> Row:
    return {"id": row["id"], "kind": row["kind"], "title": row["title"], "body": row["body"],
            "data": json.loads(row["data"]), "created_at": row["created_at"].isoformat()}


def fired_rows(alert: PriceAlert, high: int, low: int, now: datetime,
               new_id: Callable[[], str]) -> tuple[Row, Row, Notification]:
    """Return the triggered alert's update, its notification row and message."""
    crossed_at = high if alert.direction is AlertDirection.ABOVE else low
    price = to_price(crossed_at)
    level = to_price(alert.price)
    update = {"id": alert.alert_id, "triggered_at": now, "triggered_price": price}
    title = f"{alert.symbol} {alert.direction.value} {level}"
    body = f"{alert.symbol} traded at {price}, {alert.direction.value} your alert at {level}."
    data = {"alert_id": alert.alert_id, "symbol": alert.symbol,
            "direction": alert.direction.value, "level": str(level), "price": str(price)}
    row, message = notification(new_id(), alert.user_id, "alert", title, body, data, now)
    return update, row, message


def is_notable(change: StatusChange) -> bool:
    """Tell whether a status change is a halt or a resume (limit states are not notified)."""
    stopped = (TradingStatus.PAUSED, TradingStatus.HALTED)
    return change.status in stopped or change.previous in stopped


def halt_notices(changes: Iterable[StatusChange], users_of: Mapping[str, set[str]],
                 now: datetime, new_id: Callable[[], str]) -> list[tuple[Row, Notification]]:
    """Return the notices of halts and resumes for the users holding or watching each symbol."""
    per_user: dict[str, list[StatusChange]] = {}
    for change in changes:
        for user in sorted(users_of.get(change.symbol, ())):
            per_user.setdefault(user, []).append(change)
    out = []
    for user, mine in sorted(per_user.items()):
        if len(mine) > GROUP_NOTICES_ABOVE:
            symbols = sorted({c.symbol for c in mine})
            body = f"{mine[-1].reason}: {len(symbols)} of your symbols are affected."
            data = {"symbols": symbols, "status": mine[-1].status.value}
            out.append(notification(new_id(), user, "halt", "Market-wide trading status",
                                    body, data, now))
            continue
        for change in mine:
            verb = "resumed" if change.status is TradingStatus.TRADING else "halted"
            out.append(notification(new_id(), user, "halt", f"{change.symbol} {verb}",
                                    f"{change.symbol}: {change.reason}.", change.view(), now))
    return out
