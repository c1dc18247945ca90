"""Field-level helpers shared by the FIX codecs: exact decimals, UTC timestamps, lookups.

Pure: quickfix messages in, Python values out (and back); no sessions, no sockets.

Speed (the codec runs several times per order, on quickfix's threads, under the GIL): every
SWIG call costs a microsecond or more, so a received message is read once (`read`: one
`toString()`, split in Python) into a `Fields` view that answers the same lookups, and an
outgoing message is written as FIX text and parsed by quickfix in one call (`compose`), not
built field by field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import quickfix as fix

BEGIN_STRING = "FIX.4.4"
MSG_SEQ_NUM, MSG_TYPE, POSS_DUP, SENDER_COMP_ID, TRANSACT_TIME = 34, 35, 43, 49, 60
SOH = "\x01"
_PREFIX = f"8={BEGIN_STRING}{SOH}35="


class CodecError(ValueError):
    """A message that is well-formed FIX but cannot become one of our messages."""

    def __init__(self, tag: int, text: str) -> None:
        super().__init__(f"tag {tag}: {text}")
        self.tag = tag
        self.text = text


class Fields(dict[int, str]):
    """A received message's fields, read once: the quickfix accessors the codec uses, fast.

    The first occurrence of a tag wins. The codec reads only header fields and top-level body
    fields that appear in no repeating group of the messages it decodes (a unit test checks
    this against the FIX 4.4 data dictionary), so flattening loses nothing it reads.
    """

    def getHeader(self) -> Fields:  # the quickfix names the helpers call
        return self  # header and body tags never collide

    def isSetField(self, tag: int) -> bool:
        return tag in self

    def getField(self, tag: int) -> str:
        return self[tag]


def read(message: fix.Message) -> Fields:
    """Read every field of a received message in one pass."""
    fields = Fields()
    for item in message.toString().split(SOH):
        tag, sep, value = item.partition("=")
        if sep and _digits(tag):
            fields.setdefault(int(tag), value)
    return fields


def compose(kind: str, body: list[tuple[int, str]]) -> fix.Message:
    """Build a FIX 4.4 message of MsgType `kind` from (tag, text) pairs in one quickfix call.

    quickfix files header tags (e.g. OnBehalfOfCompID) in the header and computes BodyLength
    and CheckSum; the session fills in the CompIDs, MsgSeqNum and SendingTime when it sends.
    """
    text = "".join([_PREFIX, kind, SOH, *[f"{tag}={value}{SOH}" for tag, value in body]])
    return fix.Message(text, False)


def free_text(value: str) -> str:
    """Make text safe to carry in a field (no field separator inside)."""
    return value.replace(SOH, " ")


def msg_type(message: fix.Message) -> str:
    """Return the MsgType (35) of a message."""
    return str(message.getHeader().getField(MSG_TYPE))


def is_poss_dup(message: fix.Message) -> bool:
    """Tell whether the message is a resend (PossDupFlag 43=Y)."""
    header = message.getHeader()
    return bool(header.isSetField(POSS_DUP) and header.getField(POSS_DUP) == "Y")


def decimal_text(value: Decimal) -> str:
    """Write a Decimal as plain FIX decimal text (no exponent, no trailing zeros)."""
    if not value.is_finite():
        raise ValueError(f"not a finite decimal: {value}")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def timestamp_text(ts: datetime) -> str:
    """Write an aware datetime as a FIX UTCTimestamp with microseconds."""
    if ts.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    t = ts.astimezone(UTC)
    return (f"{t.year:04d}{t.month:02d}{t.day:02d}-{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
            f".{t.microsecond:06d}")


def parse_timestamp(text: str) -> datetime:
    """Read a FIX UTCTimestamp (seconds, millis, micros or nanos) as an aware UTC datetime."""
    base, dot, fraction = text.partition(".")
    if (len(base) != 17 or base[8] != "-" or base[11] != ":" or base[14] != ":"
            or not _digits(base[:8] + base[9:11] + base[12:14] + base[15:])
            or (dot and not _digits(fraction))):
        raise ValueError(f"not a UTCTimestamp: {text!r}")
    micros = int((fraction + "000000")[:6]) if fraction else 0
    return datetime(int(base[:4]), int(base[4:6]), int(base[6:8]), int(base[9:11]),
                    int(base[12:14]), int(base[15:17]), micros, tzinfo=UTC)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def new_message(kind: str) -> fix.Message:
    """Start a FIX 4.4 message of a MsgType."""
    message = fix.Message()
    header = message.getHeader()
    header.setField(fix.BeginString(BEGIN_STRING))
    header.setField(fix.MsgType(kind))
    return message


def put(message: fix.Message, tag: int, value: str) -> None:
    """Set a body field from its text."""
    message.setField(tag, str(value))


def optional(message: fix.Message, tag: int) -> str | None:
    """Return a body field's text, or None when it is absent."""
    return str(message.getField(tag)) if message.isSetField(tag) else None


def required(message: fix.Message, tag: int) -> str:
    """Return a body field's text; a missing or empty one is a CodecError."""
    value = optional(message, tag)
    if not value:
        raise CodecError(tag, "required field missing")
    return value


def required_decimal(message: fix.Message, tag: int) -> Decimal:
    """Return a body field as a Decimal; missing is a CodecError."""
    value = optional_decimal(message, tag)
    if value is None:
        raise CodecError(tag, "required field missing")
    return value


def optional_decimal(message: fix.Message, tag: int) -> Decimal | None:
    """Return a body field as a finite Decimal, or None when absent."""
    text = optional(message, tag)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise CodecError(tag, f"not a decimal: {text!r}") from exc
    if not value.is_finite():
        raise CodecError(tag, f"not a finite decimal: {text!r}")
    return value


def transact_time(message: fix.Message) -> datetime:
    """Return TransactTime (60) as an aware UTC datetime."""
    text = required(message, TRANSACT_TIME)
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise CodecError(TRANSACT_TIME, f"not a UTCTimestamp: {text!r}") from exc


def enum_of(message: fix.Message, tag: int, table: dict[Any, str]) -> Any:
    """Return the member of `table` whose wire code the field holds."""
    code = required(message, tag)
    for member, wire in table.items():
        if wire == code:
            return member
    raise CodecError(tag, f"unsupported value {code!r}")


def value_of(kind: Any, code: str, tag: int) -> Any:
    """Return `kind(code)`; an unknown code is a CodecError naming the tag."""
    try:
        return kind(code)
    except ValueError as exc:
        raise CodecError(tag, f"unsupported value {code!r}") from exc


def seq_num(message: fix.Message) -> int:
    """Return the MsgSeqNum (34) of a received message."""
    return int(message.getHeader().getField(MSG_SEQ_NUM))


def field_or_empty(message: fix.Message, tag: int) -> str:
    """Return a body field's value, or "" when it is absent."""
    return optional(message, tag) or ""
