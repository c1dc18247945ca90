"""Field-level helpers shared by the FIX codecs: exact decimals, UTC timestamps, lookups.

Pure: quickfix messages in, Python values out (and back); no sessions, no sockets.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import quickfix as fix

BEGIN_STRING = "FIX.4.4"
MSG_SEQ_NUM, MSG_TYPE, POSS_DUP, TRANSACT_TIME = 34, 35, 43, 60
_TIMESTAMP = "%Y%m%d-%H:%M:%S.%f"


class CodecError(ValueError):
    """A message that is well-formed FIX but cannot become one of our messages."""

    def __init__(self, tag: int, text: str) -> None:
        super().__init__(f"tag {tag}: {text}")
        self.tag = tag
        self.text = text


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
    return ts.astimezone(UTC).strftime(_TIMESTAMP)


def parse_timestamp(text: str) -> datetime:
    """Read a FIX UTCTimestamp (seconds, millis, micros or nanos) as an aware UTC datetime."""
    base, _, fraction = text.partition(".")
    micros = (fraction + "000000")[:6] if fraction else "000000"
    return datetime.strptime(f"{base}.{micros}", _TIMESTAMP).replace(tzinfo=UTC)


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
