"""The FIX codec: every message type survives a trip through FIX 4.4 text unchanged."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import quickfix as fix
from hypothesis import given
from hypothesis import strategies as st

from brokerage.domain.execution import (
    CancelReject,
    CancelRequest,
    ExecType,
    ExecutionReport,
    NewOrderRequest,
    ReplaceRequest,
    VenueOrdStatus,
)
from brokerage.domain.ids import ExecId, Symbol, VenueId, VenueOrderId
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.venues.fix import codec
from brokerage.venues.fix.settings import data_dictionary_path

VENUE = VenueId("XSIM")
T0 = datetime(2026, 11, 24, 15, 0, 1, 123456, tzinfo=UTC)
DICTIONARY = fix.DataDictionary(data_dictionary_path())

prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999"), places=4)
quantities = st.decimals(min_value=Decimal("0.000000001"), max_value=Decimal("1000000"),
                         places=9)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1),
                     timezones=st.just(UTC))
ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=36)
symbols = st.sampled_from([Symbol("ACME"), Symbol("BRK.B"), Symbol("X")])


def over_the_wire(message: fix.Message) -> fix.Message:
    """Serialize to FIX text and parse it back, validating against the FIX 4.4 dictionary."""
    parsed = fix.Message(message.toString(), DICTIONARY, True)
    return parsed


@given(cl=ids, symbol=symbols, side=st.sampled_from(Side), qty=quantities,
       tif=st.sampled_from(TimeInForce), price=st.none() | prices, extended=st.booleans(),
       ts=times)
def test_new_order_single_round_trips(cl, symbol, side, qty, tif, price, extended, ts):
    order_type = OrderType.MARKET if price is None else OrderType.LIMIT
    request = NewOrderRequest(cl, symbol, side, order_type, qty, tif, price, extended, ts)

    decoded = codec.decode_new_order(over_the_wire(codec.encode_new_order(request)))

    assert decoded == request


@given(cl=ids, orig=ids, symbol=symbols, side=st.sampled_from(Side), ts=times)
def test_cancel_request_round_trips(cl, orig, symbol, side, ts):
    request = CancelRequest(cl, orig, symbol, side, ts)

    assert codec.decode_cancel(over_the_wire(codec.encode_cancel(request))) == request


@given(cl=ids, orig=ids, side=st.sampled_from(Side), qty=quantities,
       price=st.none() | prices, tif=st.sampled_from(TimeInForce), ts=times)
def test_replace_request_round_trips(cl, orig, side, qty, price, tif, ts):
    request = ReplaceRequest(cl, orig, Symbol("ACME"), side, qty, price, tif, ts)

    assert codec.decode_replace(over_the_wire(codec.encode_replace(request))) == request


wire_exec_types = st.sampled_from(
    [t for t in ExecType if t not in (ExecType.PARTIAL_FILL, ExecType.FILL)])


@given(exec_type=wire_exec_types, status=st.sampled_from(VenueOrdStatus),
       orig=st.none() | ids, last_qty=quantities, last_px=prices, cum=quantities,
       leaves=quantities, avg=prices, text=st.sampled_from(["", "market closed"]),
       liquidity=st.sampled_from(["", "added", "removed", "auction"]),
       rebate=st.sampled_from([Decimal(0), Decimal("0.0125"), Decimal("1.5")]), ts=times)
def test_execution_report_round_trips(exec_type, status, orig, last_qty, last_px, cum, leaves,
                                      avg, text, liquidity, rebate, ts):
    report = ExecutionReport(
        VENUE, ExecId("XSIM-7"), exec_type, status, "cl-2", orig, VenueOrderId("XSIM-O3"),
        Symbol("ACME"), Side.SELL, last_qty, last_px, cum, leaves, avg, ts, text, liquidity,
        rebate,
    )

    decoded = codec.decode_report(over_the_wire(codec.encode_report(report)), VENUE)

    assert decoded == report


@pytest.mark.parametrize("fix42_type", [ExecType.PARTIAL_FILL, ExecType.FILL])
def test_fix42_fill_exec_types_go_on_the_wire_as_trade(fix42_type):
    report = a_report(exec_type=fix42_type)

    message = over_the_wire(codec.encode_report(report))

    assert message.getField(codec.EXEC_TYPE) == "F"
    assert codec.decode_report(message, VENUE).exec_type is ExecType.TRADE


def test_a_status_response_decodes_as_the_orders_last_report():
    report = a_report(exec_type=ExecType.TRADE, status=VenueOrdStatus.PARTIALLY_FILLED)

    message = over_the_wire(codec.encode_report(report, status_response=True))

    assert message.getField(codec.EXEC_TYPE) == "I"
    assert codec.decode_report(message, VENUE) == report


@pytest.mark.parametrize(("reason", "code"), [("unknown order", "1"),
                                              ("duplicate cl_ord_id", "6"),
                                              ("order is not open", "0"),
                                              ("price is not on tick", "99")])
def test_cancel_reject_round_trips_with_a_standard_reason_code(reason, code):
    reject = CancelReject(VENUE, "cl-9", "cl-8", reason, T0)

    message = over_the_wire(codec.encode_cancel_reject(reject, codec.REPLACE, "XSIM-O1",
                                                       VenueOrdStatus.NEW))

    assert message.getField(codec.CXL_REJ_REASON) == code
    assert message.getField(codec.CXL_REJ_RESPONSE_TO) == "2"
    assert codec.decode_cancel_reject(message, VENUE) == reject


def test_prices_travel_as_exact_decimal_text():
    request = NewOrderRequest("c", Symbol("ACME"), Side.BUY, OrderType.LIMIT,
                              Decimal("100.000000000"), TimeInForce.DAY, Decimal("0.1000"),
                              False, T0)

    message = codec.encode_new_order(request)

    assert message.getField(codec.PRICE) == "0.1"
    assert message.getField(codec.ORDER_QTY) == "100"


@pytest.mark.parametrize(("tag", "value"), [(codec.SIDE, "5"), (codec.ORD_TYPE, "3"),
                                            (codec.ORDER_QTY, "abc"), (codec.TIF, "6")])
def test_a_value_we_do_not_trade_is_a_codec_error_naming_its_tag(tag, value):
    message = codec.encode_new_order(NewOrderRequest(
        "c", Symbol("ACME"), Side.BUY, OrderType.LIMIT, Decimal(1), TimeInForce.DAY,
        Decimal(1), False, T0))
    message.setField(tag, value)

    with pytest.raises(codec.CodecError) as error:
        codec.decode_new_order(message)

    assert error.value.tag == tag


def test_a_limit_order_without_a_price_is_a_codec_error():
    message = codec.encode_new_order(NewOrderRequest(
        "c", Symbol("ACME"), Side.BUY, OrderType.MARKET, Decimal(1), TimeInForce.DAY, None,
        False, T0))
    message.setField(codec.ORD_TYPE, "2")

    with pytest.raises(codec.CodecError):
        codec.decode_new_order(message)


@pytest.mark.parametrize("text", ["20261124-15:00:01", "20261124-15:00:01.123",
                                  "20261124-15:00:01.123456789"])
def test_timestamps_of_any_fix_precision_parse_to_utc(text):
    parsed = codec.parse_timestamp(text)

    assert parsed.tzinfo is UTC
    assert parsed - datetime(2026, 11, 24, 15, 0, 1, tzinfo=UTC) < timedelta(seconds=1)


def a_report(exec_type: ExecType = ExecType.NEW,
             status: VenueOrdStatus = VenueOrdStatus.NEW) -> ExecutionReport:
    return ExecutionReport(
        VENUE, ExecId("XSIM-1"), exec_type, status, "cl-1", None, VenueOrderId("XSIM-O1"),
        Symbol("ACME"), Side.BUY, Decimal(10), Decimal("100.01"), Decimal(10), Decimal(5),
        Decimal("100.01"), T0,
    )
