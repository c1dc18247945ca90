"""The running platform: OMS partitions and the timers that drive sessions, stops, settlement."""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from brokerage.domain.execution import CancelReject, ExecutionReport, TradePrint
from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.market_hours import MarketPhase
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.handlers import HANDLERS
from brokerage.service_layer.identity import Identity
from brokerage.service_layer.oms import Partition, partition_of
from brokerage.service_layer.state import Deps, PartitionState

log = logging.getLogger(__name__)

# How often (wall seconds) the timers look at the clock and the tape.
TICK_S = 0.05
STOP_CHECK_S = 0.1
LIQUIDITY_STEP_S = 1.0


@dataclass
class Platform:
    deps: Deps
    identity: Identity
    store: Any
    partitions: list[Partition]
    exchange: Any
    liquidity: Any | None
    loader: Callable[[int], PartitionState]
    _last_prices: dict[Symbol, Decimal] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    phase: MarketPhase | None = None
    market_data: Any = None  # the MarketDataService (routers read quotes, candles, halts)
    # Venue sessions (FIX), with `async start()` and `async stop()`: they start once the
    # writers run (reports have somewhere to go) and before recovery asks the venues.
    sessions: Any = None

    def partition_for(self, account_id: str) -> Partition:
        return self.partitions[partition_of(account_id, len(self.partitions))]

    async def execute(self, account_id: str, command: Any) -> Any:
        """Run a command on its account's single writer; resolve once it is durable."""
        return await self.partition_for(account_id).execute(command)

    async def broadcast(self, command: Any) -> list[Any]:
        """Run a command on every partition (settlement, expiries, kill switches)."""
        return list(await asyncio.gather(*(p.execute(command) for p in self.partitions)))

    # --- venue callbacks (may arrive on any thread; the loop owns the partitions) ----------

    def on_report(self, report: ExecutionReport | CancelReject) -> None:
        command: Any = (cmd.ApplyExecutionReport(report) if isinstance(report, ExecutionReport)
                        else cmd.ApplyCancelReject(report))
        order_id = (report.cl_ord_id if isinstance(report, ExecutionReport)
                    else report.orig_cl_ord_id)
        for partition in self.partitions:
            state: PartitionState = partition.state
            orig = getattr(report, "orig_cl_ord_id", None)  # a cancel's ack names the order here
            if order_id in state.orders or orig in state.orders or len(self.partitions) == 1:
                partition.post(command)
                return
        if isinstance(report, ExecutionReport) and report.last_qty > 0:
            for partition in self.partitions:  # a late fill: the owner of its account books it
                partition.post(command)
            return
        log.error("report for unknown order %s dropped to the dead letter log: %s", order_id,
                  report)

    def on_trade(self, trade: TradePrint) -> None:
        self._last_prices[trade.symbol] = trade.price

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the writers, recover what a crash left in flight, then the timers."""
        for partition in self.partitions:
            partition.start()
        # What in-process venues did, taken before any session runs: a FIX session resends
        # what we missed itself, and those reports must not be replayed a second time.
        backlog = self.deps.venue.executions(self.deps.participant_id)
        if self.sessions is not None:
            await self.sessions.start()
        await self.recover(backlog)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._session_timer(), name="session-timer"),
                       loop.create_task(self._stop_timer(), name="stop-timer")]
        if self.liquidity is not None:
            self._tasks.append(loop.create_task(self._liquidity_timer(), name="liquidity"))
        if self.market_data is not None:
            await self.market_data.start()
            self._tasks.append(loop.create_task(self._market_data_timer(), name="market-data"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.sessions is not None:  # the last reports still reach running writers
            await self.sessions.stop()
        for partition in self.partitions:
            await partition.stop()

    async def recover(self, backlog: list[Any] | None = None) -> None:
        """Replay what the venue did that we have not booked, and send what never left."""
        participant = self.deps.participant_id
        venue = self.deps.venue  # the smart order router asks every venue behind it
        if backlog is None:
            backlog = venue.executions(participant)
        for report in backlog:
            self.on_report(report)
        for partition in self.partitions:
            await partition.drain()
            state: PartitionState = partition.state
            for order in list(state.orders.values()):
                if order.venue is not None and order.venue_order_id is None and (
                        self._never_reached(order.id)):
                    from brokerage.service_layer.handlers.orders import venue_request

                    venue.submit(participant, venue_request(state, order))
            await partition.drain()

    def _never_reached(self, order_id: str) -> bool:
        """Tell whether the venue does not know the order (an unreachable venue: leave it)."""
        try:
            return self.deps.venue.order_status(self.deps.participant_id, order_id) is None
        except Exception as exc:  # a FIX venue down at startup: its session resends later
            log.warning("recovery could not ask the venue about %s: %s", order_id, exc)
            return False

    async def _session_timer(self) -> None:
        """Follow the calendar: tell the exchange the phase; expire and settle on schedule."""
        while True:
            try:
                await self._session_step()
            except Exception:
                log.exception("session step failed")
            await asyncio.sleep(TICK_S)

    async def _session_step(self) -> None:
        now = self.deps.clock.now()
        phase = self.deps.calendar.phase(now)
        if phase == self.phase:
            return
        previous, self.phase = self.phase, phase
        self.exchange.set_phase(phase, now)
        if previous == MarketPhase.REGULAR and phase != MarketPhase.REGULAR:
            await self.broadcast(cmd.ExpireUnroutedDayOrders(extended=False))
        if phase == MarketPhase.CLOSED and previous is not None:
            await self.broadcast(cmd.ExpireUnroutedDayOrders(extended=True))
        today = self.deps.calendar.session_date(now)
        if today is not None:
            await self.broadcast(cmd.SettleDue(today))

    async def _stop_timer(self) -> None:
        while True:
            await asyncio.sleep(STOP_CHECK_S)
            if not self._last_prices:
                continue
            prices, self._last_prices = self._last_prices, {}
            try:
                await self.broadcast(cmd.CheckStops(prices))
            except Exception:
                log.exception("stop check failed")

    async def _market_data_timer(self) -> None:
        """Finalize candles, run halts and alerts, flush quotes (see MarketDataService.step)."""
        while True:
            try:
                await self.market_data.step()
            except Exception:
                log.exception("market data step failed")
            await asyncio.sleep(TICK_S)

    async def _liquidity_timer(self) -> None:
        while True:
            try:
                self.liquidity.step(self.deps.clock.now())
            except Exception:
                log.exception("liquidity step failed")
            await asyncio.sleep(LIQUIDITY_STEP_S)

    async def settle(self) -> int:
        """Settle what is due today (operators and tests)."""
        now = self.deps.clock.now()
        today = self.deps.calendar.session_date(now) or now.date()
        return sum(await self.broadcast(cmd.SettleDue(today)))

    async def open_account(self, account_id: str, user_id: str, number: str, kind: str) -> None:
        await self.execute(account_id,
                           cmd.OpenAccount(AccountId(account_id), user_id, number, kind))

    def state_for(self, account_id: str) -> PartitionState:
        state: PartitionState = self.partition_for(account_id).state
        return state


def build_partitions(deps: Deps, store: Any, count: int, loader: Callable[[int], PartitionState],
                     max_batch: int, queue_limit: int) -> list[Partition]:
    """Make `count` single writers, each loaded with its accounts."""
    return [Partition(i, loader(i), store, HANDLERS, reload=lambda i=i: loader(i),
                      max_batch=max_batch, queue_limit=queue_limit) for i in range(count)]
