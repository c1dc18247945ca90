"""Trading status of every symbol: LULD limit states and pauses, market-wide halts, operators.

Runs on the platform timer with the feed's changes and a `SessionClock` (what the calendar says
about now). The set `halted` is shared with the partitions' risk state: a symbol is in it while
PAUSED or HALTED, and pre-trade risk refuses new orders on it with RISK_SYMBOL_HALTED.

Policies:
- LULD applies in the regular session only. A print outside the bands pauses the symbol at once
  (our venues do not enforce bands); a best bid on the upper band or a best offer on the lower
  band is a limit state, which pauses the symbol if it lasts 15 seconds. A pause lasts 5 minutes
  and ends in trading (no reopening auction is modelled). Leaving the regular session ends any
  limit state.
- The market-wide breaker watches SPY's last sale against SPY's previous close. Level 1 or 2
  halts every symbol for 15 minutes (not at or after 15:25, when it only records the level);
  level 3 halts every symbol until the next session.
- An operator halt stays until the operator resumes it.
"""

from collections.abc import Callable, Iterable, Mapping, MutableSet
from dataclasses import dataclass
from datetime import date
from typing import Any

from brokerage.domain.instruments import Instrument
from brokerage.domain.market_data.candles import Candle, Interval
from brokerage.domain.market_data.halts import (
    CircuitBreaker,
    HaltEvent,
    SymbolStatus,
    TradingStatus,
)
from brokerage.domain.market_data.luld import LuldTier, PriceBands, ReferencePrice, price_bands
from brokerage.domain.market_data.nbbo import Nbbo
from brokerage.domain.market_data.ticks import from_us, to_price
from brokerage.service_layer.market_feed import Changed

LIMIT_STATE_US = 15 * 1_000_000
PAUSE_US = 5 * 60 * 1_000_000
INDEX_SYMBOL = "SPY"


def tier_of(instrument: Instrument) -> LuldTier:
    """Return the LULD tier: tier 1 is the S&P 500, the Russell 1000 and select ETPs.

    Instruments carry no index membership; the reference data marks large caps and ETFs as
    fractionable and the small/mid and meme names as not (data/SOURCES.md), which is the same
    split, so that flag decides.
    """
    return LuldTier.TIER_1 if instrument.fractionable else LuldTier.TIER_2


@dataclass(frozen=True, slots=True)
class SessionClock:
    now_us: int
    session: date | None  # the XNYS session now belongs to (extended hours included)
    regular: bool  # inside the regular session
    doubled: bool  # first 15 or last 25 minutes of the regular session: LULD bands doubled
    late: bool  # 35 minutes or less before the regular close (15:25): no level 1/2 halt


@dataclass(frozen=True, slots=True)
class StatusChange:
    symbol: str
    previous: TradingStatus
    status: TradingStatus
    event: HaltEvent
    reason: str
    ts_us: int
    resume_at_us: int | None
    bands: PriceBands | None

    def view(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "status": self.status.value,
                "previous": self.previous.value, "event": self.event.value,
                "reason": self.reason, "ts": from_us(self.ts_us).isoformat(),
                "resume_at": None if self.resume_at_us is None
                else from_us(self.resume_at_us).isoformat(),
                "bands": bands_view(self.bands)}


def bands_view(bands: PriceBands | None) -> dict[str, str] | None:
    if bands is None:
        return None
    return {"reference": str(to_price(bands.reference)), "lower": str(to_price(bands.lower)),
            "upper": str(to_price(bands.upper))}


class TradingStatusBoard:
    def __init__(self, previous_closes: Mapping[str, int], tiers: Mapping[str, LuldTier],
                 halted: MutableSet[str]) -> None:
        self.halted = halted
        self._tiers = dict(tiers)
        self._status = {s: SymbolStatus() for s in previous_closes}
        self._previous_close = dict(previous_closes)
        self._refs = {s: ReferencePrice(c) for s, c in previous_closes.items()}
        self._limit_since: dict[str, int] = {}
        self._pause_until: dict[str, int] = {}
        self._breaker = CircuitBreaker()
        self._breaker_halted: set[str] = set()
        self._breaker_resume_at: int | None = None
        self._session: date | None = None
        self._doubled = False

    # --- inputs ---------------------------------------------------------------------------------

    def on_candle(self, candle: Candle) -> None:
        """Feed finalized candles: minutes move the LULD reference, days the previous close."""
        if candle.interval is Interval.M1:
            ref = self._refs.get(candle.symbol)
            if ref is not None and ref.opened:
                ref.on_minute(candle.start_us, candle.price_sum, candle.trades)
                ref.recompute(candle.end_us)
        elif candle.interval is Interval.D1:
            self._previous_close[candle.symbol] = candle.close

    def evaluate(self, clock: SessionClock, changed: Iterable[Changed],
                 nbbo: Callable[[str], Nbbo], last: Callable[[str], int | None],
                 ) -> list[StatusChange]:
        """Apply what time and the feed say; return every status change, in order."""
        out: list[StatusChange] = []
        self._doubled = clock.doubled
        if clock.session != self._session:
            self._new_session(clock, out)
        self._end_pauses(clock.now_us, out)
        self._end_breaker_halt(clock.now_us, out)
        if not clock.regular:
            for symbol in sorted(self._limit_since):
                self._apply(symbol, HaltEvent.LIMIT_EXITED, clock.now_us, "session ended", out)
            return out
        for change in changed:
            self._luld(change, clock.now_us, nbbo(change.symbol), out)
        self._limit_timeouts(clock.now_us, out)
        self._check_breaker(clock, last(INDEX_SYMBOL), out)
        return out

    def halt(self, symbol: str, reason: str, now_us: int) -> list[StatusChange]:
        """Halt a symbol by operator decision (it stays halted until resumed)."""
        out: list[StatusChange] = []
        if self._status[symbol].can(HaltEvent.HALTED):
            self._pause_until.pop(symbol, None)
            self._limit_since.pop(symbol, None)
            self._apply(symbol, HaltEvent.HALTED, now_us, reason or "regulatory halt", out)
        return out

    def resume(self, symbol: str, now_us: int) -> list[StatusChange]:
        out: list[StatusChange] = []
        if self._status[symbol].can(HaltEvent.RESUMED):
            self._breaker_halted.discard(symbol)
            self._apply(symbol, HaltEvent.RESUMED, now_us, "resumed by an operator", out)
        return out

    # --- views ----------------------------------------------------------------------------------

    def status(self, symbol: str) -> SymbolStatus:
        return self._status[symbol]

    def bands(self, symbol: str) -> PriceBands:
        return price_bands(self._refs[symbol].current, self._tiers[symbol], self._doubled)

    def previous_close(self, symbol: str) -> int:
        return self._previous_close[symbol]

    def view(self, symbol: str) -> dict[str, Any]:
        status = self._status[symbol]
        until = self._pause_until.get(symbol)
        return {"symbol": symbol, "status": status.status.value, "reason": status.reason,
                "since": from_us(status.since_us).isoformat() if status.since_us else None,
                "resume_at": from_us(until).isoformat() if until else None,
                "tier": int(self._tiers[symbol]), "bands": bands_view(self.bands(symbol))}

    def not_trading(self) -> list[str]:
        return sorted(s for s, st in self._status.items()
                      if st.status is not TradingStatus.TRADING)

    def breaker_view(self) -> dict[str, Any]:
        resume = self._breaker_resume_at
        return {"index": INDEX_SYMBOL, "levels_tripped": sorted(self._breaker.tripped),
                "halted": bool(self._breaker_halted),
                "resume_at": from_us(resume).isoformat() if resume else None}

    # --- rules ----------------------------------------------------------------------------------

    def _luld(self, change: Changed, now_us: int, nbbo: Nbbo,
              out: list[StatusChange]) -> None:
        symbol = change.symbol
        ref = self._refs[symbol]
        if change.first is not None and not ref.opened:
            ref.on_first_trade(change.first)
        bands = self.bands(symbol)
        state = self._status[symbol].status
        breached = change.high is not None and change.low is not None and (
            change.high > bands.upper or change.low < bands.lower)
        at_limit = (nbbo.bid is not None and nbbo.bid >= bands.upper) or (
            nbbo.ask is not None and nbbo.ask <= bands.lower)
        if breached and state in (TradingStatus.TRADING, TradingStatus.LIMIT_STATE):
            self._pause(symbol, HaltEvent.BAND_BREACHED, now_us, "trade outside the LULD band",
                        out)
        elif at_limit and state is TradingStatus.TRADING:
            self._limit_since[symbol] = now_us
            self._apply(symbol, HaltEvent.LIMIT_REACHED, now_us, "LULD limit state", out)
        elif not at_limit and state is TradingStatus.LIMIT_STATE:
            self._apply(symbol, HaltEvent.LIMIT_EXITED, now_us, "left the limit state", out)

    def _limit_timeouts(self, now_us: int, out: list[StatusChange]) -> None:
        for symbol, since in sorted(self._limit_since.items()):
            if now_us - since >= LIMIT_STATE_US:
                self._pause(symbol, HaltEvent.LIMIT_TIMED_OUT, now_us,
                            "15 seconds in a LULD limit state", out)

    def _pause(self, symbol: str, event: HaltEvent, now_us: int, reason: str,
               out: list[StatusChange]) -> None:
        self._pause_until[symbol] = now_us + PAUSE_US
        self._apply(symbol, event, now_us, f"LULD trading pause: {reason}", out)

    def _end_pauses(self, now_us: int, out: list[StatusChange]) -> None:
        for symbol, until in sorted(self._pause_until.items()):
            if now_us >= until:
                del self._pause_until[symbol]
                if self._status[symbol].can(HaltEvent.PAUSE_ENDED):
                    self._apply(symbol, HaltEvent.PAUSE_ENDED, now_us, "LULD pause ended", out)

    def _check_breaker(self, clock: SessionClock, index_last: int | None,
                       out: list[StatusChange]) -> None:
        previous = self._previous_close.get(INDEX_SYMBOL)
        if index_last is None or previous is None:
            return
        trip = self._breaker.on_index(previous, index_last, clock.now_us, clock.late)
        if trip is None or not trip.halts:
            return
        self._breaker_resume_at = trip.resume_at_us
        reason = f"market-wide circuit breaker level {trip.level}"
        for symbol in sorted(self._status):
            if self._status[symbol].can(HaltEvent.HALTED):
                self._pause_until.pop(symbol, None)
                self._breaker_halted.add(symbol)
                self._apply(symbol, HaltEvent.HALTED, clock.now_us, reason, out)

    def _end_breaker_halt(self, now_us: int, out: list[StatusChange]) -> None:
        resume = self._breaker_resume_at
        if resume is not None and now_us >= resume:
            self._resume_breaker_halts(now_us, out)

    def _resume_breaker_halts(self, now_us: int, out: list[StatusChange]) -> None:
        self._breaker_resume_at = None
        for symbol in sorted(self._breaker_halted):
            self._apply(symbol, HaltEvent.RESUMED, now_us, "market-wide halt ended", out)
        self._breaker_halted.clear()

    def _new_session(self, clock: SessionClock, out: list[StatusChange]) -> None:
        if self._session is not None:
            self._resume_breaker_halts(clock.now_us, out)
            self._breaker.new_session()
            self._refs = {s: ReferencePrice(c) for s, c in self._previous_close.items()}
        self._session = clock.session

    def _apply(self, symbol: str, event: HaltEvent, now_us: int, reason: str,
               out: list[StatusChange]) -> None:
        status = self._status[symbol]
        previous = status.status
        current = status.apply(event, now_us, reason)
        if current is not TradingStatus.LIMIT_STATE:
            self._limit_since.pop(symbol, None)
        if status.stopped:
            self.halted.add(symbol)
        else:
            self.halted.discard(symbol)
        resume = self._pause_until.get(symbol) or (
            self._breaker_resume_at if symbol in self._breaker_halted else None)
        out.append(StatusChange(symbol, previous, current, event, reason, now_us, resume,
                                self.bands(symbol)))
