"""Market data in the system of record: candles, price alerts, notifications (SQLAlchemy Core)."""

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, select, tuple_
from sqlalchemy.exc import SQLAlchemyError

from brokerage.adapters.db import tables

log = logging.getLogger(__name__)
Row = dict[str, Any]
_KEY = ("symbol", "timeframe", "start_at")


class SqlMarketDataRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- candles --------------------------------------------------------------------------------

    def save_candles(self, rows: Sequence[Row]) -> None:
        """Insert candles; one already stored (a restart split its interval) is merged."""
        if not rows:
            return
        t = tables.candles
        keys = [tuple(r[k] for k in _KEY) for r in rows]
        with self.engine.begin() as conn:
            existing = {(r.symbol, r.timeframe, r.start_at): dict(r._mapping) for r in
                        conn.execute(select(t).where(
                            tuple_(t.c.symbol, t.c.timeframe, t.c.start_at).in_(keys)))}
            fresh = [r for r, k in zip(rows, keys, strict=True) if k not in existing]
            if fresh:
                conn.execute(t.insert(), fresh)
            for row, key in zip(rows, keys, strict=True):
                old = existing.get(key)
                if old is not None:
                    conn.execute(t.update().where(*(t.c[k] == v for k, v in zip(
                        _KEY, key, strict=True))).values(**_merged(old, row)))

    def candles(self, symbol: str, interval: str, start: datetime, end: datetime,
                limit: int) -> list[Row]:
        t = tables.candles
        query = (select(t).where(t.c.symbol == symbol, t.c.timeframe == interval,
                                 t.c.start_at >= start, t.c.start_at < end)
                 .order_by(t.c.start_at.desc()).limit(limit))
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        rows.reverse()
        return rows

    def has_backfill(self, symbol: str) -> bool:
        t = tables.candles
        query = select(t.c.symbol).where(t.c.symbol == symbol, t.c.timeframe == "1d",
                                         t.c.source.like("backfill%")).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def earliest_live_candle(self) -> datetime | None:
        """Return when the first live (not backfilled) candle of any symbol started."""
        t = tables.candles
        with self.engine.connect() as conn:
            first: datetime | None = conn.execute(select(func.min(t.c.start_at)).where(
                t.c.source == "live")).scalar()  # typed by the column: an aware datetime
        return first

    # --- alerts ---------------------------------------------------------------------------------

    def add_alert(self, row: Row) -> None:
        with self.engine.begin() as conn:
            conn.execute(tables.alerts.insert(), [row])

    def alerts(self, user_id: str, status: str | None = None) -> list[Row]:
        t = tables.alerts
        query = select(t).where(t.c.user_id == user_id).order_by(t.c.created_at, t.c.id)
        if status is not None:
            query = query.where(t.c.status == status)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def alert(self, user_id: str, alert_id: str) -> Row | None:
        t = tables.alerts
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == alert_id,
                                               t.c.user_id == user_id)).first()
        return None if row is None else dict(row._mapping)

    def cancel_alert(self, user_id: str, alert_id: str, ts: datetime) -> bool:
        """Cancel an armed alert of this user; tell whether one was canceled."""
        t = tables.alerts
        with self.engine.begin() as conn:
            result = conn.execute(t.update().where(
                t.c.id == alert_id, t.c.user_id == user_id, t.c.status == "active",
            ).values(status="canceled", updated_at=ts))
        return bool(result.rowcount == 1)

    def armed_alerts(self) -> list[Row]:
        t = tables.alerts
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(t).where(t.c.status == "active").order_by(t.c.id))]

    def fire_alerts(self, fired: Sequence[Row], notifications: Sequence[Row]) -> None:
        """Mark alerts triggered and store their notifications, in one transaction."""
        t = tables.alerts
        with self.engine.begin() as conn:
            for row in fired:
                conn.execute(t.update().where(t.c.id == row["id"], t.c.status == "active")
                             .values(status="triggered", updated_at=row["triggered_at"],
                                     triggered_at=row["triggered_at"],
                                     triggered_price=row["triggered_price"]))
            if notifications:
                conn.execute(tables.notifications.insert(), list(notifications))

    # --- notifications --------------------------------------------------------------------------

    def add_notifications(self, rows: Sequence[Row]) -> None:
        if rows:
            with self.engine.begin() as conn:
                conn.execute(tables.notifications.insert(), list(rows))

    def notifications(self, user_id: str, limit: int) -> list[Row]:
        t = tables.notifications
        query = (select(t).where(t.c.user_id == user_id)
                 .order_by(t.c.created_at.desc(), t.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def users_of_accounts(self, account_ids: Iterable[str]) -> dict[str, str]:
        """Map account ids to their users' ids."""
        ids = sorted(set(account_ids))
        if not ids:
            return {}
        t = tables.accounts
        with self.engine.connect() as conn:
            return {r.id: r.user_id for r in conn.execute(
                select(t.c.id, t.c.user_id).where(t.c.id.in_(ids)))}

    def watching_accounts(self, symbol: str) -> set[str]:
        """Return the accounts with the symbol on a watchlist (none if there are no lists)."""
        t = tables.metadata.tables.get("watchlists")
        if t is None:
            return set()
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(select(t.c.account_id, t.c.symbols).where(
                    and_(t.c.symbols.like(f'%"{symbol}"%')))).all()
        except SQLAlchemyError:
            log.warning("watchlists unreadable; halt notices go to holders and alert owners")
            return set()
        return {r.account_id for r in rows if symbol in json.loads(r.symbols)}


def _merged(old: Row, new: Row) -> Row:
    return {"high": max(old["high"], new["high"]), "low": min(old["low"], new["low"]),
            "close": new["close"], "volume": old["volume"] + new["volume"],
            "trades": old["trades"] + new["trades"], "end_at": new["end_at"]}
