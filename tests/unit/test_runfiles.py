"""One writer per database: the run lock and the server's card."""

import os
import stat

from brokerage.adapters.runfiles import RunLock, read_card, remove_card, run_files, write_card
from brokerage.config import Settings


def test_a_second_holder_cannot_take_the_lock_until_the_first_releases_it(tmp_path):
    first, second = RunLock(tmp_path / "db.lock"), RunLock(tmp_path / "db.lock")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_the_card_is_private_to_its_owner_and_round_trips(tmp_path):
    card = tmp_path / "db.server.json"
    write_card(card, "http://127.0.0.1:8000", "secret-token")
    assert stat.S_IMODE(os.stat(card).st_mode) == 0o600
    assert read_card(card) == {"url": "http://127.0.0.1:8000", "admin_token": "secret-token",
                               "pid": os.getpid()}
    remove_card(card)
    assert read_card(card) is None


def test_run_files_sit_beside_a_sqlite_database_and_in_var_otherwise(tmp_path):
    sqlite = run_files(Settings(database_url=f"sqlite:///{tmp_path}/b.db"))
    assert sqlite.lock == tmp_path / "b.db.lock"
    assert sqlite.card == tmp_path / "b.db.server.json"
    pg = run_files(Settings(database_url="postgresql+psycopg://x@h/db", var_dir=tmp_path))
    assert pg.lock == tmp_path / "brokerage.lock"
