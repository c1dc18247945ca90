"""Operator commands work beside a running server (through its admin API) and without one."""

import subprocess
import sys

import httpx
import pytest

from tests.e2e.server import Server

pytestmark = pytest.mark.e2e


def admin(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "brokerage", "--db-url", db_url, "admin", *args],
                          capture_output=True, text=True, timeout=120)


def login(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    token = client.post("/v1/auth/login", json={"email": email,
                                                 "password": "correct horse battery"})
    assert token.status_code == 200, token.text
    client.headers["authorization"] = f"Bearer {token.json()['token']}"
    return client


def test_admin_commands_go_through_the_running_server_and_refuse_bad_input(tmp_path):
    server = Server(tmp_path / "brokerage.db").start()
    try:
        made = admin(server.db_url, "create-user", "op@example.com", "correct horse battery")
        assert made.returncode == 0, made.stderr
        credited = admin(server.db_url, "deposit", "op@example.com", "300")
        assert credited.returncode == 0, credited.stderr
        # The running server's own single writer booked it: the API sees it at once.
        client = login(server.base, "op@example.com")
        assert client.get("/v1/account").json()["buying_power"] == "300.00"

        bad = admin(server.db_url, "deposit", "op@example.com", "-1")
        assert bad.returncode != 0
        assert bad.stderr.strip().count("\n") == 0 and "INVALID_AMOUNT" in bad.stderr
        assert client.get("/v1/account").json()["buying_power"] == "300.00"
        unauthorized = httpx.post(f"{server.base}/admin/settlements")
        assert unauthorized.status_code == 401
        assert unauthorized.json()["code"] == "UNAUTHORIZED"
    finally:
        server.stop()


def test_a_second_server_on_the_same_database_refuses_to_start(tmp_path):
    server = Server(tmp_path / "brokerage.db").start()
    try:
        second = subprocess.run(
            [sys.executable, "-m", "brokerage", "--db-url", server.db_url, "serve", "--port",
             "1"], capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert "one writer per database" in second.stderr
    finally:
        server.stop()


def test_admin_commands_run_offline_when_no_server_runs(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'brokerage.db'}"
    assert admin(db_url, "create-user", "op@example.com", "correct horse battery").returncode == 0
    assert admin(db_url, "deposit", "op@example.com", "120.50").returncode == 0
    server = Server(tmp_path / "brokerage.db").start()
    try:
        client = login(server.base, "op@example.com")
        assert client.get("/v1/account").json()["buying_power"] == "120.50"
    finally:
        server.stop()
