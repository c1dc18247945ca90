"""`brokerage serve` puts the venues behind FIX by default; tests and offline tools do not."""

import pytest

from brokerage.config import Settings
from brokerage.entrypoints.cli import _serve_settings, build_parser


def serve_settings(*argv: str) -> Settings:
    return _serve_settings(build_parser().parse_args(["serve", *argv]))


def test_serve_runs_the_venues_behind_fix_on_the_default_ports(monkeypatch):
    monkeypatch.delenv("BROKERAGE_VENUE_TRANSPORT", raising=False)
    monkeypatch.delenv("BROKERAGE_FIX_BASE_PORT", raising=False)
    settings = serve_settings()
    assert (settings.venue_transport, settings.fix_base_port) == ("fix", 9878)


@pytest.mark.parametrize(("env", "argv", "expected"), [
    ({"BROKERAGE_VENUE_TRANSPORT": "inprocess"}, (), ("inprocess", 9878)),
    ({"BROKERAGE_VENUE_TRANSPORT": "inprocess"}, ("--venues", "fix"), ("fix", 9878)),
    ({"BROKERAGE_FIX_BASE_PORT": "0"}, (), ("fix", 0)),
    ({"BROKERAGE_FIX_BASE_PORT": "0"}, ("--fix-port", "19878"), ("fix", 19878)),
])
def test_the_command_line_beats_the_environment(monkeypatch, env, argv, expected):
    monkeypatch.delenv("BROKERAGE_VENUE_TRANSPORT", raising=False)
    monkeypatch.delenv("BROKERAGE_FIX_BASE_PORT", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = serve_settings(*argv)
    assert (settings.venue_transport, settings.fix_base_port) == expected


def test_settings_built_anywhere_else_keep_the_venues_in_process():
    assert Settings().venue_transport == "inprocess"


def test_third_party_comp_ids_come_from_the_command_line_or_the_environment(monkeypatch):
    monkeypatch.setenv("BROKERAGE_FIX_CLIENTS", "THEM,OTHERS")
    assert serve_settings().fix_clients == ("THEM", "OTHERS")
    assert serve_settings("--fix-client", "US").fix_clients == ("US",)
