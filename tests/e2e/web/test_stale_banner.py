"""The stale-quote banner, driven by a market whose feed stops and resumes on cue.

This module swaps the directory's server for the in-process one (see inprocess.py): its clock
moves only when the test says, and only the trades the test prints reach the tape.
"""

from collections.abc import Iterator
from concurrent.futures import Future

import httpx
import pytest
from playwright.sync_api import expect

from brokerage.config import Settings
from tests.e2e.web.conftest import shoot, sign_up_over_api
from tests.e2e.web.inprocess import InProcessServer

STALE_AFTER_S = Settings().quote_stale_after_s  # the in-process server keeps the default


@pytest.fixture(scope="module")
def booting(tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[InProcessServer, Future[InProcessServer]]]:
    server = InProcessServer(tmp_path_factory.mktemp("stale") / "brokerage.db").start()
    started: Future[InProcessServer] = Future()
    started.set_result(server)
    yield server, started
    server.stop()


def only_aapl_on_the_watchlist(server: InProcessServer, token: str) -> None:
    client = httpx.Client(base_url=server.base, timeout=10,
                          headers={"authorization": f"Bearer {token}"})
    [watchlist] = client.get("/v1/watchlists").json()
    edited = client.patch(f"/v1/watchlists/{watchlist['id']}", json={"symbols": ["AAPL"]})
    assert edited.status_code == 200, edited.text


def test_the_banner_shows_while_a_feed_is_silent_and_goes_when_it_resumes(desktop, server):
    page, _ = desktop
    token = sign_up_over_api(server, "stale@example.com")
    only_aapl_on_the_watchlist(server, token)
    server.trade("AAPL", "430.10")
    page.goto("/login")
    page.evaluate("t => localStorage.setItem('brokerage.token', t)", token)
    page.goto("/")
    expect(page.locator('#watchlist tr[data-symbol="AAPL"] .last')).to_have_text("430.10")
    banners = page.locator("#banners")
    expect(banners).not_to_contain_text("stale")

    server.advance(STALE_AFTER_S + 1)  # the feed has said nothing for longer than allowed
    stale = banners.locator(".banner", has_text="Quotes are stale for AAPL")
    expect(stale).to_be_visible()
    shoot(page, "desktop-home-stale")

    server.trade("AAPL", "430.25")  # the feed speaks again
    expect(page.locator('#watchlist tr[data-symbol="AAPL"] .last')).to_have_text("430.25")
    expect(stale).to_have_count(0)


def test_the_symbol_page_says_when_its_quotes_are_stale(desktop, server):
    page, _ = desktop
    token = sign_up_over_api(server, "stale-symbol@example.com")
    server.trade("MSFT", "330.00")
    page.goto("/login")
    page.evaluate("t => localStorage.setItem('brokerage.token', t)", token)
    page.goto("/symbol/MSFT")
    expect(page.locator("#last-price")).to_have_text("330.00")
    banner = page.locator("#banners .banner", has_text="Quotes for MSFT are stale")
    expect(banner).to_have_count(0)
    server.advance(STALE_AFTER_S + 1)
    expect(banner).to_be_visible()
    server.trade("MSFT", "330.50")
    expect(page.locator("#last-price")).to_have_text("330.50")
    expect(banner).to_have_count(0)
