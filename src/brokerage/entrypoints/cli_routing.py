"""`brokerage report best-ex --date` and `brokerage reconcile --date` (best-execution evidence)."""

import argparse
import json
import os
from datetime import date
from typing import Any

from brokerage.config import Settings


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from exc


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    return Settings.from_env(dict(os.environ), database_url=getattr(args, "db_url", None),
                             **extra)


def cmd_best_ex(args: argparse.Namespace) -> int:
    """Print the day's best-execution report: per order and a summary."""
    from brokerage.adapters.db.migrate import upgrade
    from brokerage.adapters.db.store import SqlStore, make_engine
    from brokerage.read_models.routing import best_execution

    engine = make_engine(_settings(args).database_url)
    upgrade(engine)
    report = best_execution(SqlStore(engine), args.date)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"best execution {report['date']}")
    print(f"{'order':38} {'sym':6} {'side':4} {'venue':6} {'qty':>10} {'bid':>10} {'ask':>10} "
          f"{'price':>12} {'impr/sh':>10} {'rebate':>8}")
    for o in report["orders"]:
        print(f"{o['order_id']:38} {o['symbol']:6} {o['side']:4} {o['venue'] or '-':6} "
              f"{o['quantity']:>10} {o['nbbo_bid'] or '-':>10} {o['nbbo_ask'] or '-':>10} "
              f"{o['execution_price']:>12} {o['improvement_per_share'] or '-':>10} "
              f"{o['rebate_usd']:>8}")
    s = report["summary"]
    print(f"orders filled {s['orders_filled']}; at the NBBO or better "
          f"{s['pct_at_nbbo_or_better'] or '-'}%; total improvement "
          f"${s['total_improvement_usd']}; rebates ${s['rebates_usd']}")
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Compare our fills with every venue's drop copy; exit 1 when there is a break."""
    from brokerage.adapters.db.drop_copies import SqlDropCopyStore
    from brokerage.bootstrap import build_platform
    from brokerage.read_models.routing import fills_around, window
    from brokerage.service_layer.reconciliation import (
        InProcessDropCopies,
        MergedDropCopies,
        StoredDropCopies,
        reconcile_day,
        venues_of,
    )

    platform = build_platform(_settings(args, liquidity=False, clock="real",
                                        venue_transport="inprocess"))
    stored = SqlDropCopyStore(platform.store.engine, platform.deps.clock)
    copies = StoredDropCopies(c.report for c in stored.between(*window(args.date)))
    # Stored FIX drop copies first; in-process venues (the exchange replays its journal) after.
    source = MergedDropCopies(copies, InProcessDropCopies(venues_of(platform.deps.venue),
                                                          platform.deps.participant_id))
    result = reconcile_day(fills_around(platform.store, args.date), source, args.date)
    print(json.dumps(result, indent=2))
    return 1 if result["breaks"] else 0


def add_routing_commands(sub: Any) -> None:
    """Add `report best-ex` and `reconcile` to the CLI."""
    report = sub.add_parser("report", help="reports")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    best = report_sub.add_parser("best-ex", help="daily best-execution report")
    best.add_argument("--date", type=_day, required=True, help="trading day, YYYY-MM-DD")
    best.add_argument("--json", action="store_true", help="print JSON")
    best.set_defaults(func=cmd_best_ex)
    recon = sub.add_parser("reconcile", help="compare our fills with the venues' drop copies")
    recon.add_argument("--date", type=_day, required=True, help="trading day, YYYY-MM-DD")
    recon.set_defaults(func=cmd_reconcile)
