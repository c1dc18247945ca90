"""Hand-offs between quickfix's threads and ours: order kept, nothing lost, failures contained."""

import asyncio
import threading

from brokerage.venues.fix.handoff import BATCH, LoopInbox
from brokerage.venues.fix.outbox import Outbox

PRODUCERS, EACH = 4, 2_000


async def test_callbacks_from_many_threads_all_run_on_the_loop_in_each_threads_order():
    loop = asyncio.get_running_loop()
    handoff = LoopInbox(loop, "test")
    seen: dict[int, list[int]] = {p: [] for p in range(PRODUCERS)}
    on_loop: set[int] = set()

    def record(producer: int, n: int) -> None:
        on_loop.add(threading.get_ident())
        seen[producer].append(n)

    def produce(producer: int) -> None:
        for n in range(EACH):
            handoff.put(record, producer, n)

    threads = [threading.Thread(target=produce, args=(p,)) for p in range(PRODUCERS)]
    for thread in threads:
        thread.start()
    while any(len(s) < EACH for s in seen.values()):
        await asyncio.sleep(0.001)
    for thread in threads:
        thread.join()

    assert all(s == list(range(EACH)) for s in seen.values())
    assert on_loop == {threading.get_ident()}


async def test_a_failing_callback_does_not_stop_the_ones_after_it():
    handoff = LoopInbox(asyncio.get_running_loop(), "test")
    ran: list[int] = []

    def fail() -> None:
        raise RuntimeError("a bug downstream")

    handoff.put(fail)
    handoff.put(ran.append, 1)
    await asyncio.sleep(0.01)

    assert ran == [1]


async def test_a_long_backlog_is_run_in_turns_that_let_other_tasks_in():
    handoff = LoopInbox(asyncio.get_running_loop(), "test")
    ran: list[int] = []
    for n in range(3 * BATCH):
        handoff.put(ran.append, n)
    await asyncio.sleep(0)  # one turn of the loop

    assert 0 < len(ran) <= BATCH
    while len(ran) < 3 * BATCH:
        await asyncio.sleep(0)
    assert ran == list(range(3 * BATCH))


def test_the_outbox_runs_jobs_in_order_and_all_of_them_before_it_stops():
    outbox = Outbox("test-sender")
    ran: list[int] = []
    outbox.start()
    for n in range(1_000):
        outbox.put(lambda n=n: ran.append(n))
    outbox.put(lambda: 1 / 0)  # a failing job is logged; the ones after it still run
    outbox.put(lambda: ran.append(-1))
    outbox.stop()

    assert ran == [*range(1_000), -1]
