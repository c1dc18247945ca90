from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokerage.domain.ids import OrderId, Symbol
from brokerage.domain.portfolio import (
    InsufficientQuantity,
    InvalidLot,
    LotId,
    Position,
    TaxLot,
)

AAPL = Symbol("AAPL")
T0 = datetime(2024, 1, 2, 15, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def position_with(*buys: tuple[str, str]) -> Position:
    position = Position(AAPL)
    for n, (quantity, price) in enumerate(buys):
        position.buy(Decimal(quantity), Decimal(price), day(n), LotId(f"L{n}"), OrderId(f"b{n}"))
    return position


def test_a_buy_opens_a_lot() -> None:
    position = Position(AAPL)

    lot = position.buy(Decimal("10"), Decimal("150.25"), T0, LotId("L1"), OrderId("o1"))

    assert lot == TaxLot(
        LotId("L1"), AAPL, Decimal("10"), Decimal("10"), Decimal("150.25"), T0, OrderId("o1")
    )
    assert position.lots == (lot,)
    assert (position.quantity, position.cost_basis) == (Decimal("10"), Decimal("1502.50"))


def test_average_cost_weighs_lots_by_quantity() -> None:
    position = position_with(("10", "100"), ("30", "200"))

    assert position.average_cost == Decimal("175")
    assert position.market_value(Decimal("180")) == Decimal("7200")
    assert position.unrealized_pnl(Decimal("180")) == Decimal("200")


def test_a_flat_position_has_zero_average_cost() -> None:
    assert Position(AAPL).average_cost == 0


def test_a_sell_closes_the_oldest_lot_first() -> None:
    position = position_with(("10", "100"), ("10", "200"))

    closures = position.sell(Decimal("10"), Decimal("150"), day(5), OrderId("s1"))

    assert [(c.lot_id, c.quantity, c.realized_pnl) for c in closures] == [
        (LotId("L0"), Decimal("10"), Decimal("500"))
    ]
    assert [lot.lot_id for lot in position.lots] == [LotId("L1")]
    assert position.realized_pnl == Decimal("500")


def test_a_sell_spanning_lots_splits_the_last_one() -> None:
    position = position_with(("10", "100"), ("10", "200"))

    closures = position.sell(Decimal("15"), Decimal("150"), day(5), OrderId("s1"))

    assert [(c.lot_id, c.quantity) for c in closures] == [
        (LotId("L0"), Decimal("10")),
        (LotId("L1"), Decimal("5")),
    ]
    assert closures[1].cost_basis == Decimal("1000")
    assert closures[1].proceeds == Decimal("750")
    (remaining,) = position.lots
    assert (remaining.quantity, remaining.original_quantity) == (Decimal("5"), Decimal("10"))
    assert position.realized_pnl == Decimal("250")


def test_selling_more_than_held_is_refused_and_changes_nothing() -> None:
    position = position_with(("10", "100"))
    before = (position.lots, position.realized_pnl)

    with pytest.raises(InsufficientQuantity):
        position.sell(Decimal("10.000000001"), Decimal("150"), day(1), OrderId("s1"))

    assert (position.lots, position.realized_pnl) == before


@pytest.mark.parametrize(("quantity", "price"), [("0", "1"), ("-1", "1"), ("1", "-1")])
def test_a_sell_with_a_bad_quantity_or_price_is_refused(quantity: str, price: str) -> None:
    position = position_with(("10", "100"))

    with pytest.raises(InvalidLot):
        position.sell(Decimal(quantity), Decimal(price), day(1), OrderId("s1"))


@pytest.mark.parametrize(("quantity", "price"), [("0", "1"), ("-1", "1"), ("1", "-0.01")])
def test_a_buy_with_a_bad_quantity_or_price_is_refused(quantity: str, price: str) -> None:
    with pytest.raises(InvalidLot):
        Position(AAPL).buy(Decimal(quantity), Decimal(price), T0, LotId("L"), OrderId("o"))


def test_a_lot_id_cannot_be_opened_twice() -> None:
    position = position_with(("10", "100"))

    with pytest.raises(InvalidLot):
        position.buy(Decimal("1"), Decimal("1"), day(3), LotId("L0"), OrderId("o"))


@pytest.mark.parametrize(
    ("held_days", "long_term"), [(365, False), (366, True), (30, False), (800, True)]
)
def test_a_lot_held_more_than_365_days_closes_long_term(held_days: int, long_term: bool) -> None:
    position = position_with(("1", "100"))

    (closure,) = position.sell(Decimal("1"), Decimal("120"), day(held_days), OrderId("s"))

    assert closure.holding_period_days == held_days
    assert (closure.long_term, closure.short_term) == (long_term, not long_term)
    assert (closure.opened_at, closure.closed_at) == (T0, day(held_days))


def test_a_lot_bought_earlier_is_sold_first_even_if_booked_later() -> None:
    position = Position(AAPL)
    position.buy(Decimal("1"), Decimal("20"), day(2), LotId("late"), OrderId("o2"))
    position.buy(Decimal("1"), Decimal("10"), day(1), LotId("early"), OrderId("o1"))

    (closure,) = position.sell(Decimal("1"), Decimal("30"), day(3), OrderId("s"))

    assert closure.lot_id == LotId("early")


def test_a_position_replays_from_stored_lots_and_realized_pnl() -> None:
    original = position_with(("10", "100"), ("10", "200"))
    original.sell(Decimal("15"), Decimal("150"), day(5), OrderId("s1"))

    replayed = Position.replay(AAPL, original.lots, original.realized_pnl)

    assert replayed.lots == original.lots
    assert replayed.realized_pnl == original.realized_pnl
    assert replayed.sell(Decimal("5"), Decimal("1"), day(6), OrderId("s2")) == original.sell(
        Decimal("5"), Decimal("1"), day(6), OrderId("s2")
    )


def test_replaying_a_lot_of_another_symbol_or_overfilled_is_refused() -> None:
    other = TaxLot(LotId("x"), Symbol("MSFT"), Decimal("1"), Decimal("1"), Decimal("1"), T0,
                   OrderId("o"))  # fmt: skip
    overfilled = TaxLot(LotId("y"), AAPL, Decimal("2"), Decimal("1"), Decimal("1"), T0,
                        OrderId("o"))  # fmt: skip

    with pytest.raises(InvalidLot):
        Position.replay(AAPL, [other])
    with pytest.raises(InvalidLot):
        Position.replay(AAPL, [overfilled])


quantities = st.decimals(min_value=Decimal("0.000000001"), max_value=Decimal("10000"), places=9)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=4)
trades = st.lists(
    st.tuples(st.booleans(), quantities, prices, st.integers(min_value=0, max_value=3)),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(trades=trades, mark=prices)
def test_lots_sum_to_the_position_and_pnl_adds_up_after_any_trades(
    trades: list[tuple[bool, Decimal, Decimal, int]], mark: Decimal
) -> None:
    position = Position(AAPL)
    bought_cost = proceeds = Decimal(0)
    ts = T0
    for n, (is_buy, quantity, price, gap_days) in enumerate(trades):
        ts += timedelta(days=gap_days)
        if is_buy:
            position.buy(quantity, price, ts, LotId(f"L{n}"), OrderId(f"o{n}"))
            bought_cost += quantity * price
        else:
            sold = min(quantity, position.quantity)
            if sold > 0:
                closures = position.sell(sold, price, ts, OrderId(f"o{n}"))
                assert sum(c.quantity for c in closures) == sold
                proceeds += sold * price
            with pytest.raises(InsufficientQuantity):
                position.sell(position.quantity + quantity, price, ts, OrderId("too-much"))

        assert sum(lot.quantity for lot in position.lots) == position.quantity
        assert all(0 < lot.quantity <= lot.original_quantity for lot in position.lots)
        total = position.realized_pnl + position.unrealized_pnl(mark)
        assert total == proceeds + position.market_value(mark) - bought_cost
