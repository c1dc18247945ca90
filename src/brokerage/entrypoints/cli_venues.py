"""`brokerage venue exchange|mm`: run one venue as its own process behind a FIX 4.4 acceptor."""

import argparse
import os
from pathlib import Path
from typing import Any

from brokerage.config import Settings
from brokerage.venues.fix.runtime import (
    DROP_COPY_COMP_ID,
    EXCHANGE_PORT,
    OMS_COMP_ID,
    FixLayout,
    FixVenueSpec,
    market_maker_comp_ids,
)

DEFAULT_MARKET_MAKERS = ("MM1", "MM2")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        dict(os.environ), clock=args.clock, speed=args.speed, start=args.start,
        liquidity=not getattr(args, "no_liquidity", False), var_dir=Path(args.var_dir),
    )  # fmt: skip


def _layout(args: argparse.Namespace, market_makers: tuple[str, ...] = ()) -> FixLayout:
    return FixLayout(Path(args.var_dir), args.oms_comp_id, args.drop_copy_comp_id,
                     (*market_maker_comp_ids(market_makers), *args.client))


def cmd_venue_exchange(args: argparse.Namespace) -> int:
    """Run the simulated exchange and its liquidity agents behind a FIX acceptor."""
    from brokerage.entrypoints.venue_process import ExchangeProcess, run_exchange

    spec = FixVenueSpec(args.venue_id, args.port, args.sender_comp_id, args.host)
    makers = tuple(args.market_maker or DEFAULT_MARKET_MAKERS)
    return run_exchange(ExchangeProcess(_settings(args), spec, _layout(args, makers)))


def cmd_venue_mm(args: argparse.Namespace) -> int:
    """Run a market maker behind a FIX acceptor, quoting the exchange's NBBO."""
    from brokerage.entrypoints.venue_process import MarketMakerProcess, run_market_maker

    port = args.port or EXCHANGE_PORT + 1 + _known_index(args.name)
    spec = FixVenueSpec(args.name, port, args.sender_comp_id, args.host)
    exchange = FixVenueSpec(args.exchange_id, args.exchange_port, args.exchange_comp_id,
                            args.exchange_host)
    process = MarketMakerProcess(_settings(args), spec, _layout(args), exchange,
                                 _maker_config(args))
    return run_market_maker(process)


def _known_index(name: str) -> int:
    if name not in DEFAULT_MARKET_MAKERS:
        raise SystemExit(f"brokerage: --port is required for market maker {name}")
    return DEFAULT_MARKET_MAKERS.index(name)


def _maker_config(args: argparse.Namespace) -> Any:
    """Start from the named market maker's profile (bootstrap_routing), then apply flags."""
    from dataclasses import replace
    from datetime import timedelta
    from decimal import Decimal

    from brokerage.bootstrap_routing import MARKET_MAKERS
    from brokerage.venues.mm_models import MarketMakerConfig

    config = MARKET_MAKERS.get(args.name, MarketMakerConfig())
    changes: dict[str, Any] = {}
    if args.rebate_per_share is not None:
        changes["rebate_per_share_usd"] = Decimal(args.rebate_per_share)
    if args.max_order_qty is not None:
        changes["max_order_quantity"] = Decimal(args.max_order_qty)
    if args.reject_rate is not None:
        changes["reject_rate"] = args.reject_rate
    if args.latency_ms is not None:
        changes["latency"] = timedelta(milliseconds=args.latency_ms)
    if args.non_marketable is not None:
        changes["non_marketable"] = args.non_marketable
    return replace(config, **changes)


def add_venue_commands(sub: Any) -> None:
    """Add `venue exchange` and `venue mm` to the CLI."""
    venue = sub.add_parser("venue", help="run a venue as its own process behind FIX 4.4")
    kinds = venue.add_subparsers(dest="venue_command", required=True)
    exchange = kinds.add_parser("exchange", help="the simulated exchange (matching engine, "
                                                 "liquidity agents) as a FIX acceptor")
    _session_arguments(exchange, "XSIM", EXCHANGE_PORT)
    exchange.add_argument("--no-liquidity", action="store_true",
                          help="do not run the liquidity agents")
    exchange.add_argument("--market-maker", action="append", default=[], metavar="NAME",
                          help="accept market maker NAME (orders) and NAME-MD (market data); "
                               "repeatable; default MM1 and MM2")
    exchange.set_defaults(func=cmd_venue_exchange)
    _mm_parser(kinds)


def _mm_parser(kinds: Any) -> None:
    mm = kinds.add_parser("mm", help="a market maker (price improvement, PFOF rebates) as a "
                                     "FIX acceptor, quoting the exchange's NBBO")
    mm.add_argument("--name", required=True, help="venue id, e.g. MM1")
    _session_arguments(mm, "", 0)
    mm.add_argument("--exchange-id", default="XSIM")
    mm.add_argument("--exchange-host", default="127.0.0.1")
    mm.add_argument("--exchange-port", type=int, default=EXCHANGE_PORT)
    mm.add_argument("--exchange-comp-id", default="", help="default: the exchange id")
    mm.add_argument("--rebate-per-share", help="USD paid per filled share")
    mm.add_argument("--max-order-qty", help="largest order it fills, in shares")
    mm.add_argument("--reject-rate", type=float, help="share of orders refused, 0..1")
    mm.add_argument("--latency-ms", type=float, help="delay before each answer")
    mm.add_argument("--non-marketable", choices=["decline", "forward"])
    mm.set_defaults(func=cmd_venue_mm)


def _session_arguments(parser: argparse.ArgumentParser, venue_id: str, port: int) -> None:
    if venue_id:
        parser.add_argument("--venue-id", default=venue_id)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=port,
                        help="port to listen on" + ("" if port else " (MM1 9879, MM2 9880)"))
    parser.add_argument("--sender-comp-id", default="",
                        help="the venue's SenderCompID (default: the venue id)")
    parser.add_argument("--oms-comp-id", default=OMS_COMP_ID,
                        help="CompID of the brokerage's order session")
    parser.add_argument("--drop-copy-comp-id", default=DROP_COPY_COMP_ID,
                        help="CompID of the drop-copy session")
    parser.add_argument("--client", action="append", default=[], metavar="COMP_ID",
                        help="another counterparty CompID to accept (repeatable)")
    parser.add_argument("--var-dir", default="var", help="FIX stores and logs go under "
                                                         "<var-dir>/fix/<venue>/")
    parser.add_argument("--clock", choices=["simulated", "real", "manual"],
                        default="simulated")
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--start", help="ISO start time of the simulated clock")
