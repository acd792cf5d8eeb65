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


@pytest.fixture
def visit(chromium: Any, live_server: str) -> Iterator[Any]:
    """visit(path) opens a page in a fresh context and returns its Visit."""
    contexts = []

    def open_page(path: str, locale: str = "vi-VN") -> Visit:
        context = chromium.new_context(locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        seen = Visit(page, live_server).watch()
        page.goto(live_server + path, wait_until="networkidle")
        return seen

    yield open_page
    for context in contexts:
        context.close()
