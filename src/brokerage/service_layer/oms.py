"""Order management: one single-writer partition per slice of accounts, with group commit.

Handlers raise `Refused` only before they change anything (validate first, then act), so a
refusal needs no rollback. Any other exception means a handler broke mid-way.

A partition owns the in-memory state of its accounts. Commands for those accounts run one at
a time in arrival order against that state, so two orders can never spend the same dollar.
Commands are taken in batches: each is applied in memory and records its rows in one shared
unit of work; the batch commits in a single transaction (group commit); only then are the
callers answered and the venue messages sent. If the commit fails, every command of the batch
is answered with the failure and the partition reloads its state from the database, so memory
never runs ahead of what is durable.
"""

import asyncio
import contextlib
import logging
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from brokerage.service_layer.errors import Refused
from brokerage.service_layer.unit_of_work import Batch, Store

log = logging.getLogger(__name__)

Effect = Callable[[], None]


@dataclass
class Context:
    """What a handler gets: the partition's state, the batch's rows and its after-commit effects."""

    state: Any
    batch: Batch
    effects: list[Effect] = field(default_factory=list)


Handler = Callable[[Any, Context], Any]


class Overloaded(Exception):
    """The partition's command queue is full: back-pressure, try again later."""


@dataclass(frozen=True)
class _Refusal:
    error: Refused


@dataclass
class _Pending:
    command: Any
    future: asyncio.Future[Any] | None


class Partition:
    """The single writer for one slice of accounts.

    Batches are pipelined: while one batch commits (in a worker thread), the next one is
    taken and applied in memory on the event loop. Commits still happen one at a time and in
    order, a batch's callers are answered and its venue messages sent only after its own
    commit, and a batch applied on top of one whose commit failed is applied again on the
    reloaded state before it may commit.
    """

    def __init__(
        self,
        index: int,
        state: Any,
        store: Store,
        handlers: dict[type, Handler],
        reload: Callable[[], Any],
        max_batch: int = 256,
        queue_limit: int = 10_000,
    ) -> None:
        self.index = index
        self.state = state
        self._store = store
        self._handlers = handlers
        self._reload = reload
        self._max_batch = max_batch
        self._queue_limit = queue_limit
        self._commands: deque[_Pending] = deque()
        # Venue reports and internal events are never dropped: they bypass the command limit.
        self._internal: deque[_Pending] = deque()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._applying = False  # a batch is taken and not yet handed to its commit
        self._committing: asyncio.Task[bool] | None = None  # the batch being committed
        self.batches_committed = 0
        # Internal commands (venue reports, timers) queued with post(); settled = committed or
        # given up (lost: the handler broke or the batch failed to commit). Settlement follows
        # the order of posting, so `internal_settled >= n` means the first n are all settled:
        # a FIX session's booked-through mark advances on that (venues/fix/recovery.py).
        self.internal_posted = 0
        self.internal_settled = 0
        self.internal_lost = 0

    def start(self) -> None:
        """Start the writer loop on the running event loop."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"oms-{self.index}")

    async def stop(self) -> None:
        """Finish what is queued, then stop."""
        if self._task is None:
            return
        await self.drain()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def execute(self, command: Any) -> Awaitable[Any]:
        """Queue a customer command; the result resolves after its batch is durable."""
        if len(self._commands) >= self._queue_limit:
            raise Overloaded(f"partition {self.index} has {self._queue_limit} commands waiting")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._commands.append(_Pending(command, future))
        self._wakeup.set()
        return future

    def post(self, command: Any) -> None:
        """Queue an internal command (venue report, timer); nobody waits for its result."""
        self._internal.append(_Pending(command, None))
        self.internal_posted += 1
        self._wakeup.set()

    async def drain(self) -> None:
        """Wait until every queued command has been committed."""
        while (self._commands or self._internal or self._applying
               or (self._committing is not None and not self._committing.done())):
            await asyncio.sleep(0.001)

    async def _run(self) -> None:
        while True:
            if not self._commands and not self._internal:
                self._wakeup.clear()
                await self._wakeup.wait()
            self._applying = True
            try:
                await self._next_batch(self._take_batch())
            finally:
                self._applying = False

    def _take_batch(self) -> list[_Pending]:
        taken: list[_Pending] = []
        while self._internal and len(taken) < self._max_batch:
            taken.append(self._internal.popleft())
        while self._commands and len(taken) < self._max_batch:
            taken.append(self._commands.popleft())
        return taken

    async def _next_batch(self, pending: list[_Pending]) -> None:
        """Apply a batch while the previous one commits, then start its own commit."""
        state = self.state
        ctx, outcomes = self._apply_all(pending)
        if not all(ok for ok, _ in outcomes):
            await self._previous_commit()  # a reload must see the previous batch committed
            ctx, outcomes, pending = self._apply_again(pending, outcomes)
        else:
            ctx.batch.seal()  # a snapshot: the next batch may change the same objects
            await self._previous_commit()
            if self.state is not state:
                # The previous commit failed and the state was reloaded without it: this
                # batch was applied on top of what never became durable. Apply it again.
                ctx, outcomes = self._apply_all(pending)
                if not all(ok for ok, _ in outcomes):
                    ctx, outcomes, pending = self._apply_again(pending, outcomes)
                ctx.batch.seal()
        self._committing = asyncio.get_running_loop().create_task(
            self._commit(pending, ctx, outcomes), name=f"oms-{self.index}-commit")

    async def _previous_commit(self) -> None:
        """Wait until the batch being committed is committed (or failed and reloaded)."""
        if self._committing is None:
            return
        try:
            await self._committing
        except Exception:  # a bug after the commit: trust only what the database holds
            log.exception("committing a batch broke; reloading state")
            self.state = self._reload()

    def _apply_again(
        self, pending: list[_Pending], outcomes: list[tuple[bool, Any]]
    ) -> tuple[Context, list[tuple[bool, Any]], list[_Pending]]:
        """Reload, answer the commands whose handler broke, and apply the others again."""
        while True:
            # A handler broke mid-way: its half-made changes may be in memory and in the
            # batch. Rebuild the state from the database and apply the others without it.
            self.state = self._reload()
            for p, (ok, error) in zip(pending, outcomes, strict=True):
                if not ok:
                    _resolve(p.future, error, failed=True)
                    self._settle_internal([p], lost=True)
            pending = [p for p, o in zip(pending, outcomes, strict=True) if o[0]]
            ctx, outcomes = self._apply_all(pending)
            if all(ok for ok, _ in outcomes):
                ctx.batch.seal()
                return ctx, outcomes, pending

    async def _commit(
        self, pending: Sequence[_Pending], ctx: Context, outcomes: list[tuple[bool, Any]]
    ) -> bool:
        """Commit one batch, then answer its callers and run its effects; False if it failed."""
        try:
            if len(ctx.batch):
                await asyncio.to_thread(self._store.commit, ctx.batch)
        except Exception as exc:
            log.exception("group commit of %d commands failed; reloading state", len(pending))
            self.state = self._reload()
            for p in pending:
                _resolve(p.future, exc, failed=True)
            self._settle_internal(pending, lost=True)
            return False
        if len(ctx.batch):
            self.batches_committed += 1
        self._settle_internal(pending, lost=False)
        for p, (ok, value) in zip(pending, outcomes, strict=True):
            if isinstance(value, _Refusal):
                _resolve(p.future, value.error, failed=True)
            else:
                _resolve(p.future, value, failed=not ok)
        for effect in ctx.effects:
            self._run_effect(effect)
        return True

    def _settle_internal(self, pending: Sequence[_Pending], lost: bool) -> None:
        settled = sum(1 for p in pending if p.future is None)
        self.internal_settled += settled
        if lost:
            self.internal_lost += settled

    def _apply_all(self, pending: Sequence[_Pending]) -> tuple[Context, list[tuple[bool, Any]]]:
        ctx = Context(state=self.state, batch=Batch())
        return ctx, [self._apply(p.command, ctx) for p in pending]

    def _apply(self, command: Any, ctx: Context) -> tuple[bool, Any]:
        handler = self._handlers.get(type(command))
        if handler is None:
            return False, TypeError(f"no handler for {type(command).__name__}")
        try:
            return True, handler(command, ctx)
        except Refused as exc:  # an expected refusal, raised before anything changed
            return True, _Refusal(exc)
        except Exception as exc:  # a bug or broken invariant: answer it, never swallow it
            log.exception("handler for %s failed", type(command).__name__)
            return False, exc

    @staticmethod
    def _run_effect(effect: Effect) -> None:
        try:
            effect()
        except Exception:
            log.exception("after-commit effect failed")


def _resolve(future: asyncio.Future[Any] | None, value: Any, *, failed: bool) -> None:
    if future is None or future.done():
        return
    if failed:
        future.set_exception(value if isinstance(value, BaseException) else RuntimeError(value))
    else:
        future.set_result(value)


def partition_of(account_id: str, partitions: int) -> int:
    """Map an account to its partition (stable across processes and restarts)."""
    return zlib.crc32(account_id.encode()) % partitions
