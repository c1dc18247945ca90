"""FIX wiring from configuration: session settings, the loopback layout, the venue lock."""

import threading
from pathlib import Path

from brokerage.venues.fix.runtime import (
    FixLayout,
    LockedVenue,
    default_specs,
    market_maker_comp_ids,
)
from brokerage.venues.fix.settings import data_dictionary_path


def test_the_exchange_and_market_makers_take_consecutive_loopback_ports():
    specs = default_specs(["MM1", "MM2"])

    assert [(s.venue_id, s.port, s.host) for s in specs] == [
        ("XSIM", 9878, "127.0.0.1"), ("MM1", 9879, "127.0.0.1"), ("MM2", 9880, "127.0.0.1")]


def test_a_venue_accepts_the_oms_third_parties_and_the_drop_copy_session():
    layout = FixLayout(Path("var"), third_parties=market_maker_comp_ids(["MM1"]))

    config = layout.acceptor(default_specs()[0])

    assert config.clients == ("BROKERAGE", "MM1")
    assert config.market_data_clients == ("MM1-MD",)
    assert "PersistMessages=N" in config.session_text().split("TargetCompID=MM1-MD")[1]
    assert config.drop_copy_clients == ("BROKERAGE-DC",)
    assert config.data_dir == Path("var/fix/XSIM/acceptor")


def test_session_settings_persist_sequence_numbers_and_never_reset_them():
    layout = FixLayout(Path("var"))

    text = layout.client(default_specs()[0]).session_text()

    for line in ["ConnectionType=initiator", "SenderCompID=BROKERAGE", "TargetCompID=XSIM",
                 "SocketConnectPort=9878", "ResetOnLogon=N", "ResetOnLogout=N",
                 "ResetOnDisconnect=N", "PersistMessages=Y", "NonStopSession=Y",
                 "FileStorePath=var/fix/XSIM/oms/store", "HeartBtInt=30",
                 f"DataDictionary={data_dictionary_path()}"]:
        assert line in text.splitlines()


def test_an_acceptor_lists_one_session_per_counterparty():
    config = FixLayout(Path("var")).acceptor(default_specs()[0])

    text = config.session_text()

    assert text.count("[SESSION]") == 2
    assert "SocketAcceptPort=9878" in text and "SenderCompID=XSIM" in text


def test_a_locked_venue_holds_the_lock_while_the_venue_runs():
    lock = threading.RLock()

    class Venue:
        venue_id = "V"

        def submit(self, participant: str, request: object) -> bool:
            return lock._is_owned()  # type: ignore[attr-defined]

    locked = LockedVenue(Venue(), lock)

    assert locked.submit("p", object()) is True
    assert locked.venue_id == "V"
