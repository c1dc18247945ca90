"""The market data service on a real database (SQLite and PostgreSQL): halts, alerts, candles."""

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from brokerage.adapters.db import tables
from brokerage.domain.execution import TopOfBook, TradePrint
from brokerage.domain.ids import AccountId, Symbol, VenueId
from brokerage.domain.market_data.candles import Interval
from brokerage.domain.orders.types import OrderStatus, OrderType, Side, TimeInForce
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.market_events import Channel, MarketUpdate, Notification
from tests.builders import make_platform, new_customer
from tests.fakes import FakeVenue

AAPL = Symbol("AAPL")
XSIM = VenueId("XSIM")


@pytest.fixture
async def world(db_url: str):
    venue = FakeVenue()
    platform = make_platform(db_url, venue=venue)
    await platform.start()
    account = await new_customer(platform)
    await platform.execute(account, cmd.Deposit(AccountId(account), Decimal("1000")))
    heard: list[object] = []
    platform.deps.bus.subscribe(MarketUpdate, heard.append)
    platform.deps.bus.subscribe(Notification, heard.append)
    yield platform, account, heard
    await platform.stop()


def prints(platform, *prices: str, qty: str = "10") -> None:
    """Feed prints of AAPL, one microsecond apart, at the platform's current time."""
    now = platform.deps.clock.now()
    for i, price in enumerate(prices):
        platform.market_data.on_trade_print(
            TradePrint(XSIM, AAPL, Decimal(price), Decimal(qty), now + timedelta(microseconds=i)))


def limit_buy(account: str, price: str = "430.00") -> cmd.PlaceOrder:
    return cmd.PlaceOrder(account_id=AccountId(account), symbol=AAPL, side=Side.BUY,
                          order_type=OrderType.LIMIT, time_in_force=TimeInForce.DAY,
                          quantity=Decimal("1"), limit_price=Decimal(price))


def status_updates(heard: list[object]) -> list[str]:
    return [u.data["status"] for u in heard
            if isinstance(u, MarketUpdate) and u.channel is Channel.STATUS]


async def test_a_luld_pause_rejects_orders_until_it_ends(world) -> None:
    platform, account, heard = world
    service = platform.market_data
    prints(platform, "430.47")  # the opening print: the LULD reference (bands 408.95-451.99)
    await service.step()
    prints(platform, "460.00")  # outside the upper band
    await service.step()
    assert service.status_of("AAPL")["status"] == "paused"
    refused = await platform.execute(account, limit_buy(account))
    assert (refused.status, refused.reject_code) == (OrderStatus.REJECTED, "RISK_SYMBOL_HALTED")
    platform.deps.clock.advance(timedelta(minutes=5))
    await service.step()
    accepted = await platform.execute(account, limit_buy(account))
    assert accepted.status != OrderStatus.REJECTED
    assert status_updates(heard) == ["paused", "trading"]
    assert service.market_status()["halts"] == []


async def test_an_operator_halt_holds_until_resumed_and_notifies_watchers(world) -> None:
    platform, account, heard = world
    service = platform.market_data
    user_id = _user_of(platform, account)
    await service.create_alert(user_id, "AAPL", "above", Decimal("999"))  # now watching AAPL
    await service.halt("AAPL", "news pending")
    platform.deps.clock.advance(timedelta(minutes=30))
    await service.step()
    refused = await platform.execute(account, limit_buy(account))
    assert refused.reject_code == "RISK_SYMBOL_HALTED"
    await service.resume("AAPL")
    accepted = await platform.execute(account, limit_buy(account))
    assert accepted.status != OrderStatus.REJECTED
    notices = await service.notifications(user_id, 10)
    assert [n["title"] for n in notices] == ["AAPL resumed", "AAPL halted"]
    assert [m.title for m in heard if isinstance(m, Notification)] == [
        "AAPL halted", "AAPL resumed"]


async def test_an_alert_fires_once_and_its_notification_is_stored(world) -> None:
    platform, account, heard = world
    service = platform.market_data
    user_id = _user_of(platform, account)
    alert = await service.create_alert(user_id, "AAPL", "above", Decimal("431.00"))
    prints(platform, "430.50")
    await service.step()
    prints(platform, "430.90", "431.20", "430.95")  # crosses between two steps
    await service.step()
    prints(platform, "432.00")
    await service.step()
    stored = await service.get_alert(user_id, alert["id"])
    assert (stored["status"], stored["triggered_price"]) == ("triggered", "431.20")
    notices = await service.notifications(user_id, 10)
    assert [(n["kind"], n["data"]["price"]) for n in notices] == [("alert", "431.20")]
    assert len([m for m in heard if isinstance(m, Notification)]) == 1


async def test_alert_requests_that_are_wrong_change_nothing(world) -> None:
    platform, account, _ = world
    service = platform.market_data
    user_id = _user_of(platform, account)
    for symbol, direction, price, code in [("ZZZZ", "above", "1", "ASSET_NOT_FOUND"),
                                           ("AAPL", "sideways", "1", "ALERT_INVALID"),
                                           ("AAPL", "above", "-1", "ALERT_INVALID"),
                                           ("AAPL", "above", "1.00001", "ALERT_INVALID")]:
        with pytest.raises(Exception) as refused:
            await service.create_alert(user_id, symbol, direction, Decimal(price))
        assert refused.value.code == code
    assert await service.list_alerts(user_id, None) == []
    alert = await service.create_alert(user_id, "AAPL", "below", Decimal("100"))
    await service.cancel_alert(user_id, alert["id"])
    with pytest.raises(Exception) as again:
        await service.cancel_alert(user_id, alert["id"])
    assert again.value.code == "ALERT_NOT_ACTIVE"


async def test_finalized_candles_are_stored_and_the_daily_history_is_backfilled(world) -> None:
    platform, _, heard = world
    service = platform.market_data
    prints(platform, "430.00", "431.00", "429.50")
    platform.deps.clock.advance(timedelta(minutes=1))
    await service.step()
    with platform.store.read() as conn:
        rows = conn.execute(select(tables.candles).where(
            tables.candles.c.timeframe == "1m")).all()
    assert [(r.symbol, r.open, r.high, r.low, r.close, r.volume, r.trades, r.source)
            for r in rows] == [("AAPL", Decimal("430"), Decimal("431"), Decimal("429.5"),
                                Decimal("429.5"), Decimal("30"), 3, "live")]
    now = platform.deps.clock.now()
    daily = await asyncio.to_thread(service.candles, "AAPL", Interval.D1,
                                    now - timedelta(days=366), now + timedelta(seconds=1), 5000)
    assert len(daily) >= 240 and daily[0]["source"].startswith("backfill AAPL")
    assert daily[-2]["close"] == "430.47"  # the last real close: the instrument's reference
    assert daily[-1]["final"] is False and daily[-1]["open"] == "430.00"
    weekly = await asyncio.to_thread(service.candles, "AAPL", Interval.W1,
                                     now - timedelta(days=366), now + timedelta(seconds=1), 5000)
    assert len(weekly) >= 50
    assert any(isinstance(u, MarketUpdate) and u.channel is Channel.BARS and u.data["final"]
               for u in heard)


async def test_quotes_carry_the_nbbo_and_turn_stale_without_updates(world) -> None:
    platform, _, heard = world
    service = platform.market_data
    now = platform.deps.clock.now()
    for venue, bid, ask in [("XSIM", "430.40", "430.60"), ("MM1", "430.45", "430.70")]:
        service.on_top_of_book(TopOfBook(VenueId(venue), AAPL, Decimal(bid), Decimal(100),
                                         Decimal(ask), Decimal(200), now))
    prints(platform, "430.50")
    await service.step()
    quote = service.quotes(["AAPL"])["AAPL"]
    assert (quote["bid"], quote["ask"], quote["last"], quote["stale"]) == (
        "430.45", "430.60", "430.50", False)
    assert quote["previous_close"] == "430.47"
    platform.deps.clock.advance(timedelta(seconds=11))
    await service.step()
    assert service.quotes(["AAPL"])["AAPL"]["stale"] is True
    quotes = [u.data["stale"] for u in heard
              if isinstance(u, MarketUpdate) and u.channel is Channel.QUOTES and u.symbol == "AAPL"]
    assert quotes == [False, True]


def _user_of(platform, account: str) -> str:
    with platform.store.read() as conn:
        return conn.execute(select(tables.accounts.c.user_id).where(
            tables.accounts.c.id == account)).scalar_one()


async def test_a_seven_percent_fall_of_spy_halts_every_symbol_for_15_minutes(world) -> None:
    platform, account, heard = world
    service = platform.market_data
    now = platform.deps.clock.now()
    service.on_trade_print(TradePrint(XSIM, Symbol("SPY"), Decimal("111.19"), Decimal(1), now))
    await service.step()
    service.on_trade_print(TradePrint(XSIM, Symbol("SPY"), Decimal("103.40"), Decimal(1),
                                      now + timedelta(seconds=1)))  # 7.01% below the close
    await service.step()
    status = service.market_status()
    assert status["circuit_breaker"]["levels_tripped"] == [1]
    assert len(status["halts"]) == len(platform.deps.instruments)
    refused = await platform.execute(account, limit_buy(account))
    assert refused.reject_code == "RISK_SYMBOL_HALTED"
    platform.deps.clock.advance(timedelta(minutes=15))
    await service.step()
    assert service.market_status()["halts"] == []
    accepted = await platform.execute(account, limit_buy(account))
    assert accepted.status != OrderStatus.REJECTED
    spy = [u.data["status"] for u in heard if isinstance(u, MarketUpdate)
           and u.channel is Channel.STATUS and u.symbol == "SPY"]
    assert spy == ["paused", "halted", "trading"]  # its own LULD pause, then the breaker


async def test_a_failed_database_write_is_retried_and_the_alert_is_announced_once(world) -> None:
    platform, account, heard = world
    service = platform.market_data
    user_id = _user_of(platform, account)
    await service.create_alert(user_id, "AAPL", "below", Decimal("400"))
    repo, calls = service.deps.repo, []
    real_fire = repo.fire_alerts

    def fail_once(fired, notices):
        calls.append(len(fired))
        if len(calls) == 1:
            raise ConnectionError("database unreachable")
        real_fire(fired, notices)

    repo.fire_alerts = fail_once
    prints(platform, "399.00")
    with pytest.raises(ConnectionError):
        await service.step()
    assert [m for m in heard if isinstance(m, Notification)] == []
    await service.step()
    assert calls == [1, 1]
    assert [n["kind"] for n in await service.notifications(user_id, 10)] == ["alert"]
    assert len([m for m in heard if isinstance(m, Notification)]) == 1
