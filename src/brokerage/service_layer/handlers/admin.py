"""Operator commands: open an account in memory, change status, kill switches, expiries."""

from brokerage.domain.accounts import AccountStatus, AccountType
from brokerage.domain.ids import AccountId, EventId, Symbol
from brokerage.domain.orders import events as ev
from brokerage.domain.orders.types import TimeInForce
from brokerage.domain.risk import AccountRiskState, TokenBucket
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import NotFound
from brokerage.service_layer.handlers.orders import finish
from brokerage.service_layer.oms import Context
from brokerage.service_layer.records import apply_event, audit
from brokerage.service_layer.state import PartitionState


def open_account(c: cmd.OpenAccount, ctx: Context) -> None:
    """Load an account (its row is already written) into the single writer's memory."""
    state: PartitionState = ctx.state
    if c.account_id in state.accounts:
        return
    state.accounts[c.account_id] = AccountRiskState(
        account_id=c.account_id, status=AccountStatus.ACTIVE,
        account_type=AccountType(c.account_type), buying_power=state.ledger.balance(
            f"cust:{c.account_id}:cash", "USD").available,  # type: ignore[arg-type]
        rate_limiter=TokenBucket.for_limits(state.deps.limits))
    audit(ctx, "account.opened", c.account_id, c.account_id,
          {"user_id": c.user_id, "account_number": c.account_number, "type": c.account_type})


def set_account_status(c: cmd.SetAccountStatus, ctx: Context) -> None:
    state: PartitionState = ctx.state
    account = state.accounts.get(c.account_id)
    if account is None:
        raise NotFound("ACCOUNT_NOT_FOUND", "no such account")
    before = account.status
    account.status = c.status
    ctx.batch.put("accounts", c.account_id, {"id": c.account_id, "status": c.status.value,
                                             "updated_at": state.deps.clock.now()}, new=False)
    audit(ctx, "account.status", c.account_id, c.account_id,
          {"from": before.value, "to": c.status.value})


def set_kill_switch(c: cmd.SetKillSwitch, ctx: Context) -> None:
    state: PartitionState = ctx.state
    switches = state.kill_switches
    actions = {
        ("global", True): lambda: switches.trip_global(),
        ("global", False): lambda: switches.reset_global(),
        ("account", True): lambda: switches.trip_account(AccountId(c.target)),
        ("account", False): lambda: switches.reset_account(AccountId(c.target)),
        ("symbol", True): lambda: switches.trip_symbol(Symbol(c.target)),
        ("symbol", False): lambda: switches.reset_symbol(Symbol(c.target)),
    }
    action = actions.get((c.scope, c.tripped))
    if action is None:
        raise NotFound("INVALID_SCOPE", "scope is global, account or symbol")
    action()
    audit(ctx, "risk.kill_switch", f"{c.scope}:{c.target}", None,
          {"tripped": c.tripped, "reason": c.reason})


def expire_unrouted_day_orders(c: cmd.ExpireUnroutedDayOrders, ctx: Context) -> int:
    """Expire the DAY orders no venue holds (untriggered stops) at the close."""
    state: PartitionState = ctx.state
    now = state.deps.clock.now()
    expired = 0
    for order in list(state.orders.values()):
        if order.time_in_force != TimeInForce.DAY or order.venue is not None:
            continue
        if order.extended_hours and not c.extended:
            continue
        apply_event(ctx, order, ev.Expired(EventId(state.deps.ids()), order.id, now,
                                           "DAY order expired at the close"))
        finish(ctx, order, "order expired: hold released")
        expired += 1
    return expired
