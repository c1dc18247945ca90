"""Reports a session consumed but the OMS never booked: a booked-through mark per session.

The gap: quickfix advances a session's expected inbound MsgSeqNum (in its FileStore) as soon
as `fromApp` returns, and our callback only hands the ExecutionReport over to the event loop.
If the process dies before the OMS commits that report, quickfix will never ask for it again:
as far as FIX is concerned it was received.

The fix uses FIX's own recovery, gap detection and resend, from a point known to be booked:

- Each venue client counts, on the event loop, the MsgSeqNum of the last application
  message whose callback has run (`processed_through`; the router hands reports to the OMS
  synchronously, so by then the report is queued in its partition). A `Checkpointer` on the
  loop takes that number, then waits on a barrier that resolves once every report the OMS
  was given so far is committed (`Partition.internal_settled`). Only then is the number
  written, atomically, to a small file beside the session's store: every inbound
  application message up to it is durably booked. A report whose handler broke or whose
  batch failed to commit (`Partition.internal_lost`), or whose hand-over raised, freezes
  the mark for the rest of the run.
- At start, before logon, the client moves the session's expected inbound MsgSeqNum back to
  just after the mark (`resume_from_mark`). At logon the venue's higher MsgSeqNum is a gap
  for quickfix, which sends a standard ResendRequest; the venue resends its reports with
  PossDupFlag=Y. Reports already booked are dropped by ExecID (the client's set of booked
  ExecIDs, then the OMS's own ExecID check); the others are booked now. Nothing waits for
  the resend: the session runs as usual meanwhile (quickfix queues newer messages behind it).

Why not the alternatives: resending from the first message of the day re-delivers a whole
day at every restart (and our sessions never reset, so "the day" is all of history); an
OrderStatusRequest sweep (35=H) sees only an order's cumulative state, one reply per order,
so it cannot rebuild the individual executions (ExecID, LastQty, LastPx, rebate) it shows
are missing; it would still need a resend, from a MsgSeqNum it does not know. The mark says
exactly where the resend must start, covers every kind of report (fills, cancels, rejects),
and costs one small file write per checkpoint.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

CHECKPOINT_S = 1.0  # how often the marks advance (wall seconds)
FINAL_CHECKPOINT_S = 5.0  # how long a stop waits for the OMS to book what was handed over

Barrier = Callable[[], Awaitable[bool]]


class BookedMark:
    """The MsgSeqNum through which a session's inbound application messages are all booked."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> int | None:
        """Return the stored mark, or None when there is none (or it cannot be read)."""
        try:
            return int(self.path.read_text(encoding="ascii").strip())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.warning("booked mark %s unreadable; ignored", self.path)
            return None

    def save(self, seq: int) -> None:
        """Write the mark atomically and durably (temporary file, fsync, rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "w", encoding="ascii") as out:
            out.write(f"{seq}\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)


def resume_from_mark(session: Any, mark: BookedMark) -> int:
    """Make a created, not yet logged-on session expect what follows the mark; return it.

    A missing mark starts at what the store expects now. A mark at or beyond that belongs to
    an older store (it was reset): it is replaced, never used to skip ahead.
    """
    expected = int(session.getExpectedTargetNum())
    booked = mark.load()
    if booked is None or booked >= expected:
        if booked is not None:
            log.warning("booked mark %s (%s) is past the store (%s); reset", mark.path, booked,
                        expected)
        booked = expected - 1
        mark.save(booked)
    elif booked + 1 < expected:
        session.setNextTargetMsgSeqNum(booked + 1)
        log.info("%s: %d inbound messages not known to be booked; asking for them again",
                 mark.path.name, expected - 1 - booked)
    return booked


class MarkedSession(Protocol):
    def processed_through(self) -> int: ...

    def booked_through(self) -> int: ...

    def save_booked_mark(self, seq: int) -> None: ...


class Checkpointer:
    """Advance each session's booked mark once the OMS has committed what it handed over."""

    def __init__(self, sessions: Iterable[MarkedSession], barrier: Barrier,
                 interval_s: float = CHECKPOINT_S) -> None:
        self._sessions = list(sessions)
        self._barrier = barrier
        self._interval_s = interval_s
        self._frozen = False

    async def run(self) -> None:
        """Checkpoint now, then every interval, until cancelled."""
        while True:
            try:
                await self.checkpoint()
            except Exception:
                log.exception("FIX booked-mark checkpoint failed")
            await asyncio.sleep(self._interval_s)

    async def checkpoint(self) -> bool:
        """Move the marks up to what was handed over before now; False if they stayed."""
        if self._frozen:
            return False
        through = [(session, session.processed_through()) for session in self._sessions]
        if not await self._barrier():
            self._frozen = True
            log.error("a venue report was not booked (its handler or commit failed): FIX "
                      "booked marks stay where they are; a restart asks the venues again")
            return False
        for session, seq in through:
            if seq != session.booked_through():
                await asyncio.to_thread(session.save_booked_mark, seq)
        return True

    async def final(self, timeout_s: float = FINAL_CHECKPOINT_S) -> None:
        """Checkpoint once more at a stop (sessions stopped, the OMS still running)."""
        try:
            await asyncio.wait_for(self.checkpoint(), timeout_s)
        except TimeoutError:
            log.warning("the OMS did not book the last venue reports within %ss; they are "
                        "asked for again at the next start", timeout_s)


def partitions_barrier(partitions: Iterable[Any], poll_s: float = 0.002) -> Barrier:
    """Return a barrier over OMS partitions: wait until all they were posted is settled.

    It resolves True when every internal command posted before the call is committed, False
    when any internal command of this run was lost (its handler broke or its batch failed).
    """
    partitions = list(partitions)

    async def barrier() -> bool:
        targets = [(p, p.internal_posted) for p in partitions]
        while any(p.internal_settled < posted for p, posted in targets):
            await asyncio.sleep(poll_s)
        return not any(p.internal_lost for p in partitions)

    return barrier
