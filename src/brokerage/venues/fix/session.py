"""The initiator side of a FIX session: lifecycle, logon state and listeners.

Subclasses (the venue client, the drop-copy client) decode application messages in
`on_app_message`, which quickfix calls on its own thread through a GuardedApplication.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

import quickfix as fix

from brokerage.domain.ids import VenueId
from brokerage.venues.fix.application import GuardedApplication
from brokerage.venues.fix.handoff import LoopInbox
from brokerage.venues.fix.settings import BEGIN_STRING, InitiatorConfig, load_settings

log = logging.getLogger(__name__)

LOGOUT_WAIT_S = 2.0
SessionListener = Callable[[str, bool], None]


class InitiatorSession:
    """Run one quickfix SocketInitiator session and track whether it is logged on."""

    log_messages = True  # write quickfix's message and event logs under <data_dir>/log

    def __init__(self, config: InitiatorConfig, loop: asyncio.AbstractEventLoop | None) -> None:
        self.venue_id = VenueId(config.venue_id)
        self.config = config
        self.session_id = fix.SessionID(BEGIN_STRING, config.sender_comp_id,
                                        config.target_comp_id)
        self._inbox = None if loop is None else LoopInbox(loop, f"fix {self.venue_id}")
        self._listeners: list[SessionListener] = []
        self._logged_on = threading.Event()
        self._logged_out = threading.Event()
        self._initiator: Any = None

    def use_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Deliver callbacks onto `loop` from now on (set before start(): built before it ran)."""
        self._inbox = None if loop is None else LoopInbox(loop, f"fix {self.venue_id}")

    def add_session_listener(self, listener: SessionListener) -> None:
        """Call `listener(venue_id, logged_on)` on every logon and logout."""
        self._listeners.append(listener)

    def start(self) -> None:
        """Start the session; it logs on (and keeps reconnecting) in the background."""
        settings = load_settings(self.config.session_text(), self.config.data_dir)
        application = GuardedApplication(self, f"fix {self.config.sender_comp_id}->"
                                               f"{self.config.target_comp_id}")
        logs = fix.FileLogFactory(settings) if self.log_messages else None
        self._initiator = fix.SocketInitiator(
            application, fix.FileStoreFactory(settings), settings, logs
        )
        self._before_logon(fix.Session.lookupSession(self.session_id))
        self._initiator.start()

    def _before_logon(self, session: Any) -> None:
        """Adjust the created session before it connects (subclasses; nothing by default)."""

    def stop(self) -> None:
        """Log out and stop the session (sequence numbers stay in the store)."""
        if self._initiator is None:
            return
        session = fix.Session.lookupSession(self.session_id)
        if self._logged_on.is_set() and session is not None:
            # Log out ourselves and wait for the venue's answer (quickfix's own stop() polls
            # for up to seconds), then stop the already quiet engine.
            self._logged_out.clear()
            session.logout("stopping")
            self._logged_out.wait(LOGOUT_WAIT_S)
        self._initiator.stop(True)
        self._initiator = None
        self._logged_on.clear()

    @property
    def is_logged_on(self) -> bool:
        """Tell whether the session is logged on now."""
        return self._logged_on.is_set()

    def wait_logged_on(self, timeout_s: float) -> bool:
        """Block up to `timeout_s` for the logon; return whether it happened."""
        return self._logged_on.wait(timeout_s)

    def next_sender_seq(self) -> int:
        """Return the MsgSeqNum the next message we send will carry."""
        return int(fix.Session.lookupSession(self.session_id).getExpectedSenderNum())

    def next_target_seq(self) -> int:
        """Return the MsgSeqNum we expect on the next message from the venue."""
        return int(fix.Session.lookupSession(self.session_id).getExpectedTargetNum())

    # -- quickfix callbacks ----------------------------------------------------------------

    def on_logon(self, session_id: Any) -> None:
        self._logged_on.set()
        self._notify(True)

    def on_logout(self, session_id: Any) -> None:
        self._logged_on.clear()
        self._logged_out.set()
        self._notify(False)

    def on_app_message(self, message: Any, session_id: Any) -> None:
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------

    def _notify(self, logged_on: bool) -> None:
        for listener in self._listeners:
            self._call(listener, self.venue_id, logged_on)

    def _call(self, callback: Callable[..., None], *args: Any) -> None:
        """Run a callback on the event loop when there is one (in order), else right here."""
        if self._inbox is None:
            callback(*args)
        else:
            self._inbox.put(callback, *args)
