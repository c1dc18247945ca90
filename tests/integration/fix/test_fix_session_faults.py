"""Session faults on a raw socket: the venue answers with the standard FIX responses.

Garbled input is dropped, an invalid message is rejected (35=3), a sequence gap draws a
ResendRequest (35=2), a logon whose MsgSeqNum is too low is logged out (35=5), and the
venue keeps serving the other sessions all along.
"""

import socket
import time

import pytest
from fix_harness import an_order, wait_for

from brokerage.adapters.clock import RealClock
from brokerage.domain.execution import ExecType

pytestmark = pytest.mark.fix
SOH = "\x01"


class RawSession:
    """A hand-rolled FIX 4.4 peer on a plain socket, to send what no engine would."""

    def __init__(self, port: int, sender: str = "TRADER", target: str = "XSIM") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sender, self.target = sender, target
        self.buffer = b""

    def send(self, msg_type: str, seq: int, body: str = "", checksum: str | None = None) -> None:
        stamp = RealClock().now().strftime("%Y%m%d-%H:%M:%S.%f")[:-3]  # SendingTime is real
        fields = (f"35={msg_type}{SOH}34={seq}{SOH}49={self.sender}{SOH}52={stamp}{SOH}"
                  f"56={self.target}{SOH}{body}")
        head = f"8=FIX.4.4{SOH}9={len(fields)}{SOH}"
        total = sum((head + fields).encode()) % 256
        self.sock.sendall(f"{head}{fields}10={checksum or f'{total:03d}'}{SOH}".encode())

    def receive(self, timeout_s: float = 5.0) -> dict[int, str]:
        """Return the next message as {tag: value}."""
        deadline = time.monotonic() + timeout_s
        while b"\x0110=" not in self.buffer or not self.buffer.split(b"\x0110=", 1)[1].count(
                b"\x01"):
            if time.monotonic() > deadline:
                raise AssertionError("no message from the venue")
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the venue closed the connection")
            self.buffer += chunk
        head, rest = self.buffer.split(b"\x0110=", 1)
        trailer, self.buffer = rest.split(b"\x01", 1)
        pairs = (head + b"\x0110=" + trailer).decode().split(SOH)
        return {int(k): v for k, v in (p.split("=", 1) for p in pairs if p)}

    def receive_type(self, msg_type: str) -> dict[int, str]:
        """Return the next message of a type, skipping others (heartbeats, test requests)."""
        while True:
            message = self.receive()
            if message[35] == msg_type:
                return message

    def close(self) -> None:
        self.sock.close()


LOGON = f"98=0{SOH}108=30{SOH}"


def test_garbage_a_bad_message_and_a_gap_get_the_standard_answers_and_others_trade_on(
        venue, broker):
    client, seen = broker
    raw = RawSession(venue.port)
    try:
        raw.send("A", 1, LOGON)
        assert raw.receive_type("A")[34] == "1"
        raw.send("0", 2, checksum="999")  # garbled: wrong checksum, silently dropped
        raw.send("D", 2, f"55=ACME{SOH}54=1{SOH}60=20261124-15:00:00{SOH}38=10{SOH}40=1{SOH}")
        reject = raw.receive_type("3")
        raw.send("0", 9)  # 3 was next: a gap
        resend = raw.receive_type("2")
        client.submit("oms", an_order("still-serving"))
        wait_for(lambda: seen.for_order("still-serving"))
    finally:
        raw.close()

    # RefSeqNum 2, RefTagID ClOrdID, SessionRejectReason 1: required tag missing
    assert (reject[45], reject[371], reject[373]) == ("2", "11", "1")
    assert (resend[7], resend[16]) == ("3", "0")  # BeginSeqNo, EndSeqNo (infinity)
    assert seen.for_order("still-serving")[0].exec_type is ExecType.NEW


def test_a_logon_with_a_sequence_number_too_low_is_logged_out(venue, broker):
    client, seen = broker
    first = RawSession(venue.port)
    first.send("A", 1, LOGON)
    first.receive_type("A")
    first.send("5", 2)
    first.receive_type("5")
    first.close()
    wait_for(lambda: "TRADER" not in venue.server.logged_on())

    stale = RawSession(venue.port)
    try:
        stale.send("A", 1, LOGON)  # the venue expects 3 now
        logout = stale.receive_type("5")
    finally:
        stale.close()
    client.submit("oms", an_order("after-stale"))

    assert "MsgSeqNum too low" in logout.get(58, "")
    assert wait_for(lambda: seen.for_order("after-stale"))
