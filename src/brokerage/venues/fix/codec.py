"""Map the FIX-shaped messages of `domain.execution` to and from quickfix FIX 4.4 messages.

Pure: no sessions, no sockets, no clock. Prices and quantities travel as decimal strings and
come back as `Decimal` (never float). FIX 4.4 has no PartialFill/Fill ExecType (150=1/2):
they go on the wire as Trade (150=F), which is what 4.4 means, so they decode as TRADE.

User-defined tags (documented in the README, section "FIX sessions"):
  20001 Rebate           ExecutionReport: USD the venue pays for this fill (PFOF, decimal)
  20002 ExtendedHours    NewOrderSingle: Y = may trade in the extended-hours sessions
  20003 LiquidityFlag    ExecutionReport: liquidity indicator with no FIX 4.4 value ("auction")
  20004 LastExecType     ExecutionReport 150=I (order status): ExecType of the order's last report
Standard LastLiquidityInd (851) carries "added" (1) and "removed" (2).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import quickfix as fix

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
from brokerage.venues.fix.fields import (
    BEGIN_STRING,
    MSG_SEQ_NUM,
    MSG_TYPE,
    POSS_DUP,
    SENDER_COMP_ID,
    TRANSACT_TIME,
    CodecError,
    Fields,
    compose,
    decimal_text,
    enum_of,
    field_or_empty,
    free_text,
    is_poss_dup,
    msg_type,
    optional,
    optional_decimal,
    parse_timestamp,
    read,
    required,
    required_decimal,
    seq_num,
    timestamp_text,
    transact_time,
    value_of,
)

__all__ = [  # the field helpers are part of the codec's vocabulary for its users
    "BEGIN_STRING", "MSG_SEQ_NUM", "MSG_TYPE", "POSS_DUP", "SENDER_COMP_ID", "TRANSACT_TIME",
    "CodecError",
    "Fields", "compose", "decimal_text", "field_or_empty", "is_poss_dup", "msg_type",
    "parse_timestamp", "read", "seq_num", "timestamp_text",
]
NEW_ORDER, CANCEL, REPLACE, STATUS = "D", "F", "G", "H"
REPORT, CANCEL_REJECT, BUSINESS_REJECT = "8", "9", "j"
ORDER_STATUS_EXEC_TYPE = "I"

# Standard tags
ACCOUNT, AVG_PX, CL_ORD_ID, CUM_QTY, EXEC_ID = 1, 6, 11, 14, 17
LAST_PX, LAST_QTY, ORDER_ID, ORDER_QTY, ORD_STATUS = 31, 32, 37, 38, 39
ORD_TYPE, ORIG_CL_ORD_ID, PRICE, REF_SEQ_NUM, SIDE = 40, 41, 44, 45, 54
SYMBOL, TEXT, TIF, ON_BEHALF_OF = 55, 58, 59, 115
CXL_REJ_REASON, ORD_REJ_REASON, EXEC_TYPE, LEAVES_QTY = 102, 103, 150, 151
REF_MSG_TYPE, CXL_REJ_RESPONSE_TO, COPY_MSG_INDICATOR, LAST_LIQUIDITY = 372, 434, 797, 851
BUSINESS_REJECT_REF_ID, BUSINESS_REJECT_REASON = 379, 380
# User-defined tags
REBATE, EXTENDED_HOURS, LIQUIDITY_FLAG, LAST_EXEC_TYPE = 20001, 20002, 20003, 20004

_SIDES = {Side.BUY: "1", Side.SELL: "2"}
_ORD_TYPES = {OrderType.MARKET: "1", OrderType.LIMIT: "2"}
_TIFS = {
    TimeInForce.DAY: "0",
    TimeInForce.GTC: "1",
    TimeInForce.OPG: "2",
    TimeInForce.IOC: "3",
    TimeInForce.FOK: "4",
    TimeInForce.CLS: "7",
}
_LIQUIDITY = {"added": "1", "removed": "2"}
_WIRE_EXEC_TYPE = {ExecType.PARTIAL_FILL: ExecType.TRADE, ExecType.FILL: ExecType.TRADE}
_CXL_REJ_REASONS = {"unknown order": "1", "duplicate cl_ord_id": "6", "order is not open": "0"}


# -- encoding -------------------------------------------------------------------------------


def encode_new_order(request: NewOrderRequest) -> fix.Message:
    """Build a NewOrderSingle (35=D)."""
    body = [(CL_ORD_ID, request.cl_ord_id), (SYMBOL, request.symbol),
            (SIDE, _SIDES[request.side]), (ORD_TYPE, _ORD_TYPES[request.order_type]),
            (ORDER_QTY, decimal_text(request.quantity)), (TIF, _TIFS[request.time_in_force])]
    if request.limit_price is not None:
        body.append((PRICE, decimal_text(request.limit_price)))
    body += [(EXTENDED_HOURS, "Y" if request.extended_hours else "N"),
             (TRANSACT_TIME, timestamp_text(request.ts))]
    return compose(NEW_ORDER, body)


def encode_cancel(request: CancelRequest) -> fix.Message:
    """Build an OrderCancelRequest (35=F)."""
    return compose(CANCEL, [
        (CL_ORD_ID, request.cl_ord_id), (ORIG_CL_ORD_ID, request.orig_cl_ord_id),
        (SYMBOL, request.symbol), (SIDE, _SIDES[request.side]),
        (TRANSACT_TIME, timestamp_text(request.ts))])


def encode_replace(request: ReplaceRequest) -> fix.Message:
    """Build an OrderCancelReplaceRequest (35=G); a None price means a market order."""
    order_type = OrderType.MARKET if request.limit_price is None else OrderType.LIMIT
    body = [(CL_ORD_ID, request.cl_ord_id), (ORIG_CL_ORD_ID, request.orig_cl_ord_id),
            (SYMBOL, request.symbol), (SIDE, _SIDES[request.side]),
            (ORDER_QTY, decimal_text(request.quantity)), (ORD_TYPE, _ORD_TYPES[order_type])]
    if request.limit_price is not None:
        body.append((PRICE, decimal_text(request.limit_price)))
    body += [(TIF, _TIFS[request.time_in_force]), (TRANSACT_TIME, timestamp_text(request.ts))]
    return compose(REPLACE, body)


def encode_status_request(cl_ord_id: str, symbol: str, side: Side) -> fix.Message:
    """Build an OrderStatusRequest (35=H) for the order known by `cl_ord_id`."""
    return compose(STATUS, [(CL_ORD_ID, cl_ord_id), (SYMBOL, symbol), (SIDE, _SIDES[side])])


def encode_report(report: ExecutionReport, status_response: bool = False) -> fix.Message:
    """Build an ExecutionReport (35=8); `status_response` answers a 35=H (150=I)."""
    return compose(REPORT, report_fields(report, status_response))


def encode_drop_copy(fields: list[tuple[int, str]], participant: str) -> fix.Message:
    """Build the drop copy of a participant's ExecutionReport from its `report_fields`."""
    return compose(REPORT, [(ON_BEHALF_OF, participant), (COPY_MSG_INDICATOR, "Y"), *fields])


def report_fields(report: ExecutionReport, status_response: bool = False,
                  ) -> list[tuple[int, str]]:
    """Return the fields of an ExecutionReport (35=8) as (tag, text) pairs."""
    body = [(ORDER_ID, report.venue_order_id), (CL_ORD_ID, report.cl_ord_id)]
    if report.orig_cl_ord_id is not None:
        body.append((ORIG_CL_ORD_ID, report.orig_cl_ord_id))
    body.append((EXEC_ID, report.exec_id))
    exec_type = _WIRE_EXEC_TYPE.get(report.exec_type, report.exec_type)
    if status_response:
        body += [(EXEC_TYPE, ORDER_STATUS_EXEC_TYPE), (LAST_EXEC_TYPE, exec_type.value)]
    else:
        body.append((EXEC_TYPE, exec_type.value))
    body += [
        (ORD_STATUS, report.ord_status.value), (SYMBOL, report.symbol),
        (SIDE, _SIDES[report.side]), (LAST_QTY, decimal_text(report.last_qty)),
        (LAST_PX, decimal_text(report.last_px)), (CUM_QTY, decimal_text(report.cum_qty)),
        (LEAVES_QTY, decimal_text(report.leaves_qty)), (AVG_PX, decimal_text(report.avg_px)),
        (TRANSACT_TIME, timestamp_text(report.ts)),
    ]
    if report.text:
        body.append((TEXT, free_text(report.text)))
    if report.liquidity in _LIQUIDITY:
        body.append((LAST_LIQUIDITY, _LIQUIDITY[report.liquidity]))
    elif report.liquidity:
        body.append((LIQUIDITY_FLAG, free_text(report.liquidity)))
    if report.rebate:
        body.append((REBATE, decimal_text(report.rebate)))
    return body


def encode_cancel_reject(
    reject: CancelReject,
    response_to: str,
    venue_order_id: str = "NONE",
    ord_status: VenueOrdStatus = VenueOrdStatus.REJECTED,
) -> fix.Message:
    """Build an OrderCancelReject (35=9); `response_to` is F or G, the refused request."""
    return compose(CANCEL_REJECT, [
        (ORDER_ID, venue_order_id), (CL_ORD_ID, reject.cl_ord_id),
        (ORIG_CL_ORD_ID, reject.orig_cl_ord_id), (ORD_STATUS, ord_status.value),
        (CXL_REJ_RESPONSE_TO, "2" if response_to == REPLACE else "1"),
        (CXL_REJ_REASON, _CXL_REJ_REASONS.get(reject.reason, "99")),
        (TEXT, free_text(reject.reason)), (TRANSACT_TIME, timestamp_text(reject.ts))])


def encode_business_reject(
    ref_msg_type: str, ref_seq_num: int, ref_id: str, reason: str, text: str
) -> fix.Message:
    """Build a BusinessMessageReject (35=j); reason 3 = unsupported message type, 0 = other."""
    body = [(REF_SEQ_NUM, str(ref_seq_num))]
    if ref_id:
        body.append((BUSINESS_REJECT_REF_ID, ref_id))
    body += [(REF_MSG_TYPE, ref_msg_type), (BUSINESS_REJECT_REASON, reason),
             (TEXT, free_text(text))]
    return compose(BUSINESS_REJECT, body)


# -- decoding -------------------------------------------------------------------------------


def decode_new_order(message: fix.Message | Fields) -> NewOrderRequest:
    """Read a NewOrderSingle (35=D)."""
    message = _fields(message)
    order_type = enum_of(message, ORD_TYPE, _ORD_TYPES)
    price = optional_decimal(message, PRICE)
    if order_type is OrderType.LIMIT and price is None:
        raise CodecError(PRICE, "a limit order needs a price")
    return NewOrderRequest(
        cl_ord_id=required(message, CL_ORD_ID),
        symbol=Symbol(required(message, SYMBOL)),
        side=enum_of(message, SIDE, _SIDES),
        order_type=order_type,
        quantity=required_decimal(message, ORDER_QTY),
        time_in_force=_tif(message),
        limit_price=price if order_type is OrderType.LIMIT else None,
        extended_hours=optional(message, EXTENDED_HOURS) == "Y",
        ts=transact_time(message),
    )


def decode_cancel(message: fix.Message | Fields) -> CancelRequest:
    """Read an OrderCancelRequest (35=F)."""
    message = _fields(message)
    return CancelRequest(
        cl_ord_id=required(message, CL_ORD_ID),
        orig_cl_ord_id=required(message, ORIG_CL_ORD_ID),
        symbol=Symbol(required(message, SYMBOL)),
        side=enum_of(message, SIDE, _SIDES),
        ts=transact_time(message),
    )


def decode_replace(message: fix.Message | Fields) -> ReplaceRequest:
    """Read an OrderCancelReplaceRequest (35=G)."""
    message = _fields(message)
    order_type = enum_of(message, ORD_TYPE, _ORD_TYPES)
    price = optional_decimal(message, PRICE)
    if order_type is OrderType.LIMIT and price is None:
        raise CodecError(PRICE, "a limit order needs a price")
    return ReplaceRequest(
        cl_ord_id=required(message, CL_ORD_ID),
        orig_cl_ord_id=required(message, ORIG_CL_ORD_ID),
        symbol=Symbol(required(message, SYMBOL)),
        side=enum_of(message, SIDE, _SIDES),
        quantity=required_decimal(message, ORDER_QTY),
        limit_price=price if order_type is OrderType.LIMIT else None,
        time_in_force=_tif(message),
        ts=transact_time(message),
    )


def decode_status_request(message: fix.Message | Fields) -> tuple[str, Symbol, Side]:
    """Read an OrderStatusRequest (35=H): the ClOrdID, symbol and side it asks about."""
    message = _fields(message)
    symbol = Symbol(required(message, SYMBOL))
    return required(message, CL_ORD_ID), symbol, enum_of(message, SIDE, _SIDES)


def decode_report(message: fix.Message | Fields, venue: VenueId) -> ExecutionReport:
    """Read an ExecutionReport (35=8); a status response (150=I) yields the order's last one."""
    message = _fields(message)
    exec_type = required(message, EXEC_TYPE)
    if exec_type == ORDER_STATUS_EXEC_TYPE:
        last = optional(message, LAST_EXEC_TYPE)
        exec_type = last or _exec_type_of(required(message, ORD_STATUS))
    values: dict[str, Any] = {
        "venue": venue,
        "exec_id": ExecId(required(message, EXEC_ID)),
        "exec_type": value_of(ExecType, exec_type, EXEC_TYPE),
        "ord_status": value_of(VenueOrdStatus, required(message, ORD_STATUS), ORD_STATUS),
        "cl_ord_id": optional(message, CL_ORD_ID) or "",
        "orig_cl_ord_id": optional(message, ORIG_CL_ORD_ID),
        "venue_order_id": VenueOrderId(required(message, ORDER_ID)),
        "symbol": Symbol(required(message, SYMBOL)),
        "side": enum_of(message, SIDE, _SIDES),
        "last_qty": optional_decimal(message, LAST_QTY) or Decimal(0),
        "last_px": optional_decimal(message, LAST_PX) or Decimal(0),
        "cum_qty": required_decimal(message, CUM_QTY),
        "leaves_qty": required_decimal(message, LEAVES_QTY),
        "avg_px": required_decimal(message, AVG_PX),
        "ts": transact_time(message),
        "text": optional(message, TEXT) or "",
        "liquidity": _liquidity(message),
        "rebate": optional_decimal(message, REBATE) or Decimal(0),
    }
    return ExecutionReport(**values)


def decode_cancel_reject(message: fix.Message | Fields, venue: VenueId) -> CancelReject:
    """Read an OrderCancelReject (35=9)."""
    message = _fields(message)
    return CancelReject(
        venue=venue,
        cl_ord_id=required(message, CL_ORD_ID),
        orig_cl_ord_id=required(message, ORIG_CL_ORD_ID),
        reason=optional(message, TEXT) or f"CxlRejReason={optional(message, CXL_REJ_REASON)}",
        ts=transact_time(message),
    )


def _fields(message: fix.Message | Fields) -> Fields:
    """Read a quickfix message once; a message already read is used as it is."""
    return message if isinstance(message, Fields) else read(message)


def _exec_type_of(ord_status: str) -> str:
    """Guess the last ExecType of a status response from a peer that does not send 20004."""
    return {"1": "F", "2": "F"}.get(ord_status, ord_status)


def _liquidity(message: Fields) -> str:
    indicator = optional(message, LAST_LIQUIDITY)
    by_code = {code: name for name, code in _LIQUIDITY.items()}
    if indicator in by_code:
        return by_code[indicator]
    return optional(message, LIQUIDITY_FLAG) or ""


def _tif(message: Fields) -> TimeInForce:
    if not message.isSetField(TIF):
        return TimeInForce.DAY  # FIX 4.4: an absent TimeInForce means Day
    result: TimeInForce = enum_of(message, TIF, _TIFS)
    return result


