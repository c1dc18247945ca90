"""Book what venues report: acks, fills (ledger + position + settlement), cancels, expiries."""

import logging
from collections.abc import Callable
from decimal import Decimal

from brokerage.domain.execution import ExecType, ExecutionReport, VenueOrdStatus
from brokerage.domain.ids import EventId, OrderId, TransferId
from brokerage.domain.ledger import (
    customer_cash,
    customer_securities,
    firm_clearing_cash,
    firm_customer_receivable,
    firm_pfof_revenue,
    firm_street_securities,
    firm_venue_receivable,
)
from brokerage.domain.money import USD, ZERO, cents_up, usd
from brokerage.domain.orders import events as ev
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.types import Side
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.handlers.orders import finish, place_hold
from brokerage.service_layer.oms import Context
from brokerage.service_layer.records import apply_event, record_transfer
from brokerage.service_layer.state import PartitionState, TradeSettlement

log = logging.getLogger(__name__)


def apply_execution_report(c: cmd.ApplyExecutionReport, ctx: Context) -> None:
    """Apply one execution report to the order it names; a fill for a closed order is booked."""
    state: PartitionState = ctx.state
    report = c.report
    order = state.orders.get(OrderId(report.cl_ord_id))
    if order is None and report.orig_cl_ord_id:  # FIX: a cancel's ack carries the cancel's id
        order = state.orders.get(OrderId(report.orig_cl_ord_id))
    if order is None:
        if report.exec_type in FILL_TYPES and report.last_qty > ZERO:
            book_late_fill(ctx, report)
        else:
            log.info("execution report %s (%s) for closed or unknown order %s ignored",
                     report.exec_id, report.exec_type.value, report.cl_ord_id)
        return
    handler = _BY_EXEC_TYPE.get(report.exec_type)
    if handler is not None:
        handler(ctx, order, report)


def _eid(state: PartitionState) -> EventId:
    return EventId(state.deps.ids())


def _on_new(ctx: Context, order: Order, report: ExecutionReport) -> None:
    state: PartitionState = ctx.state
    if order.venue_order_id is None:
        apply_event(ctx, order, ev.VenueAccepted(_eid(state), order.id, report.ts,
                                                 report.venue_order_id))


def _on_trade(ctx: Context, order: Order, report: ExecutionReport) -> None:
    state: PartitionState = ctx.state
    if order.venue_order_id is None:
        _on_new(ctx, order, report)
    fill = ev.Filled(_eid(state), order.id, report.ts, report.exec_id, report.last_qty,
                     report.last_px, report.venue, report.liquidity,
                     venue_done=(report.leaves_qty == 0
                                 and report.ord_status == VenueOrdStatus.FILLED))
    if not apply_event(ctx, order, fill):
        return  # a duplicate execution id: booked once already
    book_fill(ctx, order, report)
    if order.is_terminal:
        finish(ctx, order, "order filled: hold remainder released")


def book_fill(ctx: Context, order: Order, report: ExecutionReport) -> Decimal:
    """Post the fill's cash and shares, update the position, and schedule T+1 settlement.

    Return what the firm had to advance because the customer's unheld cash (buy) or shares
    (sell) did not cover the fill: zero unless the order's hold is gone (a late fill).
    """
    state: PartitionState = ctx.state
    quantity, price, now = report.last_qty, report.last_px, report.ts
    cash = usd(quantity * price)
    ctx.batch.insert("fills", f"{report.venue}:{report.exec_id}", {
        "venue": report.venue, "exec_id": report.exec_id, "order_id": order.id,
        "account_id": order.account_id, "symbol": order.symbol, "side": order.side.value,
        "quantity": quantity, "price": price, "liquidity": report.liquidity, "ts": now})
    if order.side == Side.BUY:
        advanced = _post(ctx, order, USD, cash, customer_cash(order.account_id),
                         firm_clearing_cash())
        _move(ctx, order, order.symbol, quantity, firm_street_securities(order.symbol),
              customer_securities(order.account_id, order.symbol), "shares bought")
        _buy_lot(ctx, order, quantity, price, report)
        _settlement(ctx, order, report, -cash)
    else:
        advanced = _post(ctx, order, order.symbol, quantity,
                         customer_securities(order.account_id, order.symbol),
                         firm_street_securities(order.symbol))
        _move(ctx, order, USD, cash, firm_clearing_cash(), customer_cash(order.account_id),
              "sale proceeds")
        if quantity > advanced:  # the lots give up only the shares the customer delivered
            _sell_lots(ctx, order, quantity - advanced, price, report)
        _settlement(ctx, order, report, cash)
    if report.rebate > ZERO:  # payment for order flow: the venue owes it to the firm
        _move(ctx, order, USD, report.rebate, firm_venue_receivable(report.venue),
              firm_pfof_revenue(), "payment for order flow")
    state.sync(order.account_id, order.symbol)
    return advanced


def _post(ctx: Context, order: Order, asset: str, amount: Decimal, debit: str,
          credit: str) -> Decimal:
    """Post `amount` out of the order's holds; whatever the holds lack moves directly.

    What the customer's unheld balance cannot cover either (a fill after the hold was
    released) is advanced by the firm from the customer's receivable; return that amount.
    """
    state: PartitionState = ctx.state
    left = amount
    for hold in state.ledger.open_holds(ref=order.id):
        part = min(left, state.ledger.pending_remaining(hold.id))
        if part > ZERO:
            transfer = state.ledger.post(TransferId(state.deps.ids()), hold.id, part,
                                         state.deps.clock.now(), memo="fill")
            record_transfer(ctx, transfer, order.account_id)
            left -= part
    available = max(state.ledger.balance(debit, asset).available, ZERO)  # type: ignore[arg-type]
    covered = min(left, available)
    if covered > ZERO:
        _move(ctx, order, asset, covered, debit, credit, "fill beyond hold")
    advanced = left - covered
    if advanced > ZERO:
        _move(ctx, order, asset, advanced, firm_customer_receivable(order.account_id), credit,
              "fill advanced by the firm: customer short")
    return advanced


def _move(ctx: Context, order: Order, asset: str, amount: Decimal, debit: str, credit: str,
          memo: str) -> None:
    state: PartitionState = ctx.state
    transfer = state.ledger.transfer(TransferId(state.deps.ids()), debit, credit,  # type: ignore[arg-type]
                                     asset, amount, state.deps.clock.now(), ref=order.id,
                                     memo=memo)
    record_transfer(ctx, transfer, order.account_id)


def _buy_lot(ctx: Context, order: Order, quantity: Decimal, price: Decimal,
             report: ExecutionReport) -> None:
    state: PartitionState = ctx.state
    lot_id = f"{order.id}:{report.exec_id}"
    lot = state.position(order.account_id, order.symbol).buy(quantity, price, report.ts,
                                                             lot_id, order.id)
    ctx.batch.put("tax_lots", lot.lot_id, _lot_row(order.account_id, lot), new=True)


def _sell_lots(ctx: Context, order: Order, quantity: Decimal, price: Decimal,
               report: ExecutionReport) -> None:
    state: PartitionState = ctx.state
    position = state.position(order.account_id, order.symbol)
    closures = position.sell(quantity, price, report.ts, order.id)
    open_lots = {lot.lot_id: lot for lot in position.lots}
    for n, closure in enumerate(closures):
        ctx.batch.insert("lot_closures", f"{report.exec_id}:{n}", {
            "id": f"{order.id}:{report.exec_id}:{n}", "account_id": order.account_id,
            "symbol": order.symbol, "lot_id": closure.lot_id, "order_id": order.id,
            "quantity": closure.quantity, "cost_basis": closure.cost_basis,
            "proceeds": closure.proceeds, "realized_pnl": closure.realized_pnl,
            "opened_at": closure.opened_at, "closed_at": closure.closed_at,
            "long_term": not closure.short_term})
        lot = open_lots.get(closure.lot_id)
        row = {"lot_id": closure.lot_id, "quantity": lot.quantity if lot else ZERO}
        ctx.batch.put("tax_lots", closure.lot_id, row, new=False)


def _lot_row(account_id: str, lot: object) -> dict[str, object]:
    return {"lot_id": lot.lot_id, "account_id": account_id, "symbol": lot.symbol,  # type: ignore[attr-defined]
            "quantity": lot.quantity, "original_quantity": lot.original_quantity,  # type: ignore[attr-defined]
            "cost_per_share": lot.cost_per_share, "opened_at": lot.opened_at,  # type: ignore[attr-defined]
            "order_id": lot.order_id}  # type: ignore[attr-defined]


def _settlement(ctx: Context, order: Order, report: ExecutionReport, amount: Decimal) -> None:
    state: PartitionState = ctx.state
    trade_date = state.deps.calendar.session_date(report.ts) or report.ts.date()
    settles_on = state.deps.calendar.next_business_day(trade_date)
    settlement_id = f"{report.venue}:{report.exec_id}"
    row = {"id": settlement_id, "account_id": order.account_id, "order_id": order.id,
           "exec_id": report.exec_id, "side": order.side.value, "amount": amount,
           "trade_date": trade_date, "settles_on": settles_on, "status": "pending",
           "settled_at": None}
    ctx.batch.insert("trade_settlements", settlement_id, row)
    state.settlements[settlement_id] = TradeSettlement(settlement_id, order.account_id, amount,
                                                       settles_on, row)


def _on_canceled(ctx: Context, order: Order, report: ExecutionReport) -> None:
    state: PartitionState = ctx.state
    reason = report.text or "canceled"
    old = state.orders.get(order.replaces) if order.replaces and order.venue is None else None
    if old is not None:  # the venue ended the order instead of replacing it (a race with a
        # fill left nothing above the new total): both versions are done
        apply_event(ctx, old, ev.Canceled(_eid(state), old.id, report.ts, reason))
        finish(ctx, old, "order canceled at replace: hold released")
    apply_event(ctx, order, ev.Canceled(_eid(state), order.id, report.ts, reason))
    finish(ctx, order, "order canceled: hold released")


def _on_expired(ctx: Context, order: Order, report: ExecutionReport) -> None:
    state: PartitionState = ctx.state
    reason = report.text or "expired"
    apply_event(ctx, order, ev.Expired(_eid(state), order.id, report.ts, reason))
    finish(ctx, order, "order expired: hold released")


def _on_done_for_day(ctx: Context, order: Order, report: ExecutionReport) -> None:
    state: PartitionState = ctx.state
    apply_event(ctx, order, ev.DoneForDay(_eid(state), order.id, report.ts))


def _on_rejected(ctx: Context, order: Order, report: ExecutionReport) -> None:
    state: PartitionState = ctx.state
    if order.replaces is not None and order.venue is None:
        _replace_rejected(ctx, order, report.text or "replace rejected by the venue")
        return
    apply_event(ctx, order, ev.VenueRejected(_eid(state), order.id, report.ts,
                                             report.text or "rejected by the venue"))
    finish(ctx, order, "order rejected: hold released")


def _on_replaced(ctx: Context, new: Order, report: ExecutionReport) -> None:
    """The venue swapped versions: close the old one, move the hold, and work the new one."""
    state: PartitionState = ctx.state
    old = state.orders.get(OrderId(report.orig_cl_ord_id or ""))
    now = report.ts
    carried = None
    if old is not None:
        carried = old.cum_quantity  # every fill the venue sent before this report is booked
        apply_event(ctx, old, ev.Replaced(_eid(state), old.id, now, new.id))
        finish(ctx, old, "order replaced: hold moves to the new version")
    for hold in state.ledger.open_holds(ref=new.id):  # the top-up made at the request
        transfer = state.ledger.void(TransferId(state.deps.ids()), hold.id, now, memo="replace")
        record_transfer(ctx, transfer, new.account_id)
    asset, amount = _hold_need(new, carried)
    hold_id = place_hold(ctx, new, asset, amount)
    apply_event(ctx, new, ev.RiskAccepted(_eid(state), new.id, now, hold_id))
    apply_event(ctx, new, ev.Routed(_eid(state), new.id, now, report.venue, new.id))
    apply_event(ctx, new, ev.VenueAccepted(_eid(state), new.id, now, report.venue_order_id,
                                           carried))
    if new.id in state.links:  # a replaced bracket/oco limit leg whose stop may have fired
        from brokerage.service_layer.handlers.order_classes import on_replaced

        on_replaced(ctx, new)


def _hold_need(new: Order, carried: Decimal | None) -> tuple[str, Decimal]:
    """Size the new version's hold: what is left of it once `carried` is filled, at its price."""
    assert new.quantity is not None
    leaves = new.quantity
    if carried is not None:  # fills that raced the replace shrink what is left
        leaves -= carried - new.prior_filled_quantity
    if new.side == Side.SELL:
        return new.symbol, leaves
    assert new.limit_price is not None
    return USD, cents_up(leaves * new.limit_price)


def _replace_rejected(ctx: Context, new: Order, reason: str) -> None:
    state: PartitionState = ctx.state
    now = state.deps.clock.now()
    old = state.orders.get(new.replaces) if new.replaces else None
    if old is not None:
        apply_event(ctx, old, ev.ReplaceRejected(_eid(state), old.id, now, reason))
    apply_event(ctx, new, ev.RiskRejected(_eid(state), new.id, now, "VENUE_REJECTED", reason))
    finish(ctx, new, "replace rejected: top-up hold released")


def apply_cancel_reject(c: cmd.ApplyCancelReject, ctx: Context) -> None:
    """A cancel or replace the venue refused: the order goes back to working."""
    state: PartitionState = ctx.state
    reject = c.reject
    order = state.orders.get(OrderId(reject.orig_cl_ord_id))
    if order is None:
        return
    replacement = state.orders.get(OrderId(reject.cl_ord_id))
    if replacement is not None and replacement.replaces == order.id:
        _replace_rejected(ctx, replacement, reject.reason)
        return
    apply_event(ctx, order, ev.CancelRejected(_eid(state), order.id, reject.ts, reject.reason))


FILL_TYPES = frozenset({ExecType.TRADE, ExecType.FILL, ExecType.PARTIAL_FILL})


def book_late_fill(ctx: Context, report: ExecutionReport) -> None:
    from brokerage.service_layer.handlers.late_fills import book_late_fill as book

    book(ctx, report)


_BY_EXEC_TYPE: dict[ExecType, Callable[[Context, Order, ExecutionReport], None]] = {
    ExecType.NEW: _on_new,
    ExecType.TRADE: _on_trade,
    ExecType.FILL: _on_trade,
    ExecType.PARTIAL_FILL: _on_trade,
    ExecType.CANCELED: _on_canceled,
    ExecType.EXPIRED: _on_expired,
    ExecType.DONE_FOR_DAY: _on_done_for_day,
    ExecType.REJECTED: _on_rejected,
    ExecType.REPLACED: _on_replaced,
}
