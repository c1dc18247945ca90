"""The `brokerage` command: serve the platform, migrate, operate, verify the audit chain."""

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from brokerage.config import Settings


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    return Settings.from_env(dict(os.environ), database_url=getattr(args, "db_url", None),
                             **extra)


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the whole platform (API, OMS, exchange, liquidity) in this process."""
    import uvicorn

    from brokerage.bootstrap import build_platform
    from brokerage.entrypoints.api.app import create_app

    settings = _settings(args, host=args.host, port=args.port, clock=args.clock,
                         speed=args.speed, start=args.start)
    platform = build_platform(settings)
    clock = platform.deps.clock
    print(f"brokerage: {clock.name} clock at {clock.speed}x, now {clock.now().isoformat()}; "
          f"database {settings.database_url}; http://{settings.host}:{settings.port}",
          flush=True)
    uvicorn.run(create_app(platform), host=settings.host, port=settings.port,
                log_level=args.log_level, access_log=False)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from brokerage.adapters.db.migrate import upgrade
    from brokerage.adapters.db.store import make_engine

    upgrade(make_engine(_settings(args).database_url))
    print("database is at the latest schema")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recompute the hash chain and name the first broken link."""
    from brokerage.adapters.db.audit import verify_chain
    from brokerage.adapters.db.store import make_engine

    result = verify_chain(make_engine(_settings(args).database_url))
    if result.ok:
        print(f"audit chain ok: {result.count} events verified")
        return 0
    print(f"audit chain BROKEN at seq {result.first_broken_seq}: {result.reason} "
          f"({result.count} events verified before it)", file=sys.stderr)
    return 1


def _with_platform(args: argparse.Namespace, action: Callable[[Any], Any]) -> int:
    """Run one operator action through the single writer (the server should be stopped)."""
    from brokerage.bootstrap import build_platform

    platform = build_platform(_settings(args, liquidity=False, clock="real"))

    async def run() -> Any:
        for partition in platform.partitions:
            partition.start()
        try:
            return await action(platform)
        finally:
            for partition in platform.partitions:
                await partition.stop()

    result = asyncio.run(run())
    print(json.dumps(result, default=str, indent=2))
    return 0


def _account_of(platform: Any, email: str) -> str:
    from brokerage.service_layer.errors import NotFound

    user_id = platform.identity.user_by_email(email)
    if user_id is None:
        raise NotFound("USER_NOT_FOUND", f"no user {email}")
    principal = platform.identity._principal(user_id)
    return str(principal.account_id)


def cmd_admin(args: argparse.Namespace) -> int:
    from brokerage.domain.accounts import AccountStatus
    from brokerage.service_layer import commands as cmd

    async def create_user(p: Any) -> Any:
        made = p.identity.sign_up(args.email, args.password, args.type)
        await p.open_account(made["account_id"], made["user_id"], made["account_number"],
                             made["account_type"])
        return made

    async def credit(p: Any) -> Any:
        account = _account_of(p, args.email)
        record = await p.execute(account, cmd.Deposit(account, _amount(args.amount)))
        return {"deposit": record.id, "amount": str(record.amount)}

    async def settle(p: Any) -> Any:
        return {"settled": await p.settle()}

    async def set_status(p: Any) -> Any:
        account = _account_of(p, args.email)
        await p.execute(account, cmd.SetAccountStatus(account, AccountStatus(args.status)))
        return {"account": account, "status": args.status}

    async def kill(p: Any) -> Any:
        await p.broadcast(cmd.SetKillSwitch(args.scope, args.target or "*", not args.reset,
                                            args.reason))
        return {"scope": args.scope, "target": args.target or "*", "tripped": not args.reset}

    actions = {"create-user": create_user, "deposit": credit, "settle": settle,
               "set-status": set_status, "kill-switch": kill}
    return _with_platform(args, actions[args.admin_command])


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise SystemExit(f"brokerage: not an amount: {text}") from exc
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="brokerage", description=__doc__)
    parser.add_argument("--db-url", help="database URL (default: sqlite:///var/brokerage.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the whole platform")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--clock", choices=["simulated", "real"], default="simulated")
    serve.add_argument("--speed", type=float, default=1.0)
    serve.add_argument("--start", help="ISO start time of the simulated clock")
    serve.add_argument("--log-level", default="warning")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=cmd_migrate)
    audit = sub.add_parser("audit", help="audit log tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="verify the hash chain").set_defaults(
        func=cmd_audit_verify)
    _admin_parser(sub)
    return parser


def _admin_parser(sub: Any) -> None:
    admin = sub.add_parser("admin", help="operator commands (run with the server stopped)")
    admin.set_defaults(func=cmd_admin)
    a = admin.add_subparsers(dest="admin_command", required=True)
    user = a.add_parser("create-user", help="create a user with an account")
    user.add_argument("email")
    user.add_argument("password")
    user.add_argument("--type", choices=["cash", "margin"], default="cash")
    dep = a.add_parser("deposit", help="credit an ACH deposit to a user's account")
    dep.add_argument("email")
    dep.add_argument("amount")
    a.add_parser("settle", help="settle deposits, withdrawals and trades due today")
    status = a.add_parser("set-status", help="set an account's status")
    status.add_argument("email")
    status.add_argument("status", choices=["active", "restricted", "closed"])
    kill = a.add_parser("kill-switch", help="trip (or --reset) a kill switch")
    kill.add_argument("scope", choices=["global", "account", "symbol"])
    kill.add_argument("target", nargs="?")
    kill.add_argument("--reset", action="store_true")
    kill.add_argument("--reason", default="operator")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    from brokerage.service_layer.errors import Refused

    try:
        return int(args.func(args))
    except Refused as exc:
        print(f"brokerage: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
