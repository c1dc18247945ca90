"""A counterparty nobody here wrote logs on to the venue and trades; the drop copy sees it all.

The raw client below is a plain quickfix Application with a hand-written settings file: the
same settings the README's "FIX sessions" section gives a third party.
"""

import threading
from decimal import Decimal
from pathlib import Path

import pytest
import quickfix as fix
import quickfix44 as fix44
from fix_harness import an_order, wait_for

from brokerage.domain.execution import ExecType
from brokerage.domain.orders.types import Side
from brokerage.venues.fix.settings import data_dictionary_path

pytestmark = pytest.mark.fix


class RawTrader(fix.Application):
    """A minimal third-party FIX 4.4 client: logs on, sends orders, keeps what comes back."""

    def __init__(self) -> None:
        super().__init__()
        self.logged_on = threading.Event()
        self.received: list[fix.Message] = []

    def onCreate(self, session_id): pass
    def onLogon(self, session_id): self.logged_on.set()
    def onLogout(self, session_id): self.logged_on.clear()
    def toAdmin(self, message, session_id): pass
    def fromAdmin(self, message, session_id): pass
    def toApp(self, message, session_id): pass

    def fromApp(self, message, session_id):
        self.received.append(fix.Message(message))

    def reports(self) -> list[dict[int, str]]:
        return [{tag: m.getField(tag) for tag in (11, 17, 31, 32, 37, 39, 150, 151, 14, 6)
                 if m.isSetField(tag)} for m in self.received]


def raw_settings(directory: Path, port: int) -> fix.SessionSettings:
    directory.mkdir(parents=True)
    path = directory / "trader.cfg"
    path.write_text(f"""[DEFAULT]
ConnectionType=initiator
HeartBtInt=30
ReconnectInterval=1
FileStorePath={directory / 'store'}
FileLogPath={directory / 'log'}
StartTime=00:00:00
EndTime=00:00:00
UseDataDictionary=Y
DataDictionary={data_dictionary_path()}
SocketConnectHost=127.0.0.1
SocketConnectPort={port}

[SESSION]
BeginString=FIX.4.4
SenderCompID=TRADER
TargetCompID=XSIM
""")
    return fix.SessionSettings(str(path))


def a_raw_sell(cl_ord_id: str, qty: str, price: str) -> fix.Message:
    order = fix44.NewOrderSingle()
    order.setField(fix.ClOrdID(cl_ord_id))
    order.setField(fix.Side(fix.Side_SELL))
    order.setField(fix.TransactTime())
    order.setField(fix.OrdType(fix.OrdType_LIMIT))
    order.setField(fix.Symbol("ACME"))
    order.setField(fix.StringField(38, qty))
    order.setField(fix.StringField(44, price))
    order.setField(fix.TimeInForce(fix.TimeInForce_DAY))
    return order


def test_a_third_party_client_logs_on_with_configured_comp_ids_and_trades(
        venue, broker, drop_copy, tmp_path):
    client, seen = broker
    client.submit("oms", an_order("buy-1", qty="100", price="100.00"))
    wait_for(lambda: seen.reports)
    trader = RawTrader()
    settings = raw_settings(tmp_path / "trader", venue.port)
    initiator = fix.SocketInitiator(trader, fix.FileStoreFactory(settings), settings,
                                    fix.FileLogFactory(settings))
    initiator.start()
    try:
        assert trader.logged_on.wait(5)
        fix.Session.sendToTarget(a_raw_sell("sell-1", "30", "100.00"),
                                 fix.SessionID("FIX.4.4", "TRADER", "XSIM"))
        wait_for(lambda: len(trader.received) == 2)
        wait_for(lambda: len(seen.reports) == 2)
    finally:
        initiator.stop()

    new, fill = trader.reports()
    assert (new[150], new[39], new[11]) == ("0", "0", "sell-1")
    assert (fill[150], fill[39], fill[32], fill[31], fill[14], fill[151]) == (
        "F", "2", "30", "100", "30", "0")
    assert Decimal(fill[6]) == Decimal(100)
    ours = seen.reports[-1]
    assert (ours.exec_type, ours.last_qty, ours.leaves_qty) == (ExecType.TRADE, 30, 70)


def test_the_drop_copy_receives_every_execution_of_every_participant(
        venue, broker, drop_copy):
    client, seen = broker
    client.submit("oms", an_order("buy-1", qty="100", price="100.00"))
    venue.street_order(an_order("s1", side=Side.SELL, qty="40", price="100.00"))

    wait_for(lambda: len(seen.reports) == 2)
    copies = wait_for(lambda: len(drop_copy.copies()) == 2 and drop_copy.copies())

    assert [c.report for c in copies] == seen.reports
    assert {c.participant for c in copies} == {"BROKER"}
    assert all(c.venue == "XSIM" for c in copies)
