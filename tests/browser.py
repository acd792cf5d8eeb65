"""Headless Chromium from Debian's packages, driven by Playwright (never its own browser).

`Visit` opens a page and records what a person would not see but a test must: console
errors, uncaught page errors, failed requests, and every request that left the origin.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import require

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--metrics-recording-only"]


@dataclass
class Visit:
    page: Any
    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def watch(self) -> Visit:
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(
            m.text))
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"{r.status} {r.url}"))

        def request(r: Any) -> None:
            if not r.url.startswith((self.origin + "/", "data:", "blob:", "about:")):
                self.foreign.append(r.url)
        self.page.on("request", request)
        return self

    def assert_clean(self) -> None:
        """Nothing went wrong that a person would meet, and nothing left the origin."""
        assert not self.page_errors, self.page_errors
        assert not self.console_errors, self.console_errors
        assert not self.failed, self.failed
        assert not self.foreign, self.foreign


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    require("Chromium", shutil.which("chromium") is not None,
            "install Debian's chromium package (.ci/run does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        require("Playwright", False, "pip install -e '.[test]'")
        raise
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def visitor(chromium: Any, origin: str, contexts: list[Any]) -> Any:
    def open_page(path: str, locale: str = "vi-VN", width: int = 1280,
                  scripts: bool = True) -> Visit:
        """Open a page in a fresh context `width` CSS pixels wide (375: a phone)."""
        context = chromium.new_context(locale=locale, java_script_enabled=scripts,
                                       viewport={"width": width, "height": 900},
                                       is_mobile=width < 600, has_touch=width < 600)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        seen = Visit(page, origin).watch()
        page.goto(origin + path, wait_until="networkidle")
        return seen
    return open_page


@pytest.fixture
def visit(chromium: Any, live_server: str) -> Iterator[Any]:
    """visit(path) opens a page in a fresh context and returns its Visit."""
    contexts: list[Any] = []
    yield visitor(chromium, live_server, contexts)
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def public_server(sqlite_url: str) -> Iterator[str]:
    """The app as deployed: DTI_PUBLIC_URL names its own address (absolute links)."""
    yield from serve(sqlite_url, public=True)


@pytest.fixture
def visit_public(chromium: Any, public_server: str) -> Iterator[Any]:
    contexts: list[Any] = []
    yield visitor(chromium, public_server, contexts)
    for context in contexts:
        context.close()


def serve(sqlite_url: str, public: bool = False) -> Iterator[str]:
    """The app under uvicorn on a free loopback port."""
    import socket
    import threading
    import time

    import uvicorn

    from tests.conftest import make_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    origin = f"http://{host}:{port}"
    app = make_app(sqlite_url, **({"public_url": origin} if public else {}))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield origin
    server.should_exit = True
    thread.join(10)
    sock.close()
