"""Account activities and portfolio history, rebuilt from fills and cash transfers.

Nothing here is invented: the history starts when the account does, equity at a moment is the
cash and shares the account had then, and shares are priced at the account's own last fill at
or before that moment (the live last sale for the point that reaches now).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from brokerage.adapters.db import tables
from brokerage.domain.money import ZERO, usd
from brokerage.read_models import queries
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.platform import Platform

NEW_YORK = ZoneInfo("America/New_York")
TIMEFRAMES = {"1Min": timedelta(minutes=1), "5Min": timedelta(minutes=5),
              "15Min": timedelta(minutes=15), "1H": timedelta(hours=1), "1D": timedelta(days=1)}
PERIOD_UNITS = {"D": 1, "W": 7, "M": 30, "A": 365}
MAX_POINTS = 10_000  # put a limit on everything: a history is at most this many points


@dataclass(frozen=True)
class Fill:
    ts: datetime
    exec_id: str
    order_id: str
    symbol: str
    side: str
    qty: Decimal
    price: Decimal


@dataclass(frozen=True)
class CashFlow:
    ts: datetime
    transfer_id: str
    kind: str  # CSD (deposit) | CSW (withdrawal)
    amount: Decimal  # signed: + in, - out


def fills(platform: Platform, account_id: str) -> list[Fill]:
    f = tables.fills
    query = select(f).where(f.c.account_id == account_id).order_by(f.c.ts, f.c.exec_id)
    with platform.store.read() as conn:
        return [Fill(r.ts, r.exec_id, r.order_id, r.symbol, r.side, r.quantity, r.price)
                for r in conn.execute(query)]


def cash_flows(platform: Platform, account_id: str) -> list[CashFlow]:
    t = tables.cash_transfers
    query = select(t).where(t.c.account_id == account_id).order_by(t.c.created_at)
    with platform.store.read() as conn:
        return [CashFlow(r.created_at, r.id, "CSD" if r.direction == "deposit" else "CSW",
                         r.amount if r.direction == "deposit" else -r.amount)
                for r in conn.execute(query)]


# --- activities --------------------------------------------------------------------------------


def activity_id(ts: datetime, ref: str) -> str:
    """Alpaca's activity id: a sortable time stamp, '::', a unique reference."""
    return ts.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")[:17] + "::" + ref


def _order_facts(platform: Platform, order_ids: Iterable[str]) -> dict[str, tuple[Any, str]]:
    t = tables.orders
    with platform.store.read() as conn:
        rows = conn.execute(select(t.c.id, t.c.quantity, t.c.status)
                            .where(t.c.id.in_(set(order_ids))))
        return {r.id: (r.quantity, r.status) for r in rows}


def fill_activities(platform: Platform, account_id: str) -> list[dict[str, Any]]:
    """Return FILL activities with their running cumulative and remaining quantities."""
    booked = fills(platform, account_id)
    facts = _order_facts(platform, (f.order_id for f in booked))
    total: dict[str, Decimal] = {}
    for f in booked:
        total[f.order_id] = total.get(f.order_id, ZERO) + f.qty
    cumulative: dict[str, Decimal] = {}
    out = []
    for f in booked:
        cum = cumulative[f.order_id] = cumulative.get(f.order_id, ZERO) + f.qty
        quantity, status = facts.get(f.order_id, (None, "filled"))
        # A notional order has no share quantity: what is left is what its later fills took.
        leaves = total[f.order_id] - cum if quantity is None else quantity - cum
        complete = leaves == ZERO and status == "filled"
        out.append({
            "id": activity_id(f.ts, f.exec_id), "account_id": account_id,
            "activity_type": "FILL", "transaction_time": f.ts,
            "type": "fill" if complete else "partial_fill", "price": f.price, "qty": f.qty,
            "side": f.side, "symbol": f.symbol, "leaves_qty": leaves, "order_id": f.order_id,
            "cum_qty": cum,
            "order_status": "partially_filled" if status == "filled" and not complete else status,
        })
    return out


def transfer_activities(platform: Platform, account_id: str) -> list[dict[str, Any]]:
    """Return cash deposits (CSD) and withdrawals (CSW)."""
    return [{"id": activity_id(c.ts, c.transfer_id), "account_id": account_id,
             "activity_type": c.kind, "date": c.ts.astimezone(NEW_YORK).date(),
             "net_amount": c.amount, "description": "ACH " + (
                 "deposit" if c.kind == "CSD" else "withdrawal"), "status": "executed"}
            for c in cash_flows(platform, account_id)]


@dataclass(frozen=True)
class ActivityFilter:
    types: frozenset[str] = frozenset()
    after: datetime | None = None
    until: datetime | None = None
    direction: str = "desc"
    page_size: int = 100
    page_token: str | None = None


def _when(activity: dict[str, Any]) -> datetime:
    when = activity.get("transaction_time")
    if when is not None:
        return when  # type: ignore[no-any-return]
    return datetime.combine(activity["date"], time(), tzinfo=NEW_YORK)


def activities(platform: Platform, account_id: str, wanted: ActivityFilter) -> list[dict[str, Any]]:
    """Return the account's activities, filtered and paged like Alpaca's endpoint."""
    found: list[dict[str, Any]] = []
    if not wanted.types or "FILL" in wanted.types:
        found += fill_activities(platform, account_id)
    if not wanted.types or wanted.types & {"CSD", "CSW", "TRANS"}:
        found += [a for a in transfer_activities(platform, account_id)
                  if not wanted.types or a["activity_type"] in wanted.types
                  or "TRANS" in wanted.types]
    if wanted.after is not None:
        found = [a for a in found if _when(a) > wanted.after]
    if wanted.until is not None:
        found = [a for a in found if _when(a) < wanted.until]
    descending = wanted.direction != "asc"
    found.sort(key=lambda a: str(a["id"]), reverse=descending)
    if wanted.page_token:
        token = wanted.page_token
        found = [a for a in found if (a["id"] < token if descending else a["id"] > token)]
    return found[:wanted.page_size]


# --- portfolio history ------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRequest:
    period: str | None = None
    timeframe: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class History:
    timestamps: list[int]
    equity: list[Decimal]
    profit_loss: list[Decimal]
    profit_loss_pct: list[Decimal | None]
    base_value: Decimal
    timeframe: str


def period_length(period: str) -> timedelta:
    """Parse Alpaca's period ('1D', '2W', '1M', '1A')."""
    unit = PERIOD_UNITS.get(period[-1:].upper())
    if unit is None or not period[:-1].isdigit() or int(period[:-1]) < 1:
        raise Refused("INVALID_PERIOD", f"invalid period {period!r}")
    return timedelta(days=int(period[:-1]) * unit)


def _default_timeframe(length: timedelta) -> str:
    if length <= timedelta(days=1):
        return "5Min"
    if length < timedelta(days=7):
        return "15Min"
    return "1D"


def _window(platform: Platform, asked: HistoryRequest, first_money: datetime | None
            ) -> tuple[datetime, datetime, str]:
    now = platform.deps.clock.now()
    end = min(asked.end or now, now)
    length = period_length(asked.period or ("1M" if asked.start is None else "100A"))
    start = asked.start or end - length
    timeframe = asked.timeframe or _default_timeframe(end - start)
    # No history before the account's first deposit or fill: nothing to show, none invented.
    start = max(start, min(first_money or end, end))
    if timeframe not in TIMEFRAMES:
        raise Refused("INVALID_TIMEFRAME", f"timeframe must be one of {', '.join(TIMEFRAMES)}")
    return start, end, timeframe


def _points(platform: Platform, start: datetime, end: datetime, timeframe: str
            ) -> list[tuple[datetime, datetime]]:
    """Return (label, valued-at) pairs: each window's start, and its end (capped at `end`)."""
    calendar: Any = platform.deps.calendar
    day = calendar.session_on_or_after(start.astimezone(NEW_YORK).date())
    step = TIMEFRAMES[timeframe]
    points: list[tuple[datetime, datetime]] = []
    while day <= end.astimezone(NEW_YORK).date() and len(points) < MAX_POINTS:
        times = calendar.session_times(day)
        if timeframe == "1D":
            label = datetime.combine(day, time(), tzinfo=NEW_YORK)
            points.append((label, min(times.regular_close, end)))
        else:
            points += _intraday(times.regular_open, times.regular_close, step, start, end)
        day = calendar.next_session(day)
    return [p for p in points if p[1] >= start][:MAX_POINTS]


def _intraday(opens: datetime, closes: datetime, step: timedelta, start: datetime,
              end: datetime) -> list[tuple[datetime, datetime]]:
    out, label = [], opens
    while label < closes and label <= end:
        if label + step > start:
            out.append((label, min(label + step, closes, end)))
        label += step
    return out


def _equity_at(moment: datetime, booked: list[Fill], flows: list[CashFlow],
               live: dict[str, Decimal]) -> Decimal:
    cash = sum((c.amount for c in flows if c.ts <= moment), ZERO)
    shares: dict[str, Decimal] = {}
    prices: dict[str, Decimal] = {}
    for f in booked:
        if f.ts > moment:
            break
        sign = 1 if f.side == "buy" else -1
        shares[f.symbol] = shares.get(f.symbol, ZERO) + sign * f.qty
        prices[f.symbol] = f.price
        cash -= sign * usd(f.qty * f.price)
    prices.update(live)
    return cash + sum((q * prices[s] for s, q in shares.items()), ZERO)


def portfolio_history(platform: Platform, account_id: str, asked: HistoryRequest) -> History:
    """Value the account at the end of every window of the period."""
    booked, flows = fills(platform, account_id), cash_flows(platform, account_id)
    first = min([*(f.ts for f in booked[:1]), *(c.ts for c in flows[:1])], default=None)
    start, end, timeframe = _window(platform, asked, first)
    now = platform.deps.clock.now()
    symbols = {f.symbol for f in booked}
    live = {s: queries.price_of(platform, s) for s in symbols}
    points = _points(platform, start, end, timeframe)
    equity = [_equity_at(at, booked, flows, live if at >= now else {}) for _, at in points]
    base = _equity_at(start, booked, flows, {})
    pl, pct = [], []
    for (_, at), value in zip(points, equity, strict=True):
        flowed = sum((c.amount for c in flows if start < c.ts <= at), ZERO)
        gain = value - base - flowed
        pl.append(gain)
        invested = base + flowed
        pct.append(gain / invested if invested > ZERO else None)
    return History(timestamps=[int(label.timestamp()) for label, _ in points], equity=equity,
                   profit_loss=pl, profit_loss_pct=pct, base_value=base, timeframe=timeframe)


def equity_at(platform: Platform, account_id: str, moment: datetime) -> Decimal:
    """Value the account at a past moment (its last_equity is the previous close)."""
    return _equity_at(moment, fills(platform, account_id), cash_flows(platform, account_id), {})


def previous_close(platform: Platform) -> datetime | None:
    """Return the close of the last session that ended before now."""
    calendar: Any = platform.deps.calendar
    now = platform.deps.clock.now()
    today: date = now.astimezone(NEW_YORK).date()
    for day in (today - timedelta(days=n) for n in range(0, 10)):
        times = calendar.session_times(day)
        if times is not None and times.regular_close <= now:
            return times.regular_close  # type: ignore[no-any-return]
    return None
