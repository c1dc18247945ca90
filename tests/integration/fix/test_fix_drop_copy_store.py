"""Drop copies collected over FIX land in `venue_drop_copies`, once each, on both backends."""

from datetime import timedelta

import pytest
from fix_harness import T0, an_order, wait_for

from brokerage.adapters.clock import ManualClock
from brokerage.adapters.db.drop_copies import SqlDropCopyStore
from brokerage.adapters.db.migrate import upgrade
from brokerage.adapters.db.store import make_engine
from brokerage.domain.orders.types import Side
from brokerage.venues.fix.dropcopy import FixDropCopyClient

pytestmark = pytest.mark.fix


def test_drop_copies_land_in_the_table_once_per_execution(
        venue, broker, db_url, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    store = SqlDropCopyStore(engine, ManualClock(T0))
    client, seen = broker
    first = FixDropCopyClient(venue.client_config(tmp_path, "DROPCOPY"),
                              sink=lambda batch: store.add_many(
                                  [(c.venue, c.participant, c.report) for c in batch]))
    first.start()
    assert first.wait_logged_on(5)
    client.submit("oms", an_order("b1", qty="100", price="100.00"))
    venue.street_order(an_order("s1", Side.SELL, qty="25", price="100.00"))
    wait_for(lambda: len(first.copies()) == 2)
    first.stop()

    duplicate = first.copies()[0]
    stored_again = store.add(duplicate.venue, duplicate.participant, duplicate.report)
    again_in_a_batch = store.add_many(
        [(duplicate.venue, duplicate.participant, duplicate.report)] * 2)
    rows = store.between(T0, T0 + timedelta(days=1), venue="XSIM")
    engine.dispose()

    assert stored_again is False
    assert again_in_a_batch == 0
    assert [row.report for row in rows] == seen.reports
    assert {row.participant for row in rows} == {"BROKER"}
    assert rows[1].report.last_qty == 25 and rows[1].report.last_px == 100
