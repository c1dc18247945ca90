"""The command registry: one handler per command type (a dict, not an isinstance ladder)."""

from typing import Any

from brokerage.service_layer import commands as cmd
from brokerage.service_layer.handlers import admin, executions, funding, orders, stops
from brokerage.service_layer.handlers.routing import RecordRouting, record_routing

HANDLERS: dict[type, Any] = {
    cmd.OpenAccount: admin.open_account,
    cmd.SetAccountStatus: admin.set_account_status,
    cmd.SetKillSwitch: admin.set_kill_switch,
    cmd.ExpireUnroutedDayOrders: admin.expire_unrouted_day_orders,
    cmd.PlaceOrder: orders.place_order,
    cmd.CancelOrder: orders.cancel_order,
    cmd.ReplaceOrder: orders.replace_order,
    cmd.ApplyExecutionReport: executions.apply_execution_report,
    cmd.ApplyCancelReject: executions.apply_cancel_reject,
    cmd.CheckStops: stops.check_stops,
    cmd.Deposit: funding.deposit,
    cmd.Withdraw: funding.withdraw,
    cmd.SettleDue: funding.settle_due,
    RecordRouting: record_routing,
}
