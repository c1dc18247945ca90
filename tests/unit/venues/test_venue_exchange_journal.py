"""Exchange snapshots and the compacting journal: a restart rebuilds the identical venue."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import TimeInForce
from brokerage.venues.exchange import SimulatedExchange
from brokerage.venues.exchange_journal import SegmentedJournal
from brokerage.venues.exchange_recovery import SNAPSHOT_OP
from tests.unit.venues.venue_builders import (
    T0,
    a_cancel,
    a_new_order,
    a_replace,
    an_exchange,
)

PARTICIPANTS = ("ann", "bob")
T0_SYMBOL = a_new_order("x").symbol


class Crash(Exception):
    """Stands for the process dying at a chosen point."""


def trade(exchange: SimulatedExchange, count: int, seed: int = 7, prefix: str = "o") -> None:
    """Drive a seeded mix of inputs: rests, crosses, cancels, replaces, rejects, auctions."""
    rng = random.Random(seed)
    sent: list[tuple[str, str, str]] = []
    for n in range(count):
        who = PARTICIPANTS[n % 2]
        side = "buy" if who == "ann" else "sell"
        roll = rng.random()
        if roll < 0.15 and sent:
            owner, cl, s = sent.pop(rng.randrange(len(sent)))
            exchange.cancel(owner, a_cancel(f"{prefix}c{n}", cl, side=s))
        elif roll < 0.25 and sent:
            owner, cl, s = sent[-1]
            price = f"{rng.randint(98, 102)}.00"
            exchange.replace(owner, a_replace(f"{prefix}r{n}", cl, "7", price, side=s))
            sent[-1] = (owner, f"{prefix}r{n}", s)
        elif roll < 0.3:
            exchange.submit(who, a_new_order(f"{prefix}{n}", side=side, tif=TimeInForce.CLS))
        else:
            cl = f"{prefix}{n}"
            price = f"{rng.randint(97, 103)}.00"
            exchange.submit(who, a_new_order(cl, side=side, qty=str(rng.randint(1, 9)),
                                             price=price))
            sent.append((who, cl, side))


def assert_same_venue(recovered: SimulatedExchange, original: SimulatedExchange) -> None:
    assert recovered.state_hash() == original.state_hash()
    assert recovered.phase is original.phase
    for participant in PARTICIPANTS:
        assert recovered.executions(participant) == original.executions(participant)
        assert recovered.open_orders(participant) == original.open_orders(participant)
        assert recovered.cancel_rejects(participant) == original.cancel_rejects(participant)
    assert recovered.last_trade(T0_SYMBOL) == original.last_trade(T0_SYMBOL)
    assert recovered.top_of_book(T0_SYMBOL) == original.top_of_book(T0_SYMBOL)


def restart(path: Path, every: int) -> tuple[SimulatedExchange, SegmentedJournal]:
    """Open the journal at `path` and recover a fresh exchange from it, as a restart does."""
    journal = SegmentedJournal(path, checkpoint_every=every)
    exchange, _ = an_exchange(MarketPhase.CLOSED, sink=journal)
    exchange.recover(journal.entries())
    return exchange, journal


def test_a_snapshot_restores_the_whole_venue_and_it_goes_on_identically():
    original, _ = an_exchange(MarketPhase.PRE_MARKET, sink=lambda entry: None)
    trade(original, 40)
    original.set_phase(MarketPhase.REGULAR, T0)
    trade(original, 40, seed=8, prefix="p")
    image = json.loads(json.dumps(original.snapshot()))

    recovered, inbox = an_exchange(MarketPhase.CLOSED)
    recovered.recover([{"seq": image["seq"], "op": SNAPSHOT_OP, "participant": None,
                        "request": image}])

    assert_same_venue(recovered, original)
    assert inbox["ann"].reports == []  # restoring is silent
    for exchange in (original, recovered):
        trade(exchange, 30, seed=9, prefix="q")
        exchange.set_phase(MarketPhase.POST_MARKET, T0)
    assert_same_venue(recovered, original)


def test_checkpoints_drop_covered_segments_and_a_restart_rebuilds_the_same_venue(tmp_path):
    path = tmp_path / "exchange.jsonl"
    original, _ = an_exchange(MarketPhase.REGULAR, sink=SegmentedJournal(path, 10))
    trade(original, 95)

    names = sorted(p.name for p in tmp_path.iterdir())
    assert len([n for n in names if ".snapshot." in n]) == 1
    assert len(names) <= 3  # the snapshot, at most one covered leftover, the open segment
    recovered, journal = restart(path, 10)
    assert len(journal.entries()) <= 10  # the snapshot and the short tail after it
    assert_same_venue(recovered, original)


def test_a_crash_after_the_snapshot_and_before_the_deletions_loses_nothing(
    tmp_path, monkeypatch
):
    path = tmp_path / "exchange.jsonl"
    journal = SegmentedJournal(path, checkpoint_every=25)
    original, _ = an_exchange(MarketPhase.REGULAR, sink=journal)
    trade(original, 20)

    def crash(self, seq):
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(SegmentedJournal, "_drop_covered", crash)
        with pytest.raises(Crash):
            trade(original, 20, seed=3, prefix="p")
    journal.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert any(".snapshot." in n for n in names) and "exchange.000000000001.jsonl" in names

    recovered, journal = restart(path, 25)
    assert journal.entries()[0]["op"] == SNAPSHOT_OP
    assert_same_venue(recovered, original)
    trade(recovered, 40, seed=4, prefix="q")  # the next checkpoint removes the leftovers
    assert "exchange.000000000001.jsonl" not in {p.name for p in tmp_path.iterdir()}


def test_a_crash_while_writing_the_snapshot_recovers_from_the_full_journal(
    tmp_path, monkeypatch
):
    path = tmp_path / "exchange.jsonl"
    journal = SegmentedJournal(path, checkpoint_every=15)
    original, _ = an_exchange(MarketPhase.REGULAR, sink=journal)

    def crash(source, target):
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", crash)
        with pytest.raises(Crash):
            trade(original, 20)
    journal.close()
    assert any(p.suffix == ".tmp" for p in tmp_path.iterdir())

    recovered, journal = restart(path, 15)
    assert not any(p.suffix == ".tmp" for p in tmp_path.iterdir())
    assert journal.entries()[0]["op"] != SNAPSHOT_OP
    assert_same_venue(recovered, original)


def test_a_torn_last_line_is_dropped_and_the_next_process_writes_a_new_segment(tmp_path):
    path = tmp_path / "exchange.jsonl"
    journal = SegmentedJournal(path, checkpoint_every=1000)
    original, _ = an_exchange(MarketPhase.REGULAR, sink=journal)
    trade(original, 12)
    journal.close()
    expected = original.state_hash()
    segment = tmp_path / "exchange.000000000001.jsonl"
    with segment.open("a", encoding="utf-8") as f:
        f.write('{"seq": 14, "op": "sub')  # the input that was being written when it died

    recovered, journal = restart(path, 1000)
    assert recovered.state_hash() == expected
    trade(recovered, 12, seed=5, prefix="p")
    journal.close()
    again, _ = restart(path, 1000)
    assert again.state_hash() == recovered.state_hash()


def test_a_journal_written_before_compaction_is_read_then_compacted_away(tmp_path):
    path = tmp_path / "exchange.jsonl"
    with path.open("w", encoding="utf-8") as legacy:
        original, _ = an_exchange(
            MarketPhase.REGULAR, sink=lambda e: legacy.write(json.dumps(e) + "\n"))
        trade(original, 30)

    recovered, _ = restart(path, 5)
    assert_same_venue(recovered, original)
    trade(recovered, 10, seed=6, prefix="p")
    assert not path.exists()


def test_a_missing_segment_is_refused_rather_than_replayed_around(tmp_path):
    path = tmp_path / "exchange.jsonl"
    journal = SegmentedJournal(path, checkpoint_every=1000)
    exchange, _ = an_exchange(MarketPhase.REGULAR, sink=journal)
    trade(exchange, 5)
    journal.close()
    journal = SegmentedJournal(path, checkpoint_every=1000)
    restarted, _ = an_exchange(MarketPhase.CLOSED, sink=journal)
    restarted.recover(journal.entries())
    trade(restarted, 5, prefix="p")
    journal.close()
    (tmp_path / "exchange.000000000001.jsonl").unlink()

    with pytest.raises(ValueError, match="gap"):
        SegmentedJournal(path).entries()
