"""The exchange's journal on disk, compacted by snapshots: segments of JSON lines.

The journal named `<dir>/<stem>.jsonl` is a set of files beside each other:

- segments `<stem>.<first seq, 12 digits>.jsonl`, one JSON entry per line (a journal written
  before compaction existed, `<stem>.jsonl` itself, is read as the first segment);
- snapshots `<stem>.snapshot.<seq, 12 digits>.json`, the whole venue after entry `seq`.

Every `checkpoint_every` entries the exchange hands over a snapshot (`checkpoint`): it is
written to a temporary file, fsynced and renamed into place; only then are the segments and
snapshots it covers deleted (every entry written so far is at or before its seq) and the next
entry opens a new segment. A crash at any point leaves either the old snapshot with all its
segments, or the new snapshot with some covered segments still present, which recovery skips.
`entries()` returns what `SimulatedExchange.recover` needs: the latest snapshot as a
"snapshot" entry, then every entry after it. Each process start writes to a new segment, so
a line torn by a crash is never followed by new entries in the same file.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import IO, Any

from brokerage.venues.exchange_recovery import SNAPSHOT_OP

CHECKPOINT_EVERY = 100_000  # entries between snapshots (the liquidity agents write ~400/s)
_DIGITS = 12


class SegmentedJournal:
    """Append exchange journal entries; take snapshots and drop what they cover."""

    def __init__(self, path: Path, checkpoint_every: int = CHECKPOINT_EVERY) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._stem = path.name.removesuffix(".jsonl")
        self._every = checkpoint_every
        self._file: IO[str] | None = None
        self._since_checkpoint = 0
        self._segment = re.compile(rf"{re.escape(self._stem)}\.(\d{{{_DIGITS}}})\.jsonl")
        self._snapshot = re.compile(rf"{re.escape(self._stem)}\.snapshot\.(\d{{{_DIGITS}}})\.json")
        for stale in path.parent.glob(f"{self._stem}.snapshot.*.tmp"):
            stale.unlink()  # a snapshot a crash left half written: its segments are all there

    def __call__(self, entry: dict[str, Any]) -> None:
        """Append one entry (flushed at once) to the current segment."""
        if self._file is None:
            self._file = self._open_segment(entry["seq"])
        self._file.write(json.dumps(entry, separators=(",", ":"), default=str) + "\n")
        self._file.flush()
        self._since_checkpoint += 1

    def checkpoint_due(self) -> bool:
        """Say whether enough entries were written since the last snapshot."""
        return self._since_checkpoint >= self._every

    def checkpoint(self, image: dict[str, Any]) -> None:
        """Store a snapshot of the state after entry image["seq"]; drop what it covers."""
        seq = image["seq"]
        target = self.path.parent / f"{self._stem}.snapshot.{seq:0{_DIGITS}d}.json"
        temporary = target.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as f:
            json.dump(image, f, separators=(",", ":"), default=str)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
        _fsync_dir(self.path.parent)
        self.close()  # the next entry (seq + 1) starts a new segment
        self._since_checkpoint = 0
        self._drop_covered(seq)

    def entries(self) -> list[dict[str, Any]]:
        """Return the latest snapshot (as a "snapshot" entry) and every entry after it."""
        snapshot = self._latest_snapshot()
        after = 0 if snapshot is None else snapshot["seq"]
        tail = [e for e in self._read_segments() if e["seq"] > after]
        for previous, entry in zip([after, *(e["seq"] for e in tail)], tail, strict=False):
            if entry["seq"] != previous + 1:
                raise ValueError(f"exchange journal gap: entry {entry['seq']} after {previous}")
        self._since_checkpoint = len(tail)
        if snapshot is None:
            return tail
        head = {"seq": after, "op": SNAPSHOT_OP, "participant": None, "request": snapshot}
        return [head, *tail]

    def close(self) -> None:
        """Close the current segment (the next entry opens a new one)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- files ----------------------------------------------------------------------------

    def _open_segment(self, first: int) -> IO[str]:
        """Open a new segment for entries from `first` on.

        A file of that name can only hold a line torn by a crash (had entry `first` been read
        back, the exchange would now be past it): it is overwritten. Anything readable in it
        means the exchange did not recover from this journal, which would fork it.
        """
        path = self.path.parent / f"{self._stem}.{first:0{_DIGITS}d}.jsonl"
        if path.exists() and _readable_entries(path):
            raise RuntimeError(f"{path} already holds entries: recover the exchange first")
        return path.open("w", encoding="utf-8")

    def _segments(self) -> list[tuple[int, Path]]:
        """Return (first seq, path) of every segment, oldest first."""
        found = [(0, self.path)] if self.path.exists() else []  # written before compaction
        for path in self.path.parent.iterdir():
            match = self._segment.fullmatch(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    def _snapshots(self) -> list[tuple[int, Path]]:
        found = []
        for path in self.path.parent.iterdir():
            match = self._snapshot.fullmatch(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    def _latest_snapshot(self) -> dict[str, Any] | None:
        snapshots = self._snapshots()
        if not snapshots:
            return None
        with snapshots[-1][1].open(encoding="utf-8") as f:
            image: dict[str, Any] = json.load(f)
        return image

    def _read_segments(self) -> list[dict[str, Any]]:
        return [entry for _, path in self._segments() for entry in _readable_entries(path)]

    def _drop_covered(self, seq: int) -> None:
        """Delete the segments and older snapshots that the snapshot at `seq` covers."""
        for first, path in self._segments():
            if first <= seq:
                path.unlink(missing_ok=True)
        for taken, path in self._snapshots():
            if taken < seq:
                path.unlink(missing_ok=True)


def _readable_entries(path: Path) -> list[dict[str, Any]]:
    """Return a segment's entries up to the first line a crash tore, if any."""
    entries: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a torn last line from a crash: everything before it stands
    return entries


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX: fsync the directory)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
