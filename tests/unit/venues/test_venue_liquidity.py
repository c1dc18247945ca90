"""Liquidity agents: a two-sided ladder, customers can trade against it, determinism."""

from decimal import Decimal

from venue_builders import ACME, T0, a_new_order, an_exchange, an_instrument, at

from brokerage.domain.execution import ExecType, VenueOrdStatus
from brokerage.domain.ids import Symbol
from brokerage.domain.market_hours import MarketPhase
from brokerage.domain.orders.types import Side
from brokerage.venues.liquidity import LiquidityAgents

INSTRUMENTS = (an_instrument("ACME", price="100"), an_instrument("PNY", price="0.8"),
               an_instrument("BIG", price="2500", vol="0.03"))


def a_market(phase=MarketPhase.REGULAR, seed=7, sink=None):
    exchange, inbox = an_exchange(phase, *INSTRUMENTS, sink=sink)
    agents = LiquidityAgents(exchange, {i.symbol: i for i in INSTRUMENTS}, seed=seed)
    return exchange, inbox, agents


def run_steps(agents, count, start=1):
    for n in range(start, start + count):
        agents.step(at(n))


def test_seeded_books_quote_both_sides_around_the_reference_price():
    exchange, _, agents = a_market()
    agents.seed_books(T0)
    for instrument in INSTRUMENTS:
        top = exchange.top_of_book(instrument.symbol)
        reference = instrument.reference_price
        assert top.bid < reference < top.ask
        assert (top.ask - top.bid) / reference < Decimal("0.002")
        for side in (Side.BUY, Side.SELL):
            levels = exchange.depth(instrument.symbol, side, 20)
            assert 5 <= len(levels) <= 10
            assert all(100 <= size <= 2000 for _, size in levels)


def test_customer_market_buy_fills_near_the_reference_price():
    exchange, inbox, agents = a_market()
    agents.seed_books(T0)
    exchange.submit("ann", a_new_order("m1", qty="10", price=None))
    last = inbox["ann"].last("m1")
    assert last.ord_status is VenueOrdStatus.FILLED
    assert abs(last.avg_px - Decimal("100")) <= Decimal("0.05")


def test_steps_in_the_regular_session_print_trades_and_never_cross():
    exchange, _, agents = a_market()
    trades = []
    exchange.add_trade_listener(trades.append)
    agents.seed_books(T0)
    for n in range(1, 120):
        agents.step(at(n))
        for instrument in INSTRUMENTS:
            top = exchange.top_of_book(instrument.symbol)
            assert top.bid is not None and top.ask is not None and top.bid < top.ask
    assert {t.symbol for t in trades} == {i.symbol for i in INSTRUMENTS}


def test_fair_price_walks_away_from_the_reference_but_not_wildly():
    _, _, agents = a_market()
    agents.seed_books(T0)
    run_steps(agents, 300)
    fair = agents.fair_price(Symbol("ACME"))
    assert fair != Decimal("100")
    assert Decimal("90") < fair < Decimal("110")


def test_a_long_pause_moves_the_price_no_more_than_the_cap_allows():
    _, _, agents = a_market()
    agents.seed_books(T0)
    agents.step(at(7 * 24 * 3600))  # a week later: capped to five minutes' worth
    assert abs(agents.fair_price(ACME) - 100) < 5


def test_same_seed_and_times_give_the_same_market():
    hashes, tapes = [], []
    for _ in range(2):
        exchange, _, agents = a_market(seed=42)
        tape = []
        exchange.add_trade_listener(tape.append)
        agents.seed_books(T0)
        run_steps(agents, 60)
        hashes.append(exchange.state_hash())
        tapes.append(tape)
    assert hashes[0] == hashes[1] and tapes[0] == tapes[1]
    other, _, agents = a_market(seed=43)
    agents.seed_books(T0)
    run_steps(agents, 60)
    assert other.state_hash() != hashes[0]


def test_closed_market_steps_send_no_orders():
    journal = []
    _, _, agents = a_market(MarketPhase.CLOSED, sink=journal.append)
    run_steps(agents, 10)
    assert journal == []


def test_extended_hours_ladder_is_thinner_and_still_tradable():
    exchange, inbox, agents = a_market(MarketPhase.PRE_MARKET)
    agents.seed_books(T0)
    run_steps(agents, 5)
    assert 3 <= len(exchange.depth(ACME, Side.SELL, 20)) <= 5
    exchange.submit("ann", a_new_order("x1", qty="10", price="100.10", extended=True))
    assert inbox["ann"].last("x1").ord_status is VenueOrdStatus.FILLED


def test_resume_after_recovery_replaces_the_old_quotes_under_new_ids():
    journal = []
    exchange, _, agents = a_market(sink=journal.append)
    agents.seed_books(T0)
    run_steps(agents, 20)
    old_ids = {r.cl_ord_id for r in exchange.open_orders("liquidity")}
    recovered, _ = an_exchange(MarketPhase.CLOSED, *INSTRUMENTS, participants=())
    recovered.recover(journal)
    assert recovered.state_hash() == exchange.state_hash()
    resumed = LiquidityAgents(recovered, {i.symbol: i for i in INSTRUMENTS}, seed=7)
    resumed.resume(at(21))
    open_now = recovered.open_orders("liquidity")
    assert not old_ids & {r.cl_ord_id for r in open_now}
    assert 2 * 3 * 5 <= len(open_now) <= 2 * 3 * 10
    assert not [r for r in recovered.executions("liquidity") if r.exec_type is ExecType.REJECTED]
    assert recovered.top_of_book(ACME).bid < recovered.top_of_book(ACME).ask
