"""Book a fill that arrives for an order that is already closed (issue 3: it really happened).

A venue may report an execution after it confirmed our cancel, after the order expired, or
for a version it already replaced: the trade happened before the venue processed our request
or crossed it on the wire. Dropping it would leave the customer's books short of a real trade
(and `brokerage reconcile` would list RECON_MISSING_IN_BOOKS), so it is booked like any fill:

- the order is found in memory (recently closed) or read from the database; it stays on the
  partition that owns its account, so there is still one writer per account, and the fill's
  rows join the current batch, so the booking is atomic like every other;
- the order applies the fill through its state table: it becomes FILLED when the whole
  quantity is now done, else keeps its terminal status with the filled quantity updated;
- cash and shares post although the hold is gone: the customer's unheld cash (buy) or shares
  (sell) pay first and the firm advances the rest from the customer's receivable (customer
  ledger accounts never go negative; that receivable is the customer's debit balance);
- the ExecID deduplicates as always (the order's history knows its fills);
- an audit event `order.late_fill` records what happened, and a warning is logged; another
  one, `order.late_fill_advance`, records any amount the firm advanced.
"""

import logging
from decimal import Decimal

from brokerage.domain.execution import ExecutionReport, VenueOrdStatus
from brokerage.domain.ids import EventId, OrderId
from brokerage.domain.ledger import customer_cash
from brokerage.domain.money import USD
from brokerage.domain.orders import events as ev
from brokerage.domain.orders.order import Order
from brokerage.domain.orders.types import Side
from brokerage.service_layer.handlers.executions import book_fill
from brokerage.service_layer.oms import Context
from brokerage.service_layer.records import apply_event, audit
from brokerage.service_layer.state import PartitionState

log = logging.getLogger(__name__)


def book_late_fill(ctx: Context, report: ExecutionReport) -> None:
    """Book a fill for a closed order of this partition; ignore one for another partition."""
    state: PartitionState = ctx.state
    order = _closed_order(state, report)
    if order is None:
        log.warning("fill %s for order %s not booked here: unknown, or another partition's "
                    "(reconciliation lists a fill nobody booked)", report.exec_id,
                    report.cl_ord_id)
        return
    before = order.status
    fill = ev.Filled(EventId(state.deps.ids()), order.id, report.ts, report.exec_id,
                     report.last_qty, report.last_px, report.venue, report.liquidity,
                     venue_done=(report.leaves_qty == 0
                                 and report.ord_status == VenueOrdStatus.FILLED))
    if not apply_event(ctx, order, fill):
        return  # a duplicate execution id: booked once already
    ctx.effects.append(state.keep_closed(order))
    advanced = book_fill(ctx, order, report)
    _record(ctx, order, report, before.value, advanced)


def _closed_order(state: PartitionState, report: ExecutionReport) -> Order | None:
    """Find the closed order a fill names: by ClOrdID, OrigClOrdID or a cancel's ClOrdID."""
    for order_id in _candidate_ids(report):
        order = state.closed_order(OrderId(order_id))
        if order is not None:
            return order
    return None


def _candidate_ids(report: ExecutionReport) -> list[str]:
    # After a cancel the venue knows the order by the cancel's ClOrdID, "<order id>:x<n>".
    ids = [report.cl_ord_id, report.orig_cl_ord_id or "", report.cl_ord_id.partition(":")[0]]
    return list(dict.fromkeys(i for i in ids if i))


def _record(ctx: Context, order: Order, report: ExecutionReport, before: str,
            advanced: Decimal) -> None:
    state: PartitionState = ctx.state
    cash = state.ledger.balance(customer_cash(order.account_id), USD)
    detail = {"exec_id": report.exec_id, "venue": report.venue, "quantity": str(report.last_qty),
              "price": str(report.last_px), "from": before, "to": order.status.value,
              "filled_quantity": str(order.filled_quantity), "cash_available": str(cash.available)}
    audit(ctx, "order.late_fill", order.id, order.account_id, detail)
    log.warning("late fill %s booked on %s order %s (now %s, %s filled)", report.exec_id, before,
                order.id, order.status.value, order.filled_quantity)
    if advanced > 0:
        asset = USD if order.side == Side.BUY else order.symbol
        audit(ctx, "order.late_fill_advance", order.id, order.account_id,
              {**detail, "asset": asset, "advanced": str(advanced)})
        log.warning("late fill %s: account %s was short %s %s; the firm advanced it (the "
                    "customer's receivable)", report.exec_id, order.account_id, advanced, asset)
