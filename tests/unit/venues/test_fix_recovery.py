"""The booked-through mark of a FIX session: where a restart asks the venue to resend from."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from brokerage.venues.fix.recovery import (
    BookedMark,
    Checkpointer,
    partitions_barrier,
    resume_from_mark,
)


@dataclass
class FakeSession:
    """The two quickfix Session calls the mark uses."""

    expected: int

    def getExpectedTargetNum(self) -> int:  # quickfix's name
        return self.expected

    def setNextTargetMsgSeqNum(self, seq: int) -> None:  # quickfix's name
        self.expected = seq


@dataclass
class FakeClient:
    processed: int = 0
    booked: int = 0
    saves: int = 0
    venue_id: str = "XSIM"

    def processed_through(self) -> int:
        return self.processed

    def booked_through(self) -> int:
        return self.booked

    def save_booked_mark(self, seq: int) -> None:
        self.booked, self.saves = seq, self.saves + 1


@dataclass
class FakePartition:
    internal_posted: int = 0
    internal_settled: int = 0
    internal_lost: int = 0


def a_mark(tmp_path: Path, seq: int | None = None) -> BookedMark:
    mark = BookedMark(tmp_path / "store" / "FIX.4.4-A-B.booked")
    if seq is not None:
        mark.save(seq)
    return mark


def test_a_saved_mark_is_read_back(tmp_path):
    a_mark(tmp_path, 41)

    assert a_mark(tmp_path).load() == 41
    assert not list((tmp_path / "store").glob("*.tmp"))


@pytest.mark.parametrize("content", ["", "garbage"])
def test_an_unreadable_mark_counts_as_none(tmp_path, content):
    mark = a_mark(tmp_path, 1)
    mark.path.write_text(content)

    assert mark.load() is None


def test_a_session_resumes_right_after_its_mark(tmp_path):
    session = FakeSession(expected=50)

    assert resume_from_mark(session, a_mark(tmp_path, 41)) == 41
    assert session.expected == 42  # quickfix asks the venue for 42 onwards at logon


def test_without_a_mark_a_session_starts_where_its_store_is_and_marks_it(tmp_path):
    session = FakeSession(expected=50)

    assert resume_from_mark(session, a_mark(tmp_path)) == 49
    assert session.expected == 50
    assert a_mark(tmp_path).load() == 49


@pytest.mark.parametrize("stale", [50, 900])
def test_a_mark_past_the_store_never_skips_ahead(tmp_path, stale):
    session = FakeSession(expected=50)  # the store was reset since the mark was written

    assert resume_from_mark(session, a_mark(tmp_path, stale)) == 49
    assert session.expected == 50
    assert a_mark(tmp_path).load() == 49


async def test_a_checkpoint_marks_what_was_handed_over_once_the_oms_committed_it():
    client, partition = FakeClient(processed=7), FakePartition(internal_posted=3)
    checkpoint = asyncio.ensure_future(
        Checkpointer([client], partitions_barrier([partition])).checkpoint())
    await asyncio.sleep(0.01)
    client.processed = 9  # arrives after the checkpoint began: not covered by it

    assert not checkpoint.done() and client.booked == 0  # three reports still committing
    partition.internal_settled = 3
    assert await checkpoint is True
    assert client.booked == 7


async def test_a_lost_report_freezes_the_marks_for_the_rest_of_the_run():
    client, partition = FakeClient(processed=7), FakePartition(1, 1, internal_lost=1)
    checkpointer = Checkpointer([client], partitions_barrier([partition]))

    assert await checkpointer.checkpoint() is False
    partition.internal_lost = 0  # even if nothing else goes wrong afterwards
    assert await checkpointer.checkpoint() is False
    assert client.saves == 0


async def test_an_unchanged_mark_is_not_written_again():
    client = FakeClient(processed=5, booked=5)

    assert await Checkpointer([client], partitions_barrier([])).checkpoint() is True
    assert client.saves == 0
