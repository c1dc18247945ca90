"""The native /v1/watchlists API: one stored list per account shared with Alpaca's /v2."""

import httpx
import pytest

from brokerage.entrypoints.api.app import create_app
from tests.builders import make_platform, new_customer
from tests.fakes import FakeVenue

PASSWORD = "correct horse battery"


@pytest.fixture
async def api(db_url: str):
    """A client signed in as ann (bearer), one for her Alpaca key pair, one for bob."""
    platform = make_platform(db_url, venue=FakeVenue())
    await platform.start()
    await new_customer(platform)
    await new_customer(platform, "bob@example.com")
    ann = platform.identity.log_in("ann@example.com", PASSWORD)["token"]
    bob = platform.identity.log_in("bob@example.com", PASSWORD)["token"]
    key = platform.identity.create_api_key(platform.identity.user_by_email("ann@example.com"))
    transport = httpx.ASGITransport(app=create_app(platform, manage_lifecycle=False))

    def client(headers: dict[str, str]) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)

    async with (client({"Authorization": f"Bearer {ann}"}) as native,
                client({"APCA-API-KEY-ID": key["key_id"],
                        "APCA-API-SECRET-KEY": key["secret_key"]}) as alpaca,
                client({"Authorization": f"Bearer {bob}"}) as other):
        yield native, alpaca, other
    await platform.stop()


async def default_list(native: httpx.AsyncClient) -> dict:
    listed = await native.get("/v1/watchlists")
    assert listed.status_code == 200, listed.text
    [watchlist] = listed.json()
    return watchlist


async def test_a_new_account_gets_one_default_watchlist_on_first_use(api) -> None:
    native, _, _ = api
    first = await default_list(native)
    again = await default_list(native)
    assert first["name"] == "Primary Watchlist"
    assert first["symbols"] == ["AAPL", "MSFT", "TSLA", "SPY"]
    assert again == first


async def test_a_symbol_added_natively_is_what_the_alpaca_bot_sees(api) -> None:
    native, alpaca, _ = api
    watchlist = await default_list(native)
    added = await native.post(f"/v1/watchlists/{watchlist['id']}/symbols", json={"symbol": "nvda"})
    assert added.status_code == 200, added.text
    assert added.json()["symbols"] == ["AAPL", "MSFT", "TSLA", "SPY", "NVDA"]
    seen = (await alpaca.get(f"/v2/watchlists/{watchlist['id']}")).json()
    assert [a["symbol"] for a in seen["assets"]] == ["AAPL", "MSFT", "TSLA", "SPY", "NVDA"]
    await alpaca.delete(f"/v2/watchlists/{watchlist['id']}/MSFT")
    assert "MSFT" not in (await default_list(native))["symbols"]


async def test_removing_a_symbol_keeps_the_order_of_the_rest(api) -> None:
    native, _, _ = api
    watchlist = await default_list(native)
    removed = await native.delete(f"/v1/watchlists/{watchlist['id']}/symbols/msft")
    assert removed.status_code == 200, removed.text
    assert removed.json()["symbols"] == ["AAPL", "TSLA", "SPY"]


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), [
    ("POST", "/symbols", {"symbol": "ZZZZ"}, 422, "ASSET_NOT_FOUND"),
    ("POST", "/symbols", {"symbol": "AAPL"}, 422, "SYMBOL_ALREADY_LISTED"),
    ("POST", "/symbols", {"symbol": ""}, 422, "INVALID_REQUEST"),
    ("POST", "/symbols", {"symbol": "AA PL"}, 422, "INVALID_REQUEST"),
    ("POST", "/symbols", {"symbol": "AAPL", "extra": 1}, 422, "INVALID_REQUEST"),
    ("POST", "/symbols", None, 422, "INVALID_REQUEST"),
    ("DELETE", "/symbols/NVDA", None, 404, "SYMBOL_NOT_LISTED"),
    ("PATCH", "", {"symbols": ["AAPL", "ZZZZ"]}, 422, "ASSET_NOT_FOUND"),
    ("PATCH", "", {"name": "bad\u0000name"}, 422, "INVALID_REQUEST"),
    ("PATCH", "", {"name": "x" * 65}, 422, "INVALID_REQUEST"),
])
async def test_bad_edits_are_refused_with_a_code_and_change_nothing(api, method, path, body,
                                                                    status, code) -> None:
    native, _, _ = api
    before = await default_list(native)
    response = await native.request(method, f"/v1/watchlists/{before['id']}{path}", json=body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]
    assert await default_list(native) == before


async def test_create_rename_replace_and_delete_a_watchlist(api) -> None:
    native, _, _ = api
    await default_list(native)
    made = await native.post("/v1/watchlists", json={"name": "Tech", "symbols": ["msft", "AAPL"]})
    assert made.status_code == 201, made.text
    tech = made.json()
    assert tech["symbols"] == ["MSFT", "AAPL"]
    taken = await native.post("/v1/watchlists", json={"name": "Tech"})
    assert (taken.status_code, taken.json()["code"]) == (422, "WATCHLIST_NAME_TAKEN")
    edited = await native.patch(f"/v1/watchlists/{tech['id']}",
                                json={"name": "Chips", "symbols": ["NVDA"]})
    assert (edited.json()["name"], edited.json()["symbols"]) == ("Chips", ["NVDA"])
    assert (await native.delete(f"/v1/watchlists/{tech['id']}")).status_code == 204
    gone = await native.get(f"/v1/watchlists/{tech['id']}")
    assert (gone.status_code, gone.json()["code"]) == (404, "WATCHLIST_NOT_FOUND")
    assert [w["name"] for w in (await native.get("/v1/watchlists")).json()] == [
        "Primary Watchlist"]


async def test_another_account_cannot_see_or_edit_my_watchlist(api) -> None:
    native, _, other = api
    mine = await default_list(native)
    for response in (await other.get(f"/v1/watchlists/{mine['id']}"),
                     await other.post(f"/v1/watchlists/{mine['id']}/symbols",
                                      json={"symbol": "NVDA"}),
                     await other.delete(f"/v1/watchlists/{mine['id']}")):
        assert (response.status_code, response.json()["code"]) == (404, "WATCHLIST_NOT_FOUND")
    assert await default_list(native) == mine


async def test_watchlists_need_a_signed_in_caller(api) -> None:
    native, _, _ = api
    response = await native.get("/v1/watchlists", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json()["code"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v2/watchlists", {"name": "bad\u0000name", "symbols": ["AAPL"]}),
    ("PUT", "/v2/watchlists/{id}", {"name": "bad\u0000name"}),
    ("GET", "/v2/watchlists:by_name?name=bad%00name", None),
])
async def test_alpaca_names_with_control_characters_are_refused_and_change_nothing(
        api, method, path, body) -> None:
    native, alpaca, _ = api
    before = await default_list(native)
    response = await alpaca.request(method, path.format(id=before["id"]), json=body)
    assert response.status_code == 422, response.text
    assert response.json()["message"]
    assert (await native.get("/v1/watchlists")).json() == [before]
