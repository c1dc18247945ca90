"""A quickfix Application whose callbacks can never raise into the engine.

quickfix calls these from its own threads; a Python exception escaping a director callback
can hang the engine, so every callback is wrapped: the error is logged and swallowed. The
wrapped handler must not block either (it hands work to a queue or to the event loop).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

import quickfix as fix

log = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SessionHandler(Protocol):
    def on_logon(self, session_id: Any) -> None: ...

    def on_logout(self, session_id: Any) -> None: ...

    def on_app_message(self, message: Any, session_id: Any) -> None: ...


class GuardedApplication(fix.Application):  # type: ignore[misc]
    """Forward the session events we use to a handler; swallow and log what it raises."""

    def __init__(self, handler: SessionHandler, name: str) -> None:
        super().__init__()
        self._handler = handler
        self._name = name

    # quickfix's camelCase method names are its interface.
    def onCreate(self, session_id: Any) -> None:
        return None

    def onLogon(self, session_id: Any) -> None:
        self._guard("onLogon", self._handler.on_logon, session_id)

    def onLogout(self, session_id: Any) -> None:
        self._guard("onLogout", self._handler.on_logout, session_id)

    def toAdmin(self, message: Any, session_id: Any) -> None:
        return None

    def fromAdmin(self, message: Any, session_id: Any) -> None:
        return None

    def toApp(self, message: Any, session_id: Any) -> None:
        return None

    def fromApp(self, message: Any, session_id: Any) -> None:
        self._guard("fromApp", self._handler.on_app_message, message, session_id)

    def _guard(self, callback: str, handler: Any, *args: Any) -> None:
        try:
            handler(*args)
        except Exception:
            log.exception("%s: %s failed on %s", self._name, callback, args[-1])


def counterparty(session_id: Any) -> str:
    """Return the TargetCompID of a session: who is on the other end."""
    return str(session_id.getTargetCompID().getValue())


def session_key(session_id: Any) -> str:
    """Return a session's printable id, e.g. FIX.4.4:XSIM->BROKER."""
    return str(session_id.toString())
