"""FIX session settings: our configuration in, a quickfix settings file out.

The generated file is written beside the session store (`<data_dir>/session.cfg`) and then
loaded by quickfix, so what runs is what an operator can read. The README section
"FIX sessions" lists the settings a third-party FIX 4.4 counterparty needs.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import quickfix as fix

BEGIN_STRING = "FIX.4.4"
DEFAULT_HEARTBEAT_S = 30


def data_dictionary_path() -> str:
    """Return the FIX 4.4 data dictionary installed with the quickfix wheel."""
    return os.path.join(sys.prefix, "share", "quickfix", "FIX44.xml")


@dataclass(frozen=True)
class AcceptorConfig:
    """One venue's FIX acceptor: its CompID, port and the counterparties it accepts.

    `clients` are the counterparties' CompIDs (each one session, each one participant);
    `drop_copy_clients` are CompIDs of sessions that receive a copy of every report;
    `market_data_clients` are participants too, whose sent messages are not persisted.
    """

    venue_id: str
    port: int
    comp_id: str
    clients: tuple[str, ...]
    drop_copy_clients: tuple[str, ...] = ()
    data_dir: Path = Path("var/fix")
    host: str = "127.0.0.1"
    market_data_clients: tuple[str, ...] = ()  # sessions that only subscribe to quotes

    def session_text(self) -> str:
        """Render the quickfix settings of this acceptor."""
        default = [
            *_common(self.data_dir),
            "ConnectionType=acceptor",
            f"SocketAcceptPort={self.port}",
            f"SocketAcceptAddress={self.host}",
            "SocketReuseAddress=Y",
        ]
        sessions = [
            _session(self.comp_id, client) for client in self.clients + self.drop_copy_clients
        ]
        # Market-data-only sessions resend nothing: a stale snapshot is worth a gap fill, and
        # keeping every quote in the store would grow it by the hour.
        sessions += [[*_session(self.comp_id, client), "PersistMessages=N"]
                     for client in self.market_data_clients]
        return _render(default, sessions)


@dataclass(frozen=True)
class InitiatorConfig:
    """One session from us to a venue's acceptor."""

    venue_id: str
    port: int
    sender_comp_id: str
    target_comp_id: str
    data_dir: Path = Path("var/fix")
    host: str = "127.0.0.1"
    heartbeat_s: int = DEFAULT_HEARTBEAT_S
    reconnect_s: int = 1

    def session_text(self) -> str:
        """Render the quickfix settings of this initiator."""
        default = [
            *_common(self.data_dir),
            "ConnectionType=initiator",
            f"HeartBtInt={self.heartbeat_s}",
            f"ReconnectInterval={self.reconnect_s}",
            f"SocketConnectHost={self.host}",
            f"SocketConnectPort={self.port}",
        ]
        return _render(default, [_session(self.sender_comp_id, self.target_comp_id)])


def load_settings(text: str, data_dir: Path) -> fix.SessionSettings:
    """Write the settings beside the store and load them into quickfix."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "session.cfg"
    path.write_text(text, encoding="utf-8")
    return fix.SessionSettings(str(path))


def _common(data_dir: Path) -> list[str]:
    # Sequence numbers survive restarts and disconnects (no resets): a restart resumes and
    # the peer gap-fills. NonStopSession: no daily session window resets them either.
    return [
        f"FileStorePath={data_dir / 'store'}",
        f"FileLogPath={data_dir / 'log'}",
        "NonStopSession=Y",
        "ResetOnLogon=N",
        "ResetOnLogout=N",
        "ResetOnDisconnect=N",
        "PersistMessages=Y",
        "UseDataDictionary=Y",
        f"DataDictionary={data_dictionary_path()}",
        # our user-defined tags (20001-20004) ride on standard messages
        "ValidateUserDefinedFields=N",
        "TimestampPrecision=6",
        "LogonTimeout=5",
        "LogoutTimeout=2",
    ]


def _session(sender: str, target: str) -> list[str]:
    return [f"BeginString={BEGIN_STRING}", f"SenderCompID={sender}", f"TargetCompID={target}"]


def _render(default: list[str], sessions: list[list[str]]) -> str:
    blocks = ["[DEFAULT]", *default]
    for session in sessions:
        blocks += ["", "[SESSION]", *session]
    return "\n".join(blocks) + "\n"
