"""The files that make one database have one writer: an OS lock and the running server's card.

`brokerage serve` holds an exclusive `flock` on `<db>.lock` for its whole life and writes
`<db>.server.json` (its URL and a random admin token, readable by its owner only). An offline
admin command takes the same lock, so it can never run beside a server on the same database;
when the lock is taken, the command reads the card and goes through the server's admin API.
The kernel drops the lock when the process dies, so a SIGKILLed server never wedges the next.
"""

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from brokerage.config import Settings


@dataclass(frozen=True)
class RunFiles:
    lock: Path
    card: Path


def run_files(settings: Settings) -> RunFiles:
    """Place the lock and the card beside a SQLite file, else in the var directory."""
    url = settings.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        base = Path(url.removeprefix("sqlite:///"))
    else:
        base = settings.var_dir / "brokerage"
    return RunFiles(lock=base.with_name(base.name + ".lock"),
                    card=base.with_name(base.name + ".server.json"))


class RunLock:
    """An exclusive, non-blocking advisory lock held until `release` or process exit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        """Take the lock; return False at once if another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def write_card(path: Path, url: str, admin_token: str) -> None:
    """Write the running server's card, readable and writable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as f:
        json.dump({"url": url, "admin_token": admin_token, "pid": os.getpid()}, f)


def read_card(path: Path) -> dict[str, Any] | None:
    try:
        card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return card


def remove_card(path: Path) -> None:
    path.unlink(missing_ok=True)
