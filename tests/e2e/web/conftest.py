"""Browser fixtures: one real server and one headless Debian Chromium for this directory.

Playwright drives the system browser (`/usr/bin/chromium`, installed by
`scripts/ensure_chromium.sh`, run by `make test`); it never downloads one. Every page records
console errors and uncaught exceptions, and each test asserts there were none.
"""

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import Server

CHROMIUM = os.environ.get("BROKERAGE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 667}

pytestmark = pytest.mark.e2e
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: run scripts/ensure_chromium.sh",
                allow_module_level=True)


# Two shared cores: give the app time under load rather than fail on a slow machine.
sync_api.expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def booting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Future[Server]]]:
    """Start the server in the background, so the browser launches while it boots."""
    s = Server(tmp_path_factory.mktemp("web") / "brokerage.db")
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = pool.submit(s.start)
        yield s, started
        s.stop()


@pytest.fixture(scope="module")
def server(booting: tuple[Server, Future[Server]], browser: "sync_api.Browser") -> Server:
    return booting[1].result()


@pytest.fixture(scope="module")
def browser(booting: tuple[Server, Future[Server]]) -> Iterator["sync_api.Browser"]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


class Console:
    """Console errors and page errors seen by one browser context."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: "sync_api.Page") -> None:
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))


def open_context(browser: "sync_api.Browser", server: Server, viewport: dict[str, int],
                 console: Console) -> "sync_api.BrowserContext":
    context = browser.new_context(viewport=viewport, base_url=server.base)
    context.set_default_timeout(20_000)
    context.on("page", console.watch)
    return context


@pytest.fixture
def desktop(browser, server) -> Iterator[tuple["sync_api.Page", Console]]:
    console = Console()
    context = open_context(browser, server, DESKTOP, console)
    page = context.new_page()
    yield page, console
    context.close()
    assert console.errors == []


@pytest.fixture
def phone(browser, server) -> Iterator[tuple["sync_api.Page", Console]]:
    console = Console()
    context = open_context(browser, server, PHONE, console)
    page = context.new_page()
    yield page, console
    context.close()
    assert console.errors == []


def sign_up_over_api(server: Server, email: str, deposit: str = "10000") -> str:
    """Make a funded user without the browser (for tests about other screens)."""
    client = httpx.Client(base_url=server.base, timeout=10)
    made = client.post("/v1/auth/signup", json={"email": email, "password": "correct horse"})
    assert made.status_code == 201, made.text
    token = str(made.json()["token"])
    paid = client.post("/v1/transfers", json={"direction": "deposit", "amount": deposit},
                       headers={"authorization": f"Bearer {token}"})
    assert paid.status_code == 201, paid.text
    return token


def shoot(page: "sync_api.Page", name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
