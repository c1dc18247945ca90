"""The market data service: feed, quote cache, candles, trading status, alerts, notifications.

Venues call `on_trade_print` / `on_top_of_book` (the hot path, in memory only). The platform
timer calls `step()`: it advances the timer-driven feeds (the synthetic one), finalizes due
candles, runs LULD / halts / the breaker, checks alerts, marks quotes stale, publishes the
latest state of what changed on the bus (conflated: one update per symbol and channel per
step, and only when someone listens), then writes candles, fired alerts and notifications
to the database and quotes to the cache off the event loop.
Notifications are published only after their rows are committed.
"""

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from brokerage.domain.bars import DailyBar
from brokerage.domain.execution import TopOfBook, TradePrint
from brokerage.domain.market_data.alerts import AlertBook
from brokerage.domain.market_data.candles import Candle, Interval
from brokerage.domain.market_data.ticks import (
    US_PER_S,
    from_us,
    price_text,
    to_us,
)
from brokerage.service_layer import market_alerts as al
from brokerage.service_layer.errors import Conflict, Refused
from brokerage.service_layer.market_backfill import backfill_rows
from brokerage.service_layer.market_events import Channel, MarketUpdate, Notification
from brokerage.service_layer.market_feed import Changed, MarketFeed, print_view
from brokerage.service_layer.market_outbox import Outbox
from brokerage.service_layer.market_ports import QuoteCache
from brokerage.service_layer.market_status import SessionClock, StatusChange, TradingStatusBoard
from brokerage.service_layer.market_views import bar_view, candle_row, iso_date, stored_bar_view
from brokerage.service_layer.messagebus import EventBus
from brokerage.service_layer.quote_history import QuoteHistory

log = logging.getLogger(__name__)
Row = dict[str, Any]
PARTIAL_BARS_EVERY_US = US_PER_S  # in-progress candles go out at most once a second per symbol


@dataclass
class MarketDataDeps:
    """What the service needs from the outside (ports and callables, wired in bootstrap)."""

    clock: Any  # Clock
    calendar: Any  # session_times(day), session_date(now), phase(now)
    windows: Any  # XnysSessionWindows: __call__(ts_us) and window(day)
    repo: Any  # MarketDataRepository
    cache: QuoteCache
    bus: EventBus
    ids: Callable[[], str]
    instruments: Any  # Mapping[Symbol, Instrument]
    daily_bars: Callable[[str], list[DailyBar]]
    holders: Callable[[str], set[str]]  # accounts holding a symbol
    depth: Callable[[str, int], Row] | None = None
    stale_after_s: int = 10
    feeds: Sequence[Any] = ()  # timer-driven feeds (the synthetic one): advance(now) each step


class MarketDataService:
    def __init__(self, deps: MarketDataDeps, feed: MarketFeed, board: TradingStatusBoard) -> None:
        self.deps = deps
        self.feed = feed
        self.board = board
        self.alerts = AlertBook()
        self._stale: set[str] = set(feed.states)
        self._partial_sent: dict[str, int] = {}
        self._first_live: date | None = None
        self._backfilled: set[str] = set()
        self._lock = asyncio.Lock()
        self._backfill_lock = threading.Lock()
        self._unsaved: Outbox | None = None
        self.quote_history = QuoteHistory()  # top-of-book changes for GET quotes (Alpaca)

    # --- feed (hot path) ---------------------------------------------------------------------

    def on_trade_print(self, trade: TradePrint) -> None:
        self.feed.on_trade_print(trade)

    def on_top_of_book(self, top: TopOfBook) -> None:
        self.feed.on_top_of_book(top)

    # --- lifecycle and timer ------------------------------------------------------------------

    async def start(self) -> None:
        """Arm the stored alerts and note the first live session (the backfill's anchor)."""
        now = self.deps.clock.now()
        self._first_live = self.deps.calendar.session_date(now) or now.date()
        for row in await asyncio.to_thread(self.deps.repo.armed_alerts):
            self.alerts.add(al.armed(row))

    async def step(self) -> None:
        """Run one timer step (see the module docstring); steps never overlap.

        If the database write fails, what was not written is kept and written with the next
        step (fired alerts are announced only once stored); past MAX_UNSAVED_CANDLES the
        oldest unsaved candles are dropped, with an error in the log.
        """
        async with self._lock:
            now = self.deps.clock.now()
            for feed in self.deps.feeds:
                feed.advance(now)
            out = self._collect(now)
            if self._unsaved is not None:
                out = self._unsaved.merge(out)
            try:
                await asyncio.to_thread(self._persist, out)
            except Exception:
                self._unsaved = out.bounded()
                raise
            self._unsaved = None
            for _, message in out.notices:
                self.deps.bus.publish(message)
            notable = [c for c in out.halts if al.is_notable(c)]
            if notable:
                await self._notify_halts(notable, now)

    def _collect(self, now: datetime) -> Outbox:
        now_us = to_us(now)
        listening = self.deps.bus.has_listeners(MarketUpdate)
        collected = self.feed.collect(now_us, with_prints=listening)
        out = Outbox(candles=[candle_row(c) for c in collected.candles])
        for candle in collected.candles:
            self.board.on_candle(candle)
        out.halts = self.board.evaluate(self._session_clock(now), collected.changed,
                                         self._nbbo, self._last)
        self._check_alerts(collected.changed, now, out)
        changed = {c.symbol for c in collected.changed} | self._stale_flips(now_us)
        changed |= {c.symbol for c in out.halts}
        out.quotes = {s: self._quote_row(s) for s in sorted(changed)}
        self.quote_history.record(out.quotes)
        if listening:
            self._publish(collected.changed, collected.candles, out, now)
        return out

    def _persist(self, out: Outbox) -> None:
        repo = self.deps.repo
        repo.save_candles(out.candles)
        if out.fired or out.notices:
            repo.fire_alerts(out.fired, [row for row, _ in out.notices])
        self.deps.cache.put_many(out.quotes)

    async def _notify_halts(self, changes: list[StatusChange], now: datetime) -> None:
        symbols = sorted({c.symbol for c in changes})
        accounts = {s: self.deps.holders(s) for s in symbols}
        watchers = {s: self.alerts.watchers(s) for s in symbols}

        def store() -> list[tuple[Row, Notification]]:
            repo = self.deps.repo
            for s in symbols:
                accounts[s] |= repo.watching_accounts(s)
            users = repo.users_of_accounts(a for acc in accounts.values() for a in acc)
            users_of = {s: {users[a] for a in accounts[s] if a in users} | watchers[s]
                        for s in symbols}
            notices = al.halt_notices(changes, users_of, now, self.deps.ids)
            repo.add_notifications([row for row, _ in notices])
            return notices

        try:
            for _, message in await asyncio.to_thread(store):
                self.deps.bus.publish(message)
        except Exception:
            log.exception("halt notifications failed")

    # --- rules --------------------------------------------------------------------------------

    def _session_clock(self, now: datetime) -> SessionClock:
        now_us = to_us(now)
        session = self.deps.calendar.session_date(now)
        times = self.deps.calendar.session_times(session) if session else None
        if times is None or not times.regular_open <= now < times.regular_close:
            return SessionClock(now_us, session, False, False, False)
        doubled = (now < times.regular_open + timedelta(minutes=15)
                   or now >= times.regular_close - timedelta(minutes=25))
        late = now >= times.regular_close - timedelta(minutes=35)  # 15:25 on a normal day
        return SessionClock(now_us, session, True, doubled, late)

    def _check_alerts(self, changed: Iterable[Changed], now: datetime, out: Outbox) -> None:
        for change in changed:
            if change.high is None or change.low is None:
                continue
            for alert in self.alerts.check(change.symbol, change.high, change.low):
                update, row, message = al.fired_rows(alert, change.high, change.low, now,
                                                     self.deps.ids)
                out.fired.append(update)
                out.notices.append((row, message))

    def _stale_flips(self, now_us: int) -> set[str]:
        cutoff = now_us - self.deps.stale_after_s * US_PER_S  # never updated: -1, stale
        stale = {s for s, st in self.feed.states.items()
                 if st.last_ts < cutoff and st.quote_us < cutoff}
        flipped = stale ^ self._stale
        self._stale = stale
        return flipped

    def _nbbo(self, symbol: str) -> Any:
        return self.feed.states[symbol].nbbo

    def _last(self, symbol: str) -> int | None:
        state = self.feed.states.get(symbol)
        return None if state is None else state.last

    # --- publishing ---------------------------------------------------------------------------

    def _publish(self, changed: Sequence[Changed], candles: Sequence[Candle], out: Outbox,
                 now: datetime) -> None:
        publish, now_us = self.deps.bus.publish, to_us(now)
        for symbol, quote in out.quotes.items():
            publish(MarketUpdate(Channel.QUOTES, symbol, self._served(quote, now_us), now))
        for change in changed:
            for p in change.prints:
                publish(MarketUpdate(Channel.TRADES, change.symbol,
                                     {"symbol": change.symbol, **print_view(p)}, now))
        for candle in candles:
            publish(MarketUpdate(Channel.BARS, candle.symbol, bar_view(candle, True), now))
        for change in out.halts:
            publish(MarketUpdate(Channel.STATUS, change.symbol, change.view(), now))
        for change in changed:
            self._publish_partial(change.symbol, now, now_us)

    def _publish_partial(self, symbol: str, now: datetime, now_us: int) -> None:
        if now_us - self._partial_sent.get(symbol, 0) < PARTIAL_BARS_EVERY_US:
            return
        self._partial_sent[symbol] = now_us
        for interval in Interval:
            candle = self.feed.candles.current(symbol, interval)
            if candle is not None:
                self.deps.bus.publish(MarketUpdate(Channel.BARS, symbol,
                                                   bar_view(candle, False), now))
        if self.deps.depth is not None:
            self.deps.bus.publish(MarketUpdate(Channel.DEPTH, symbol,
                                               self.deps.depth(symbol, 10), now))

    # --- queries ------------------------------------------------------------------------------

    def _quote_row(self, symbol: str) -> Row:
        row = self.feed.quote_view(symbol, self.feed.day_candle(symbol))
        row["previous_close"] = price_text(self.board.previous_close(symbol))
        row["status"] = self.board.status(symbol).status.value
        return row

    def _served(self, quote: Row, now_us: int) -> Row:
        served = dict(quote)
        updated = served.pop("updated_us", None)
        served["stale"] = updated is None or now_us - updated > self.deps.stale_after_s * US_PER_S
        served["updated_at"] = None if updated is None else from_us(updated).isoformat()
        return served

    def quotes(self, symbols: Sequence[str]) -> dict[str, Row]:
        """Return the latest quote of each symbol from the cache, with its stale flag."""
        now_us = to_us(self.deps.clock.now())
        cached = self.deps.cache.get_many(symbols)
        return {s: self._served(cached.get(s) or self._quote_row(s), now_us) for s in symbols}

    def trades(self, symbol: str, limit: int) -> list[Row]:
        return self.feed.trades_view(symbol, limit)

    def depth(self, symbol: str, levels: int) -> Row:
        if self.deps.depth is None:
            return {"symbol": symbol, "bids": [], "asks": []}
        return self.deps.depth(symbol, levels)

    def candles(self, symbol: str, interval: Interval, start: datetime, end: datetime,
                limit: int) -> list[Row]:
        """Return stored candles in [start, end), plus the open one if it starts in range."""
        self._ensure_backfill(symbol)
        rows = [stored_bar_view(r) for r in
                self.deps.repo.candles(symbol, interval.value, start, end, limit)]
        current = self.feed.candles.current(symbol, interval)
        if current is not None and start <= from_us(current.start_us) < end:
            if rows and rows[-1]["start"] == from_us(current.start_us).isoformat():
                rows.pop()  # a restart split it: the live one carries the latest state
            rows.append(bar_view(current, False))
        return rows[-limit:]

    def _ensure_backfill(self, symbol: str) -> None:
        with self._backfill_lock:
            self._backfill(symbol)

    def _backfill(self, symbol: str) -> None:
        if symbol in self._backfilled:
            return
        repo = self.deps.repo
        if not repo.has_backfill(symbol):
            instrument = self.deps.instruments[symbol]
            rows = backfill_rows(symbol, str(instrument.calibrated_from),
                                 self.deps.daily_bars(symbol), self.deps.windows.window,
                                 self._first_live_session())
            repo.save_candles(rows)
        self._backfilled.add(symbol)

    def _first_live_session(self) -> date:
        """Return the platform's first session: history ends the session before it.

        The earliest live candle stored wins over this process's start, so symbols backfilled
        after a restart line up with those backfilled before it.
        """
        first = self._first_live or self.deps.clock.now().date()
        earliest = self.deps.repo.earliest_live_candle()
        if earliest is not None:
            first = min(first, self.deps.calendar.session_date(earliest) or earliest.date())
        return first

    def market_status(self) -> Row:
        now = self.deps.clock.now()
        calendar = self.deps.calendar
        return {"timestamp": now.isoformat(), "clock": self.deps.clock.name,
                "phase": calendar.phase(now).value,
                "session": iso_date(calendar.session_date(now)),
                "halts": [self.board.view(s) for s in self.board.not_trading()],
                "circuit_breaker": self.board.breaker_view(),
                "feed": self.feed.counters.as_dict(), "stale_symbols": len(self._stale)}

    def status_of(self, symbol: str) -> Row:
        return self.board.view(symbol)

    def snapshot(self, stream: str, symbol: str) -> Row | None:
        """Return the latest state of a stream of a symbol from memory (a SnapshotProvider).

        Streams: "quotes", "status", "depth" and "bars.<interval>"; None when there is none.
        """
        if symbol not in self.feed.states:
            return None
        if stream == "quotes":
            return self._served(self._quote_row(symbol), to_us(self.deps.clock.now()))
        if stream == "status":
            return self.status_of(symbol)
        if stream == "depth":
            return self.depth(symbol, 10)
        interval = stream.removeprefix("bars.")
        if stream.startswith("bars.") and interval in set(Interval):
            current = self.feed.candles.current(symbol, Interval(interval))
            return None if current is None else bar_view(current, False)
        return None

    # --- alerts, notifications, operator halts ------------------------------------------------

    async def create_alert(self, user_id: str, symbol: str, direction: str,
                           price: Decimal) -> Row:
        """Store and arm an alert; refuse bad input with nothing changed."""
        repo = self.deps.repo
        active = await asyncio.to_thread(repo.alerts, user_id, "active")
        if len(active) >= al.MAX_ACTIVE_ALERTS_PER_USER:
            raise Refused("ALERT_LIMIT", f"at most {al.MAX_ACTIVE_ALERTS_PER_USER} active alerts")
        row = al.new_alert_row(self.deps.ids(), user_id, symbol, direction, price,
                               lambda s: s in self.feed.states, self.deps.clock.now())
        await asyncio.to_thread(repo.add_alert, row)
        self.alerts.add(al.armed(row))
        return al.alert_view(row)

    async def list_alerts(self, user_id: str, status: str | None) -> list[Row]:
        rows = await asyncio.to_thread(self.deps.repo.alerts, user_id, status)
        return [al.alert_view(r) for r in rows]

    async def get_alert(self, user_id: str, alert_id: str) -> Row:
        row = await asyncio.to_thread(self.deps.repo.alert, user_id, alert_id)
        return al.alert_view(al.require_alert(row, alert_id))

    async def cancel_alert(self, user_id: str, alert_id: str) -> Row:
        """Cancel an active alert; refuse one that is unknown or no longer active."""
        repo = self.deps.repo
        row = al.require_alert(await asyncio.to_thread(repo.alert, user_id, alert_id), alert_id)
        if not await asyncio.to_thread(repo.cancel_alert, user_id, alert_id,
                                       self.deps.clock.now()):
            raise Conflict("ALERT_NOT_ACTIVE", f"alert {alert_id} is {row['status']}")
        self.alerts.remove(row["symbol"], alert_id)
        return await self.get_alert(user_id, alert_id)

    async def notifications(self, user_id: str, limit: int) -> list[Row]:
        rows = await asyncio.to_thread(self.deps.repo.notifications, user_id, limit)
        return [al.notification_view(r) for r in rows]

    async def halt(self, symbol: str, reason: str) -> Row:
        """Halt a symbol by operator decision; it stays halted until `resume`."""
        now = self.deps.clock.now()
        await self._announce(self.board.halt(symbol, reason, to_us(now)), now)
        return self.board.view(symbol)

    async def resume(self, symbol: str) -> Row:
        now = self.deps.clock.now()
        await self._announce(self.board.resume(symbol, to_us(now)), now)
        return self.board.view(symbol)

    async def _announce(self, changes: list[StatusChange], now: datetime) -> None:
        if self.deps.bus.has_listeners(MarketUpdate):
            for change in changes:
                self.deps.bus.publish(MarketUpdate(Channel.STATUS, change.symbol,
                                                   change.view(), now))
        if changes:
            await self._notify_halts(changes, now)

