"""`brokerage venue exchange` runs the exchange as its own process, reachable only over FIX."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fix_harness import Recorder, an_order, free_port, stop_all, wait_for

from brokerage.domain.execution import ExecType, VenueOrdStatus
from brokerage.domain.ids import Symbol
from brokerage.venues.fix.initiator import FixVenueClient
from brokerage.venues.fix.runtime import FixLayout, FixVenueSpec

pytestmark = pytest.mark.fix
TUESDAY_10AM_NEW_YORK = "2026-11-24T15:00:00+00:00"


def test_the_exchange_process_trades_a_market_order_with_its_liquidity_over_fix(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "brokerage", "venue", "exchange", "--port", str(port),
         "--var-dir", str(tmp_path), "--start", TUESDAY_10AM_NEW_YORK],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(Path.cwd() / "src")},
    )
    seen = Recorder()
    client = FixVenueClient(FixLayout(tmp_path).client(FixVenueSpec("XSIM", port)))
    client.connect("oms", seen.reports.append)
    try:
        client.start()
        assert client.wait_logged_on(20), "the venue process never accepted a logon"
        client.submit("oms", an_order("m1", qty="10", price=None, symbol=Symbol("AAPL")))
        fill = wait_for(lambda: next((r for r in seen.reports
                                      if r.ord_status is VenueOrdStatus.FILLED), None))
    finally:
        stop_all([client])
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)

    assert seen.reports[0].exec_type is ExecType.NEW
    assert fill.cum_qty == 10 and fill.avg_px > 0 and fill.leaves_qty == 0
    assert process.returncode == 0, output
    assert f"FIX 4.4 acceptor on 127.0.0.1:{port} as XSIM" in output
