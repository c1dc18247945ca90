"""Orders routed across the exchange and market makers: best price first, rebates booked."""

from decimal import Decimal

from brokerage.domain.ids import AccountId
from brokerage.domain.ledger import customer_cash, firm_pfof_revenue, firm_venue_receivable
from brokerage.domain.orders.types import OrderStatus
from brokerage.read_models.routing import order_routing
from tests.service.routing_builders import AAPL, ASK, a_maker, assert_books_balance, build_world


async def test_a_market_order_fills_at_a_market_maker_with_improvement_and_books_the_rebate(
        db_url):
    world = await build_world(db_url, {"MM1": a_maker(improvement="0.05", rebate="0.0020")})
    try:
        order = await world.place("2")

        assert order.status == OrderStatus.FILLED
        fills = [e for e in order.history if e.kind.value == "filled"]
        assert [(f.venue, f.price) for f in fills] == [("MM1", ASK - Decimal("0.05"))]
        ledger = world.state().ledger
        assert ledger.balance(firm_pfof_revenue(), "USD").posted == Decimal("0.0040")
        assert ledger.balance(firm_venue_receivable("MM1"), "USD").posted == Decimal("-0.0040")
        cash = ledger.balance(customer_cash(AccountId(world.account)), "USD")
        assert cash.posted == Decimal("1000") - 2 * (ASK - Decimal("0.05"))
        assert world.state().positions[(world.account, AAPL)].quantity == 2
        assert_books_balance(world.platform)
    finally:
        await world.platform.stop()


async def test_the_router_takes_the_better_price_before_the_bigger_rebate(db_url):
    world = await build_world(db_url, {
        "MM1": a_maker(improvement="0.01", rebate="0.0030"),
        "MM2": a_maker(improvement="0.04", rebate="0.0005")})
    try:
        order = await world.place("1")

        routing = order_routing(world.platform.store, world.account, order.id)
        decision = routing["decisions"][0]
        assert decision["venue"] == "MM2"
        assert decision["nbbo"] == {"bid": "430.0000", "bid_size": "100",
                                    "ask": "430.5000", "ask_size": "100"}
        ranked = [(c["venue"], Decimal(c["expected_price"]), Decimal(c["rebate_per_share"]))
                  for c in decision["candidates"]]
        assert ranked == [("MM2", Decimal("430.46"), Decimal("0.0005")),
                          ("MM1", Decimal("430.49"), Decimal("0.0030")),
                          ("XSIM", Decimal("430.50"), Decimal("0"))]
        assert Decimal(routing["fills"][0]["improvement_per_share"]) == Decimal("0.04")
    finally:
        await world.platform.stop()


async def test_a_non_marketable_limit_order_rests_on_the_exchange(db_url):
    world = await build_world(db_url, {"MM1": a_maker()})
    try:
        order = await world.place("1", limit="429.00")

        assert order.status == OrderStatus.NEW
        routing = order_routing(world.platform.store, world.account, order.id)
        assert routing["venue"] == "XSIM"
        mm1 = next(c for c in routing["decisions"][0]["candidates"] if c["venue"] == "MM1")
        assert mm1["reason"] == "ROUTE_DECLINES_NON_MARKETABLE"
    finally:
        await world.platform.stop()
