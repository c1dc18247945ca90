"""The exchange's journal side: record every input, replay a journal, snapshot the state.

A mixin of `SimulatedExchange` (venues.exchange), which owns the state it reads and writes;
the attributes it relies on are declared below. A snapshot is a JSON-able image of the whole
venue (books, working and queued orders, client ids, report history, last prints and
quotes, counters), so that `recover([snapshot entry, *entries after it])` rebuilds what a
replay of the full journal would. When the journal sink can take checkpoints
(`Checkpointing`, e.g. `exchange_journal.SegmentedJournal`), the exchange hands it a snapshot
whenever it says one is due, after an input has been fully applied.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from brokerage.domain.execution import CancelReject, ExecutionReport, TopOfBook, TradePrint
from brokerage.domain.ids import Symbol, VenueOrderId
from brokerage.domain.market_hours import MarketPhase
from brokerage.venues.exchange_codec import (
    _REQUEST_TYPES,
    _decode,
    _encode,
    _from_json,
    _record_from_json,
    _to_json,
)
from brokerage.venues.exchange_orders import CLOSE, OPEN, _VenueOrder
from brokerage.venues.matching.book import OrderBook

SNAPSHOT_OP = "snapshot"  # the op of the journal entry that carries a snapshot
SNAPSHOT_VERSION = 1


@runtime_checkable
class Checkpointing(Protocol):
    """A journal sink that compacts: it says when a snapshot is due and stores it."""

    def checkpoint_due(self) -> bool: ...

    def checkpoint(self, image: dict[str, Any]) -> None: ...


class _ExchangeRecovery:
    """Journal inputs and rebuild from a journal (state lives in SimulatedExchange)."""

    _sink: Callable[[dict[str, Any]], None] | None
    _checkpoints: Checkpointing | None  # the sink, when it takes checkpoints
    _replaying: bool
    _journal_seq: int
    _exec_seq: int
    _order_seq: int
    _phase: MarketPhase
    _books: dict[Symbol, OrderBook]
    _on_report: dict[str, Any]
    _live: dict[Hashable, _VenueOrder]
    _queues: dict[str, dict[Symbol, list[_VenueOrder]]]
    _by_client: dict[tuple[str, str], VenueOrderId]
    _latest: dict[VenueOrderId, ExecutionReport]
    _reports: dict[str, deque[tuple[int, ExecutionReport]]]
    _cancel_rejects: dict[str, deque[CancelReject]]
    _finished: dict[str, deque[VenueOrderId]]
    _client_ids: dict[VenueOrderId, list[str]]
    _last_trade: dict[Symbol, TradePrint]
    _quotes: dict[Symbol, TopOfBook]
    _input_handlers: dict[str, Callable[[str, Any], None]]

    if TYPE_CHECKING:  # provided by SimulatedExchange and its other mixins

        def set_phase(self, phase: MarketPhase, now: datetime) -> None: ...

        def _history(self, store: dict[str, deque[Any]], participant_id: str) -> deque[Any]:
            ...

    def recover(self, entries: Iterable[dict[str, Any]]) -> None:
        """Replay journal entries on a fresh exchange, silently, to rebuild its state.

        The first entry may be a snapshot (op "snapshot"): the state is restored from it and
        the entries after it are replayed.
        """
        self._replaying = True
        try:
            for entry in entries:
                self._replay_one(entry)
                self._journal_seq = entry["seq"]
        finally:
            self._replaying = False

    def snapshot(self) -> dict[str, Any]:
        """Return a JSON-able image of the whole venue as of the last journaled input."""
        return {
            "version": SNAPSHOT_VERSION,
            "seq": self._journal_seq,
            "phase": self._phase.value,
            "exec_seq": self._exec_seq,
            "order_seq": self._order_seq,
            "participants": sorted(self._on_report),
            "books": {symbol: self._books[symbol].snapshot() for symbol in sorted(self._books)},
            "orders": [_to_json(order) for order in self._live.values()],
            "queues": {
                kind: {s: [o.venue_order_id for o in q] for s, q in self._queues[kind].items()}
                for kind in (OPEN, CLOSE)
            },
            "by_client": [[p, cl, vid] for (p, cl), vid in self._by_client.items()],
            "client_ids": {vid: list(ids) for vid, ids in self._client_ids.items()},
            "latest": {vid: _to_json(report) for vid, report in self._latest.items()},
            "reports": {p: [[n, _to_json(r)] for n, r in h] for p, h in self._reports.items()},
            "cancel_rejects": {p: _to_json(list(h)) for p, h in self._cancel_rejects.items()},
            "finished": {p: list(h) for p, h in self._finished.items()},
            "last_trade": {s: _to_json(t) for s, t in self._last_trade.items()},
            "quotes": {s: _to_json(q) for s, q in self._quotes.items()},
        }

    # -- internals ------------------------------------------------------------------------

    def _restore(self, image: dict[str, Any]) -> None:
        """Replace the whole venue state by a `snapshot()` image."""
        if image.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unknown exchange snapshot version {image.get('version')!r}")
        self._phase = MarketPhase(image["phase"])
        self._exec_seq, self._order_seq = image["exec_seq"], image["order_seq"]
        self._journal_seq = image["seq"]
        for participant in image["participants"]:
            self._on_report.setdefault(participant, None)
        self._books = {s: OrderBook.restore(book) for s, book in image["books"].items()}
        orders = [_record_from_json(_VenueOrder, data) for data in image["orders"]]
        self._live = {order.venue_order_id: order for order in orders}
        self._queues = {
            kind: {s: [self._live[vid] for vid in q] for s, q in image["queues"][kind].items()}
            for kind in (OPEN, CLOSE)
        }
        self._by_client = {(p, cl): VenueOrderId(vid) for p, cl, vid in image["by_client"]}
        self._client_ids = {VenueOrderId(vid): list(c) for vid, c in image["client_ids"].items()}
        self._latest = {
            VenueOrderId(vid): _record_from_json(ExecutionReport, report)
            for vid, report in image["latest"].items()
        }
        self._restore_histories(image)
        self._last_trade = {
            Symbol(s): _record_from_json(TradePrint, t) for s, t in image["last_trade"].items()
        }
        self._quotes = {
            Symbol(s): _record_from_json(TopOfBook, q) for s, q in image["quotes"].items()
        }

    def _restore_histories(self, image: dict[str, Any]) -> None:
        """Refill the per-participant histories (bounded by each participant's limit)."""
        self._reports, self._cancel_rejects, self._finished = {}, {}, {}
        for participant, rows in image["reports"].items():
            history = self._history(self._reports, participant)
            history.extend((n, _record_from_json(ExecutionReport, r)) for n, r in rows)
        for participant, rows in image["cancel_rejects"].items():
            rejects = self._history(self._cancel_rejects, participant)
            rejects.extend(_from_json(CancelReject, r) for r in rows)
        for participant, ids in image["finished"].items():
            self._finished[participant] = deque(VenueOrderId(vid) for vid in ids)

    def _record(self, op: str, participant_id: str | None, request: Any) -> None:
        if self._sink is None or self._replaying:
            return
        self._journal_seq += 1
        self._sink(
            {
                "seq": self._journal_seq,
                "op": op,
                "participant": participant_id,
                "request": _encode(request),
            }
        )

    def _checkpoint_if_due(self) -> None:
        """Hand the journal a snapshot when it asks for one (after a fully applied input)."""
        journal = self._checkpoints
        if journal is not None and not self._replaying and journal.checkpoint_due():
            journal.checkpoint(self.snapshot())

    def _replay_one(self, entry: dict[str, Any]) -> None:
        op, participant, payload = entry["op"], entry["participant"], entry["request"]
        if op == SNAPSHOT_OP:
            self._restore(payload)
            return
        if op == "set_phase":
            self.set_phase(MarketPhase(payload["phase"]), datetime.fromisoformat(payload["ts"]))
            return
        self._on_report.setdefault(participant, None)
        self._input_handlers[op](participant, _decode(_REQUEST_TYPES[op], payload))
