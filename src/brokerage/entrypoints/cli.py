"""The `brokerage` command: serve the platform, migrate, operate, verify the audit chain."""

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from brokerage.config import Settings


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    return Settings.from_env(dict(os.environ), database_url=getattr(args, "db_url", None),
                             **extra)


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the whole platform (API, OMS, exchange, liquidity) in this process."""
    import secrets

    import uvicorn

    from brokerage.adapters.runfiles import RunLock, remove_card, run_files, write_card
    from brokerage.bootstrap import build_platform
    from brokerage.bootstrap_venues import FixPortInUse
    from brokerage.entrypoints.api.app import create_app

    settings = _serve_settings(args)
    files = run_files(settings)
    lock = RunLock(files.lock)
    if not lock.acquire():
        print(f"brokerage: another server or admin command holds {files.lock}; one writer "
              "per database", file=sys.stderr)
        return 1
    try:
        try:
            platform = build_platform(settings)
        except FixPortInUse as exc:
            print(f"brokerage: {exc}; pass --fix-port PORT (0: any free ports) or --venues "
                  "inprocess", file=sys.stderr)
            return 1
        token = secrets.token_urlsafe(32)
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
        write_card(files.card, f"http://{host}:{settings.port}", token)
        clock = platform.deps.clock
        print(f"brokerage: {clock.name} clock at {clock.speed}x, now {clock.now().isoformat()}; "
              f"database {settings.database_url}; http://{settings.host}:{settings.port}; "
              f"venues {_venues_text(platform)}", flush=True)
        uvicorn.run(create_app(platform, admin_token=token, serving_gc=True), host=settings.host,
                    port=settings.port, log_level=args.log_level, access_log=False,
                    ws_per_message_deflate=False)  # shared stream frames: no per-client zlib
    finally:
        remove_card(files.card)
        lock.release()
    return 0


def _serve_settings(args: argparse.Namespace) -> Settings:
    """Serve puts the venues behind FIX unless --venues or the environment says otherwise."""
    venues = args.venues or os.environ.get("BROKERAGE_VENUE_TRANSPORT") or "fix"
    clients = tuple(args.fix_client) if args.fix_client else None
    return _settings(args, host=args.host, port=args.port, clock=args.clock, speed=args.speed,
                     start=args.start, venue_transport=venues, fix_base_port=args.fix_port,
                     fix_clients=clients)


def _venues_text(platform: Any) -> str:
    served = platform.sessions
    if served is None:
        return "in process"
    return "over FIX on " + ", ".join(f"{v}@127.0.0.1:{p}" for v, p in served.ports().items())


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


def cmd_admin(args: argparse.Namespace) -> int:
    """Run an operator action: through the running server if there is one, else offline."""
    from brokerage.adapters.runfiles import RunLock, read_card, run_files

    path, action, body = _admin_request(args)
    settings = _settings(args)
    files = run_files(settings)
    lock = RunLock(files.lock)
    if lock.acquire():
        try:
            result = _admin_offline(settings, action, body)
        finally:
            lock.release()
    else:
        result = _admin_online(read_card(files.card), path, body)
    print(json.dumps(result, default=str, indent=2))
    return 0


def _admin_request(args: argparse.Namespace) -> tuple[str, Callable[..., Any], dict[str, Any]]:
    from brokerage.service_layer import operations as op

    requests: dict[str, tuple[str, Callable[..., Any], Callable[[], dict[str, Any]]]] = {
        "create-user": ("/admin/users", op.create_user, lambda: {
            "email": args.email, "password": args.password, "account_type": args.type}),
        "deposit": ("/admin/deposits", op.credit_deposit, lambda: {
            "email": args.email, "amount": args.amount}),
        "settle": ("/admin/settlements", op.settle, dict),
        "set-status": ("/admin/account-status", op.set_status, lambda: {
            "email": args.email, "status": args.status}),
        "kill-switch": ("/admin/kill-switches", op.set_kill_switch, lambda: {
            "scope": args.scope, "target": args.target, "tripped": not args.reset,
            "reason": args.reason}),
    }
    path, action, body = requests[args.admin_command]
    return path, action, body()


def _admin_offline(settings: Settings, action: Callable[..., Any], body: dict[str, Any]) -> Any:
    """Run the action through the single writer of a platform built for it (no server runs)."""
    from dataclasses import replace

    from brokerage.bootstrap import build_platform

    platform = build_platform(replace(settings, liquidity=False, clock="real",
                                      venue_transport="inprocess"))

    async def run() -> Any:
        for partition in platform.partitions:
            partition.start()
        try:
            return await action(platform, **body)
        finally:
            for partition in platform.partitions:
                await partition.stop()

    return asyncio.run(run())


def _admin_online(card: dict[str, Any] | None, path: str, body: dict[str, Any]) -> Any:
    """Send the action to the running server's admin API with its admin token."""
    import httpx

    from brokerage.service_layer.errors import Refused

    if card is None:
        raise Refused("SERVER_STARTING", "a server holds the database but has no card yet; "
                      "retry in a moment")
    try:
        response = httpx.post(card["url"] + path, json=body, timeout=30,
                              headers={"X-Admin-Token": card["admin_token"]})
    except httpx.HTTPError as exc:
        raise Refused("SERVER_UNREACHABLE", f"cannot reach the server at {card['url']}: {exc}")\
            from exc
    if response.is_success:
        return response.json()
    error = response.json() if response.headers.get("content-type", "").startswith(
        "application/json") else {}
    raise Refused(error.get("code", f"HTTP_{response.status_code}"),
                  error.get("message", response.text[:200]))


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
    serve.add_argument("--venues", choices=["fix", "inprocess"],
                       help="venues behind FIX acceptors on loopback (default) or in process "
                            "(env BROKERAGE_VENUE_TRANSPORT)")
    serve.add_argument("--fix-port", type=int,
                       help="the exchange's FIX port; MM1, MM2 take the next two (default 9878; "
                            "0: any free ports; env BROKERAGE_FIX_BASE_PORT)")
    serve.add_argument("--fix-client", action="append", metavar="COMP_ID",
                       help="a third-party CompID every venue accepts (repeatable; env "
                            "BROKERAGE_FIX_CLIENTS=A,B)")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=cmd_migrate)
    audit = sub.add_parser("audit", help="audit log tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="verify the hash chain").set_defaults(
        func=cmd_audit_verify)
    _admin_parser(sub)
    from brokerage.entrypoints.cli_routing import add_routing_commands

    add_routing_commands(sub)  # report best-ex, reconcile
    from brokerage.entrypoints.cli_venues import add_venue_commands

    add_venue_commands(sub)  # venue exchange, venue mm
    from brokerage.entrypoints.cli_gateway import add_gateway_command

    add_gateway_command(sub)  # gateway: a stream-only process beside serve
    return parser


def _admin_parser(sub: Any) -> None:
    admin = sub.add_parser("admin", help="operator commands (through the server if it runs)")
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
