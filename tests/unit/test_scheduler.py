"""Schedulers run callbacks when the injected clock reaches their time, earliest first."""

import asyncio
from datetime import UTC, datetime, timedelta

from brokerage.adapters.clock import ManualClock
from brokerage.adapters.scheduler import LoopScheduler, ManualScheduler

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_the_manual_scheduler_runs_only_what_is_due_in_time_order():
    clock = ManualClock(T0)
    scheduler = ManualScheduler(clock)
    ran: list[str] = []
    scheduler.call_at(T0 + timedelta(seconds=2), lambda: ran.append("late"))
    scheduler.call_at(T0 + timedelta(seconds=1), lambda: ran.append("early"))
    scheduler.call_at(T0, lambda: scheduler.call_at(T0, lambda: ran.append("chained")))
    assert scheduler.run_due() == 2 and ran == ["chained"]
    clock.advance(timedelta(seconds=2))
    scheduler.run_due()
    assert ran == ["chained", "early", "late"] and len(scheduler) == 0


async def test_the_loop_scheduler_runs_due_callbacks_at_once_and_later_ones_on_the_loop():
    clock = ManualClock(T0)
    scheduler = LoopScheduler(clock)
    ran: list[str] = []
    done = asyncio.Event()
    scheduler.call_at(T0, lambda: ran.append("now"))
    scheduler.call_at(T0 + timedelta(seconds=1), lambda: (ran.append("later"), done.set()))
    assert ran == ["now"]
    clock.advance(timedelta(seconds=1))
    await asyncio.wait_for(done.wait(), timeout=5)
    assert ran == ["now", "later"]
