"""One seeded database per test session, built by the same code production uses.

The default run is hermetic and fast: tests marked `postgres`, `browser`, `deployment`,
`bench` or `slow` need servers, a browser or minutes, and run with `--full` (what
`.ci/run` does). Tests never see the developer's own `DTI_*` settings.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Before anything reads the environment: a developer's DTI_DATABASE_URL must never be the
# database a test loads synthetic rows into. DTI_TEST_* variables are the tests' own.
for _name in [n for n in os.environ if n.startswith("DTI_") and not n.startswith("DTI_TEST_")]:
    del os.environ[_name]

from seed.build import DEFAULT_DATA, load  # noqa: E402

pytest_plugins = ["tests.browser"]  # the Chromium fixtures
POSTGRES_URL = os.environ.get("DTI_TEST_POSTGRES_URL", "")
OPTIONAL = ("postgres", "browser", "deployment", "bench", "slow")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true",
                     help="also run the postgres, browser, deployment, bench and slow tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--full") or config.getoption("markexpr"):
        return
    skipped = [i for i in items if any(i.get_closest_marker(m) for m in OPTIONAL)]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [i for i in items if i not in skipped]


def require(what: str, available: bool, reason: str) -> None:
    """Skip a test whose tool is missing, except in CI, where that is a failure."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {what} is not available: {reason}")
    pytest.skip(f"{what} is not available: {reason}")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'dti.sqlite'}"
    load(DEFAULT_DATA, url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    require("PostgreSQL", bool(POSTGRES_URL), "set DTI_TEST_POSTGRES_URL (.ci/run does)")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def seeded_postgres(postgres_url: str) -> str:
    load(DEFAULT_DATA, postgres_url)
    return postgres_url


@pytest.fixture
def seed_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of seed/data for tests that break it."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, target)
    yield target


# The suite makes thousands of requests a second from one client: the limiter runs (its
# headers are checked) with a budget the suite never spends; test_abuse sets real ones.
TEST_RATE_LIMIT = "100000000/minute"
TEST_CURSOR_SECRET = "tests-share-one-cursor-key"


def make_app(database_url: str, **settings: Any) -> Any:
    from api.app import create_app
    from api.settings import Settings

    settings.setdefault("rate_limit", TEST_RATE_LIMIT)
    # one cursor key for every app a test builds (a deployment sets one for its replicas;
    # without it each app would make its own and their cursors would not agree)
    settings.setdefault("cursor_secret", TEST_CURSOR_SECRET)
    return create_app(Settings(database_url=database_url, **settings))


@pytest.fixture(scope="session")
def cached_app(sqlite_url: str) -> Any:
    return make_app(sqlite_url)


@pytest.fixture(scope="session", params=["cached", "uncached"])
def app(request: pytest.FixtureRequest, sqlite_url: str, cached_app: Any) -> Any:
    """The app with its response cache, and without it (every request runs its handler)."""
    if request.param == "cached":
        return cached_app
    return make_app(sqlite_url, cache_max_entries=0)


@pytest.fixture(scope="session")
def client(app: Any) -> Iterator[Any]:
    from starlette.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def ctx(cached_app: Any) -> Iterator[Any]:
    """A service-layer context on the session database."""
    with cached_app.state.api.query() as query:
        yield query


@pytest.fixture(scope="session")
def live_server(sqlite_url: str) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, for clients that need a socket."""
    import socket
    import threading
    import time

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(make_app(sqlite_url), log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    host, port = sock.getsockname()
    yield f"http://{host}:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()
