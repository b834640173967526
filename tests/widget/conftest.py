"""Real servers (action server, Rasa with the trained model, demo page) and Debian's chromium."""
import json
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Callable, List

import pytest

from tests.support.services import PYTHON, ROOT, Service, free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SOCKET_CLIENT = ROOT / "web" / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"


def start_website(port: int, socket_url: str, workdir: Path, name: str = "web") -> Service:
    """The demo page server exactly as `make run` starts it."""
    return Service(name, [PYTHON, "-m", "website", "--host", "127.0.0.1", "--port", str(port),
                          "--socket-url", socket_url],
                   f"http://127.0.0.1:{port}/health", workdir).start(timeout=60)


@pytest.fixture(scope="session")
def widget_js_installed():
    if not SOCKET_CLIENT.is_file():  # `make test` runs npm ci first; a bare pytest may not have
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT / "web", check=True)
    return SOCKET_CLIENT


@pytest.fixture(scope="session")
def website(assistant, widget_origin, widget_js_installed, tmp_path_factory):
    """The demo page on the one origin the widget channel accepts; yields that origin."""
    port = int(widget_origin.rsplit(":", 1)[1])
    server = start_website(port, assistant.base_url, tmp_path_factory.mktemp("web"))
    yield widget_origin
    server.stop()


@pytest.fixture(scope="session")
def foreign_website(assistant, widget_js_installed, tmp_path_factory):
    """The same page served from another origin, which the widget channel does not accept."""
    port = free_port()
    server = start_website(port, assistant.base_url, tmp_path_factory.mktemp("foreign-web"), "foreign-web")
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def chromium_path():
    if not os.access(CHROMIUM, os.X_OK):
        subprocess.run([str(ROOT / "scripts" / "ensure_chromium.sh")], check=False)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Debian's chromium is not at {CHROMIUM} and scripts/ensure_chromium.sh could not install "
                    f"it (needs root and the Debian package registry); the browser tests need it")
    return CHROMIUM


# Package scope: Playwright's sync API keeps an event loop running while it is open, which would break
# asyncio.run() in every test collected after this package.
@pytest.fixture(scope="package")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, website) -> Callable:
    """open_page(locale="es-ES", origin=None, path="/") -> a page of the demo site in a fresh
    browser profile (empty localStorage) whose navigator.language is `locale`."""
    contexts: List = []

    def _open(locale: str = "es-ES", origin: str = None, path: str = "/"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.goto((origin or website) + path)
        return page

    yield _open
    for context in contexts:
        context.close()


class TrackerDatabase:
    """The Rasa server's tracker store (the SQLite file of the shared assistant), read directly."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _rows(self, sql: str, sender: str) -> List[tuple]:
        with sqlite3.connect(self.path, timeout=10) as connection:
            return connection.execute(sql, (sender,)).fetchall()

    def events(self, sender: str) -> int:
        return self._rows("SELECT COUNT(*) FROM events WHERE sender_id = ?", sender)[0][0]

    def user_texts(self, sender: str) -> List[str]:
        rows = self._rows("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", sender)
        return [json.loads(data).get("text") for (data,) in rows]


@pytest.fixture
def tracker_db(assistant) -> TrackerDatabase:
    return TrackerDatabase(assistant.workdir / "conversations.db")
