"""A market maker served over FIX reads the exchange's NBBO over FIX and improves on it."""

import threading
from decimal import Decimal
from pathlib import Path

import pytest
from fix_harness import (
    ACME,
    Recorder,
    an_order,
    free_port,
    open_venue,
    stop_all,
    wait_for,
)

from brokerage.config import Settings
from brokerage.domain.execution import ExecType
from brokerage.domain.orders.types import Side
from brokerage.entrypoints.venue_process import MarketMakerProcess, run_market_maker
from brokerage.venues.fix.initiator import FixVenueClient
from brokerage.venues.fix.runtime import FixLayout, FixVenueSpec
from brokerage.venues.mm_models import MarketMakerConfig

pytestmark = pytest.mark.fix
START = "2026-11-24T15:00:00+00:00"


def test_a_market_maker_process_fills_a_market_order_inside_the_nbbo_and_pays_a_rebate(
        tmp_path: Path):
    exchange = open_venue(tmp_path, clients=("BROKER", "MM9", "MM9-MD"))
    exchange.street_order(an_order("bid", Side.BUY, qty="500", price="99.90"))
    exchange.street_order(an_order("ask", Side.SELL, qty="500", price="100.10"))
    layout = FixLayout(tmp_path, oms_comp_id="BROKER")
    maker = FixVenueSpec("MM9", free_port())
    config = MarketMakerConfig(rebate_per_share_usd=Decimal("0.002"))
    process = MarketMakerProcess(Settings(start=START), maker, layout,
                                 FixVenueSpec("XSIM", exchange.port), config, (ACME,))
    stop = threading.Event()
    runner = threading.Thread(target=run_market_maker, args=(process, stop))
    runner.start()
    seen = Recorder()
    client = FixVenueClient(layout.client(maker))
    client.connect("oms", seen.reports.append)
    try:
        wait_for(lambda: exchange.server.logged_on() >= {"MM9-MD"}, timeout_s=20)
        client.start()
        assert client.wait_logged_on(10)
        sent: list[str] = []
        wait_for(lambda: _filled_once_quoted(client, seen, sent), timeout_s=10)
    finally:
        stop_all([client])
        stop.set()
        runner.join(timeout=20)
        exchange.server.stop()

    fill = next(r for r in seen.reports if r.exec_type is ExecType.TRADE)
    assert fill.venue == "MM9" and fill.cum_qty == 10
    assert Decimal("99.90") < fill.last_px <= Decimal("100.10")
    assert fill.rebate == Decimal("0.02")


def _filled_once_quoted(client: FixVenueClient, seen: Recorder, sent: list[str]) -> bool:
    """Send a market buy, again after each reject: the maker refuses until it has the NBBO."""
    if any(r.exec_type is ExecType.TRADE for r in seen.reports):
        return True
    if not sent or any(r.exec_type is ExecType.REJECTED for r in seen.for_order(sent[-1])):
        sent.append(f"m{len(sent)}")
        client.submit("oms", an_order(sent[-1], qty="10", price=None))
    return False
