"""Reading a received message once (`fields.read`): nothing the codec reads can be lost."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from brokerage.venues.fix import codec
from brokerage.venues.fix.settings import data_dictionary_path

DECODED = (codec.REPORT, codec.CANCEL_REJECT, codec.NEW_ORDER, codec.CANCEL, codec.REPLACE,
           codec.STATUS)
TAGS_READ = {
    codec.MSG_TYPE, codec.MSG_SEQ_NUM, codec.POSS_DUP, codec.SENDER_COMP_ID, codec.ON_BEHALF_OF,
    codec.AVG_PX, codec.CL_ORD_ID, codec.CUM_QTY, codec.EXEC_ID, codec.LAST_PX,
    codec.LAST_QTY, codec.ORDER_ID, codec.ORDER_QTY, codec.ORD_STATUS, codec.ORD_TYPE,
    codec.ORIG_CL_ORD_ID, codec.PRICE, codec.SIDE, codec.SYMBOL, codec.TEXT, codec.TIF,
    codec.TRANSACT_TIME, codec.CXL_REJ_REASON, codec.EXEC_TYPE, codec.LEAVES_QTY,
    codec.LAST_LIQUIDITY,
}


def tags_in_groups(message_type: str) -> set[int]:
    """Return every tag that the FIX 4.4 dictionary puts inside a repeating group of a message."""
    root = ET.parse(data_dictionary_path()).getroot()
    numbers = {f.get("name"): int(f.get("number", 0)) for f in root.find("fields")}
    components = {c.get("name"): c for c in root.find("components")}
    [message] = [m for m in root.find("messages") if m.get("msgtype") == message_type]
    found: set[int] = set()

    def walk(node: ET.Element, in_group: bool) -> None:
        for child in node:
            if child.tag == "field" and in_group:
                found.add(numbers[child.get("name")])
            elif child.tag == "group":
                walk(child, True)
            elif child.tag == "component":
                walk(components[child.get("name")], in_group)

    walk(message, False)
    return found


@pytest.mark.parametrize("message_type", DECODED)
def test_no_tag_the_codec_reads_is_also_inside_a_repeating_group(message_type):
    assert TAGS_READ & tags_in_groups(message_type) == set()


def test_a_read_message_answers_header_and_body_lookups():
    message = codec.compose(codec.REPORT, [(codec.TEXT, "a=b"), (codec.ON_BEHALF_OF, "MM1")])

    fields = codec.read(message)

    assert codec.msg_type(fields) == codec.REPORT
    assert fields.getField(codec.TEXT) == "a=b"  # split at the first "=" only
    assert fields.getHeader().isSetField(codec.ON_BEHALF_OF)
    assert message.getHeader().isSetField(codec.ON_BEHALF_OF)  # quickfix filed it there


def test_a_field_separator_inside_free_text_cannot_forge_a_field():
    report = codec.compose(codec.REPORT, [(codec.TEXT, codec.free_text("x\x0139=2"))])

    assert not codec.read(report).isSetField(codec.ORD_STATUS)


@pytest.mark.parametrize("text", ["20261124-15:00:01.12345X", "20261124 15:00:01",
                                  "2026112-15:00:01.123", "20261124-15:00:01."])
def test_a_malformed_timestamp_is_refused(text):
    with pytest.raises(ValueError):
        codec.parse_timestamp(text)


def test_a_timestamp_keeps_its_microseconds_both_ways():
    ts = datetime(2026, 11, 24, 15, 0, 1, 7, tzinfo=UTC)

    assert codec.parse_timestamp(codec.timestamp_text(ts)) == ts
