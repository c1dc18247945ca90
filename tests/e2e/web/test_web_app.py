"""The trading app in a real browser against the real server process.

One server for the module; the trading story runs on a desktop viewport, the layout check on
a phone-sized one. Screenshots of the main screens land in tests/e2e/screenshots/.
"""

import json
import re
from decimal import Decimal
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.e2e.web.conftest import shoot, sign_up_over_api

PRICE = re.compile(r"^\d[\d,]*\.\d{2,6}$")


def test_the_server_serves_the_app_without_shadowing_the_api(server):
    client = httpx.Client(base_url=server.base, timeout=10)
    shell = client.get("/")
    assert shell.status_code == 200
    assert shell.headers["content-type"].startswith("text/html")
    assert client.get("/app.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/app.css").headers["content-type"].startswith("text/css")
    deep = client.get("/symbol/AAPL")  # a page path: the shell, so a reload works
    assert deep.status_code == 200 and deep.text == shell.text
    assert client.get("/v1/clock").json()["clock"]  # API routes win
    missing = client.get("/v1/no-such-thing")
    assert missing.status_code == 404 and missing.json()["code"] == "HTTP_404"
    assert client.get("/no-such-file.js").status_code == 404
    license_text = client.get("/vendor/lightweight-charts/LICENSE").text
    assert "Apache License" in license_text
    assert "tradingview.com" in client.get("/vendor/lightweight-charts/NOTICE").text


def sign_up(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_role("button", name="Sign up").click()
    page.get_by_label("Email").fill("web@example.com")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#summary")).to_be_visible()


def deposit(page, amount):
    page.get_by_role("link", name="Transfers").click()
    page.locator("#transfer-amount").fill(amount)
    page.locator("#transfer-submit").click()
    expect(page.locator(".toast", has_text="Deposit sent")).to_be_visible()
    expect(page.locator("#transfers tbody tr")).to_have_count(1)


def watch_a_quote_move(page):
    page.get_by_role("link", name="Home").click()
    expect(page.locator("#buying-power")).not_to_have_text("$0.00")
    aapl = page.locator('#watchlist tr[data-symbol="AAPL"] .last')
    expect(aapl).to_have_text(PRICE)
    # The simulated market trades all the time: some watched price moves within seconds.
    expect(page.locator("#watchlist .last[data-dir]").first).to_be_attached(timeout=30_000)


def open_symbol(page, symbol):
    page.locator(f'#watchlist a:text-is("{symbol}")').click()
    expect(page).to_have_url(re.compile(f"/symbol/{symbol}$"))
    expect(page.locator("#last-price")).to_have_text(PRICE)
    expect(page.locator("#candles canvas").first).to_be_visible()
    expect(page.locator("#candles")).to_have_attribute("data-count", re.compile(r"^[1-9]\d*$"))
    expect(page.locator("#depth td").first).to_be_visible()


def fill_ticket(page, order_type, qty, limit_price=None):
    ticket = page.locator("#ticket")
    ticket.get_by_label("Order type").select_option(order_type)
    ticket.locator('input[name="amount"]').fill(qty)
    if limit_price is not None:
        ticket.get_by_label("Limit price").fill(limit_price)
    expect(page.locator("#ticket-estimate")).to_contain_text("Estimated cost $")
    ticket.locator("#ticket-submit").click()
    confirm = page.locator("#ticket-confirm-yes")  # large orders wait for an explicit yes
    expect(confirm).to_be_visible()
    confirm.click()
    expect(page.locator(".toast", has_text="Order submitted").last).to_be_visible()


def resting_limit_price(server, symbol):
    quote = httpx.get(f"{server.base}/v1/quotes?symbols={symbol}").json()["quotes"][symbol]
    return str((Decimal(quote["bid"]) * Decimal("0.95")).quantize(Decimal("0.01")))


def place_replace_and_cancel_a_limit_order(page, server):
    fill_ticket(page, "limit", "1", resting_limit_price(server, "AAPL"))
    expect(page.locator("#ticket").locator("xpath=..").locator("tr[data-order-id]")).to_have_count(1)
    page.get_by_role("link", name="Orders").click()
    row = page.locator("#open-orders tr[data-order-id]")
    expect(row).to_have_count(1)
    first_id = row.get_attribute("data-order-id")
    shoot(page, "desktop-orders-open")
    row.locator('button[data-action="replace"]').click()
    page.get_by_label("New quantity").fill("2")
    page.get_by_role("button", name="Send replace").click()
    expect(page.locator(f'#open-orders tr[data-order-id="{first_id}"]')).to_have_count(0)
    expect(row).to_have_count(1)  # the new version of the order
    expect(row.locator("td").nth(3)).to_have_text("2")
    order_id = row.get_attribute("data-order-id")
    row.locator('button[data-action="cancel"]').click()
    expect(page.locator("#open-orders tr[data-order-id]")).to_have_count(0)
    canceled = page.locator(f'#order-history tr[data-order-id="{order_id}"]')
    expect(canceled).to_have_attribute("data-status", "canceled")
    canceled.click()  # its fills (none) and its state history
    expect(page.locator("#order-detail")).to_contain_text("State history")
    expect(page.locator("#order-detail")).to_contain_text("canceled")


def buy_at_market_and_see_the_position(page):
    page.goto("/symbol/AAPL")
    expect(page.locator("#last-price")).to_have_text(PRICE)
    fill_ticket(page, "market", "1")
    expect(page.locator(".toast", has_text="Order filled")).to_be_visible()
    page.get_by_role("link", name="Positions").click()
    position = page.locator('#positions tr[data-symbol="AAPL"]')
    expect(position).to_contain_text("AAPL")
    position.locator('button[data-action="lots"]').click()
    lot = page.locator("#positions tr.lots tr[data-lot-id]")
    expect(lot).to_have_count(1)
    expect(lot.locator("td").nth(1)).to_have_text("1")
    shoot(page, "desktop-positions")
    page.get_by_role("link", name="Notifications").click()
    # This tab's own note of the fill, or the server's stored one that replaces it.
    expect(page.locator('#notifications tr[data-kind="fill"]').first).to_contain_text("AAPL")


def set_and_cancel_a_price_alert(page):
    page.get_by_role("link", name="Alerts").click()
    page.locator("#alert-symbol").fill("AAPL")
    page.locator("#alert-direction").select_option("above")
    page.locator("#alert-price").fill("9999")
    page.get_by_role("button", name="Create alert").click()
    alert = page.locator("#alerts tr[data-alert-id]")
    expect(alert).to_contain_text("active")
    alert.get_by_role("button", name="Cancel alert on AAPL").click()
    expect(alert).to_contain_text("canceled")


def test_sign_up_deposit_watch_chart_limit_replace_cancel_market_buy_alert(desktop, server):
    page, _ = desktop
    sign_up(page)
    shoot(page, "desktop-home-empty")
    deposit(page, "10000")
    watch_a_quote_move(page)
    shoot(page, "desktop-home")
    open_symbol(page, "AAPL")
    shoot(page, "desktop-symbol")
    place_replace_and_cancel_a_limit_order(page, server)
    buy_at_market_and_see_the_position(page)
    set_and_cancel_a_price_alert(page)


def place_over_api(server, token, **order) -> dict:
    client = httpx.Client(base_url=server.base, timeout=10,
                          headers={"authorization": f"Bearer {token}"})
    placed = client.post("/v1/orders", json={"side": "buy", "time_in_force": "day", **order})
    assert placed.status_code in (200, 201), placed.text
    return dict(placed.json())


def no_table_scrolls_sideways(page, path):
    widths = page.evaluate("""[...document.querySelectorAll('.table-wrap')]
        .map(e => e.scrollWidth - e.clientWidth)""")
    assert all(w <= 0 for w in widths), f"a table on {path} scrolls sideways: {widths}"


def cancel_an_order_on_a_phone(page, order_id):
    page.goto("/orders")
    row = page.locator(f'#open-orders tr[data-order-id="{order_id}"]')
    cancel = row.locator('button[data-action="cancel"]')
    expect(cancel).to_be_visible()
    expect(row.locator('button[data-action="replace"]')).to_be_visible()
    cancel.scroll_into_view_if_needed()
    box = cancel.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    no_table_scrolls_sideways(page, "/orders")
    cancel.click()
    expect(page.locator("#open-orders tr[data-order-id]")).to_have_count(0)
    expect(page.locator(f'#order-history tr[data-order-id="{order_id}"]')).to_have_attribute(
        "data-status", "canceled")
    shoot(page, "phone-orders-canceled")


def test_the_main_views_fit_a_phone_screen(phone, server):
    page, _ = phone
    token = sign_up_over_api(server, "phone@example.com")
    resting = place_over_api(server, token, symbol="AAPL", type="limit", qty="1",
                             limit_price=resting_limit_price(server, "AAPL"))
    place_over_api(server, token, symbol="MSFT", type="market", qty="1")
    page.goto("/login")
    page.evaluate("t => localStorage.setItem('brokerage.token', t)", token)
    for path, ready, name in (("/", '#watchlist tr[data-symbol="AAPL"] .last', "home"),
                              ("/symbol/AAPL", "#candles canvas", "symbol"),
                              ("/orders", "#open-orders tr[data-order-id]", "orders"),
                              ("/positions", '#positions tr[data-symbol="MSFT"]', "positions"),
                              ("/transfers", "#transfer-amount", "transfers")):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        page.wait_for_timeout(300)  # let late layout (charts, fonts) settle before measuring
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        no_table_scrolls_sideways(page, path)
        shoot(page, f"phone-{name}")
    expect(page.locator("#ticket-submit")).to_have_count(0)  # the last page has no ticket
    cancel_an_order_on_a_phone(page, resting["id"])


def test_the_watchlist_is_kept_on_the_server(desktop, server):
    page, _ = desktop
    token = sign_up_over_api(server, "watch@example.com")
    page.goto("/login")
    page.evaluate("t => localStorage.setItem('brokerage.token', t)", token)
    page.goto("/")
    rows = page.locator("#watchlist tbody tr[data-symbol]")
    expect(rows).to_have_count(4)  # the default watchlist, made on first use
    page.locator("#watch-add").fill("zzzz")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="ZZZZ is not a symbol")).to_be_visible()
    expect(rows).to_have_count(4)
    page.locator("#watch-add").fill("nvda")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator('#watchlist tr[data-symbol="NVDA"]')).to_be_visible()
    page.get_by_role("button", name="Remove MSFT").click()
    expect(page.locator('#watchlist tr[data-symbol="MSFT"]')).to_have_count(0)
    page.reload()
    expect(page.locator('#watchlist tr[data-symbol="NVDA"] .last')).to_have_text(PRICE)
    expect(rows).to_have_count(4)
    expect(page.locator('#watchlist tr[data-symbol="MSFT"]')).to_have_count(0)
    stored = httpx.get(f"{server.base}/v1/watchlists", headers={"authorization": f"Bearer {token}"})
    assert stored.json()[0]["symbols"] == ["AAPL", "TSLA", "SPY", "NVDA"]


def admin_token(server) -> str:
    """The operator token the server writes to its card beside the database."""
    card = server.db_url.removeprefix("sqlite:///") + ".server.json"
    return str(json.loads(Path(card).read_text())["admin_token"])


def test_banners_show_a_halted_symbol_and_a_closed_market(desktop, server):
    page, _ = desktop
    token = sign_up_over_api(server, "banners@example.com")
    halted = httpx.post(f"{server.base}/v1/market/halts/MSFT", json={"reason": "news pending"},
                        headers={"X-Admin-Token": admin_token(server)})
    assert halted.status_code == 200, halted.text
    # The server's clock sits in a regular session; show the app a closed one.
    page.route("**/v1/market/status", lambda route: route.fulfill(json={
        "phase": "closed", "halts": [], "circuit_breaker": {"halted": False}}))
    page.goto("/login")
    page.evaluate("t => localStorage.setItem('brokerage.token', t)", token)
    page.goto("/symbol/MSFT")
    banners = page.locator("#banners")
    expect(banners).to_contain_text("MSFT is halted: news pending")
    expect(banners).to_contain_text("The market is closed")
    expect(page.locator("#symbol-status")).to_have_text("halted")
    shoot(page, "desktop-symbol-halted")
    httpx.delete(f"{server.base}/v1/market/halts/MSFT",
                 headers={"X-Admin-Token": admin_token(server)})


def test_money_arithmetic_in_the_app_is_exact(desktop):
    page, _ = desktop
    page.goto("/login")
    results = page.evaluate("""async () => {
        const D = await import('/decimal.js');
        const F = await import('/format.js');
        return [D.add('0.1', '0.2'), D.mul('3', '430.076'), D.sub('1', '1.01'),
                D.round('2.345', 2), D.round('-2.345', 2), D.div('1', '3', 4),
                F.money('1234567.891'), F.money('-5', {signed: true}), F.price('430.7400'),
                F.qty('0.600000'), F.pct(F.change('110', '100').pct)];
    }""")
    assert results == ["0.3", "1290.228", "-0.01", "2.35", "-2.35", "0.3333",
                       "$1,234,567.89", "−$5.00", "430.74", "0.6", "+10.00%"]


def test_notifications_of_any_kind_render_in_the_list(desktop, server):
    page, _ = desktop
    token = sign_up_over_api(server, "notes@example.com")
    stored = [
        {"id": "n3", "kind": "fill", "title": "Bought 2 AAPL at $430.10",
         "body": "Your DAY market order to buy 2 AAPL is filled.",
         "data": {"order_id": "o1", "exec_id": "e1"}, "created_at": "2026-11-24T15:03:00+00:00"},
        {"id": "n2", "kind": "order_expired", "title": "Order expired: buy 1 MSFT", "body": "",
         "data": {"order_id": "o2", "reason": "end of day"},
         "created_at": "2026-11-24T15:02:00+00:00"},
        {"id": "n1", "kind": "something_new", "title": None, "body": None,
         "data": {"level": "3", "nested": {"x": 1}}, "created_at": "2026-11-24T15:01:00+00:00"},
    ]
    page.route("**/v1/notifications*", lambda route: route.fulfill(json=stored))
    page.goto("/login")
    page.evaluate("t => localStorage.setItem('brokerage.token', t)", token)
    page.goto("/notifications")
    rows = page.locator("#notifications tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Bought 2 AAPL at $430.10")
    expect(rows.nth(1)).to_contain_text("order expired")
    expect(rows.nth(2)).to_contain_text("Something new")  # a kind the app does not know
    expect(rows.nth(2)).to_contain_text("level: 3")
