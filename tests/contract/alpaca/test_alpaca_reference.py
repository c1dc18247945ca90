"""alpaca-py reads assets, the clock and the calendar, keeps watchlists, and sees Alpaca errors."""

from datetime import date, datetime

import httpx
import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.requests import (
    CreateWatchlistRequest,
    GetAssetsRequest,
    GetCalendarRequest,
    UpdateWatchlistRequest,
)

from tests.contract.alpaca.conftest import raw

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(new_trader):
    return new_trader("0")


def test_assets_list_every_instrument_and_get_one_by_symbol_or_id(client):
    assets = client.get_all_assets()
    assert len(assets) > 100 and all(a.asset_class == "us_equity" for a in assets)
    apple = client.get_asset("AAPL")
    assert apple.symbol == "AAPL" and apple.tradable and apple.status == "active"
    assert client.get_asset(apple.id).symbol == "AAPL"
    nasdaq = client.get_all_assets(GetAssetsRequest(exchange="NASDAQ"))
    assert nasdaq and {a.exchange for a in nasdaq} == {"NASDAQ"}


def test_an_unknown_asset_is_404(client):
    with pytest.raises(APIError) as missing:
        client.get_asset("NOPE")
    assert missing.value.status_code == 404 and missing.value.code == 40410000


def test_the_clock_follows_the_simulated_session(client):
    clock = client.get_clock()
    assert clock.is_open  # the simulated clock starts at a regular open
    assert clock.timestamp < clock.next_close < clock.next_open
    assert clock.timestamp.utcoffset() == clock.next_close.utcoffset()  # Eastern time


def test_the_calendar_skips_holidays_and_shows_early_closes(client):
    days = client.get_calendar(GetCalendarRequest(start=date(2026, 11, 23),
                                                  end=date(2026, 11, 30)))
    assert [d.date for d in days] == [date(2026, 11, 23), date(2026, 11, 24),
                                      date(2026, 11, 25), date(2026, 11, 27),
                                      date(2026, 11, 30)]
    assert days[0].open == datetime(2026, 11, 23, 9, 30)
    assert days[0].close == datetime(2026, 11, 23, 16, 0)
    assert days[3].close == datetime(2026, 11, 27, 13, 0)  # the day after Thanksgiving


def test_watchlists_are_created_read_changed_and_deleted(client):
    made = client.create_watchlist(CreateWatchlistRequest(name="tech",
                                                          symbols=["AAPL", "MSFT"]))
    assert made.name == "tech" and [a.symbol for a in made.assets] == ["AAPL", "MSFT"]
    assert [w.id for w in client.get_watchlists()] == [made.id]
    assert [a.symbol for a in client.get_watchlist_by_id(made.id).assets] == ["AAPL", "MSFT"]
    renamed = client.update_watchlist_by_id(made.id, UpdateWatchlistRequest(
        name="big tech", symbols=["MSFT"]))
    assert renamed.name == "big tech" and [a.symbol for a in renamed.assets] == ["MSFT"]
    added = client.add_asset_to_watchlist_by_id(made.id, "AAPL")
    assert [a.symbol for a in added.assets] == ["MSFT", "AAPL"]
    removed = client.remove_asset_from_watchlist_by_id(made.id, "MSFT")
    assert [a.symbol for a in removed.assets] == ["AAPL"]
    client.delete_watchlist_by_id(made.id)
    with pytest.raises(APIError) as gone:
        client.get_watchlist_by_id(made.id)
    assert gone.value.status_code == 404


def test_watchlist_names_are_unique_and_symbols_must_exist(client):
    client.create_watchlist(CreateWatchlistRequest(name="dup", symbols=[]))
    for request in (CreateWatchlistRequest(name="dup", symbols=[]),
                    CreateWatchlistRequest(name="bad", symbols=["NOPE"])):
        with pytest.raises(APIError) as refused:
            client.create_watchlist(request)
        assert refused.value.status_code == 422


def test_a_wrong_key_pair_is_401_in_alpacas_shape(server):
    stranger = TradingClient("PKNOBODY", "wrong", paper=True, url_override=server.base)
    with pytest.raises(APIError) as refused:
        stranger.get_account()
    assert refused.value.status_code == 401 and refused.value.code == 40110000


def test_a_trailing_slash_is_served_not_redirected(server, client):
    answer = raw(server, client).get("/v2/account/")
    assert answer.status_code == 200 and answer.json()["currency"] == "USD"


def test_an_unknown_v2_path_is_404_in_alpacas_shape(server, client):
    answer = raw(server, client).get("/v2/nothing-here")
    assert answer.status_code == 404 and answer.json()["code"] == 40410000


def test_the_native_api_keeps_its_own_error_shape(server):
    answer = httpx.get(f"{server.base}/v1/account")
    assert answer.status_code == 401 and answer.json()["code"] == "UNAUTHORIZED"
