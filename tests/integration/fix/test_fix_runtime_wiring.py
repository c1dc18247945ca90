"""The wiring bootstrap uses: venues served over FIX, the OMS's clients and drop copies."""

import pytest
from fix_harness import ACME, T0, Recorder, an_instrument, an_order, free_port, wait_for

from brokerage.adapters.clock import ManualClock
from brokerage.domain.ids import VenueId
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import Side
from brokerage.venues.exchange import SimulatedExchange
from brokerage.venues.fix.runtime import FixLayout, FixVenueSpec, deploy

pytestmark = pytest.mark.fix


def test_a_deployment_serves_a_venue_to_the_oms_and_copies_its_executions(tmp_path):
    exchange = SimulatedExchange(VenueId("XSIM"), {ACME: an_instrument()})
    spec = FixVenueSpec("XSIM", free_port())
    copies: list = []
    deployment = deploy(FixLayout(tmp_path, heartbeat_s=1), {spec: exchange}, ManualClock(T0),
                        drop_copy_sink=copies.extend)
    street = deployment.locked(exchange)  # an in-process participant, through the lock
    street.connect("street", lambda report: None)
    street.set_phase(MarketPhase.REGULAR, T0)
    seen = Recorder()
    try:
        deployment.start_sessions("oms", seen.reports.append, seen.rejects.append)
        wait_for(lambda: all(c.is_logged_on for c in deployment.clients.values())
                 and all(d.is_logged_on for d in deployment.drop_copies))
        deployment.clients["XSIM"].submit("oms", an_order("w1", qty="10"))
        street.submit("street", an_order("s1", Side.SELL, qty="10"))
        wait_for(lambda: len(seen.reports) == 2 and len(copies) == 2)
    finally:
        deployment.stop()

    assert [c.report for c in copies] == seen.reports
    assert {c.participant for c in copies} == {"BROKERAGE"}
    assert seen.reports[-1].cum_qty == 10
    assert (tmp_path / "fix" / "XSIM" / "acceptor" / "session.cfg").exists()
