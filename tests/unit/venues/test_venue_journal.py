"""Journal entries, engine snapshots and replay: recovery rebuilds identical books."""

import json
import random

import pytest

from brokerage.domain.orders.types import Side
from brokerage.venues.matching.auction import AuctionOrder
from brokerage.venues.matching.book import Reason
from brokerage.venues.matching.engine import MatchingEngine
from brokerage.venues.matching.journal import (
    AddOrder,
    CancelOrder,
    Journal,
    JournalEntry,
    OrderKind,
    ReplaceOrder,
    RunAuction,
)

COMMANDS = [
    AddOrder("ACME", "o1", "ann", Side.BUY, OrderKind.LIMIT, 100, 5),
    AddOrder("ACME", 7, "bob", Side.SELL, OrderKind.MARKET, None, 3),
    CancelOrder("ACME", "o1", Reason.EXPIRED),
    ReplaceOrder("ACME", "o1", 9, 101),
    RunAuction("ACME", (AuctionOrder("q1", Side.SELL, None, 4, 12),), 100),
]


def random_commands(seed, count):
    """Generate a seeded mix of adds, cancels and replaces on two symbols."""
    rng = random.Random(seed)
    commands = []
    for n in range(count):
        symbol = rng.choice(["ACME", "BETA"])
        roll = rng.random()
        if roll < 0.2 and n:
            commands.append(CancelOrder(symbol, rng.randrange(n)))
        elif roll < 0.3 and n:
            commands.append(ReplaceOrder(symbol, rng.randrange(n), rng.randint(1, 9),
                                         rng.randint(95, 105)))
        else:
            kind = rng.choice([OrderKind.LIMIT, OrderKind.LIMIT, OrderKind.IOC, OrderKind.MARKET])
            price = None if kind is OrderKind.MARKET else rng.randint(95, 105)
            side = rng.choice([Side.BUY, Side.SELL])
            commands.append(AddOrder(symbol, n, f"p{n % 3}", side, kind, price, rng.randint(1, 9)))
    return commands


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: type(c).__name__)
def test_every_command_survives_a_json_round_trip(command):
    entry = JournalEntry(3, command)
    assert JournalEntry.from_dict(json.loads(json.dumps(entry.to_dict()))) == entry


def test_journal_copies_every_entry_to_the_sink():
    sink = []
    engine = MatchingEngine(Journal(sink.append))
    for command in COMMANDS[:2]:
        engine.apply(command)
    assert [d["seq"] for d in sink] == [1, 2]
    assert sink[0]["type"] == "add"


def test_journal_refuses_a_gap_in_numbering():
    journal = Journal()
    journal.record(JournalEntry(1, COMMANDS[0]))
    with pytest.raises(ValueError):
        journal.record(JournalEntry(3, COMMANDS[0]))


def test_snapshot_plus_later_entries_rebuilds_an_identical_engine():
    journal = Journal()
    engine = MatchingEngine(journal)
    commands = random_commands(seed=11, count=600)
    for command in commands[:300]:
        engine.apply(command)
    snapshot = json.loads(json.dumps(engine.snapshot()))
    for command in commands[300:]:
        engine.apply(command)
    entries = [JournalEntry.from_dict(json.loads(json.dumps(e.to_dict()))) for e in journal]
    restored = MatchingEngine.restore(snapshot)
    restored.replay(e for e in entries if e.seq > snapshot["seq"])
    assert restored.state_hash() == engine.state_hash()
    assert restored.seq == engine.seq == 600


def test_replaying_the_whole_journal_from_empty_rebuilds_the_same_books():
    journal = Journal()
    engine = MatchingEngine(journal)
    for command in random_commands(seed=5, count=400):
        engine.apply(command)
    replayed = MatchingEngine()
    replayed.replay(journal)
    assert replayed.state_hash() == engine.state_hash()
    for symbol in engine.symbols():
        assert replayed.book(symbol).snapshot() == engine.book(symbol).snapshot()


def test_replay_skips_entries_already_applied_and_refuses_gaps():
    journal = Journal()
    engine = MatchingEngine(journal)
    for command in COMMANDS[:3]:
        engine.apply(command)
    restored = MatchingEngine.restore(engine.snapshot())
    restored.replay(journal)  # all already applied: nothing happens
    assert restored.state_hash() == engine.state_hash()
    with pytest.raises(ValueError):
        restored.replay([JournalEntry(9, COMMANDS[0])])


def test_engine_auction_command_crosses_queued_orders_with_the_book():
    engine = MatchingEngine()
    engine.apply(AddOrder("ACME", "r1", "mm", Side.BUY, OrderKind.LIMIT, 100, 10))
    events = engine.apply(RunAuction("ACME", (AuctionOrder("q1", Side.SELL, None, 4, 99),), 100))
    assert [(e.buy_id, e.sell_id, e.price, e.qty) for e in events] == [("r1", "q1", 100, 4)]
    assert engine.book("ACME").top(Side.BUY) == (100, 6)
