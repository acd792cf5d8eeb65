"""One seeded database per test session, built by the same code production uses."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from seed.build import DEFAULT_DATA, load

POSTGRES_URL = os.environ.get("DTI_TEST_POSTGRES_URL", "")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'dti.sqlite'}"
    load(DEFAULT_DATA, url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but DTI_TEST_POSTGRES_URL is not set: .ci/run must start "
                        "PostgreSQL")
        pytest.skip("PostgreSQL tests need DTI_TEST_POSTGRES_URL (.ci/run sets it)")
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


@pytest.fixture(scope="session")
def app(sqlite_url: str):  # type: ignore[no-untyped-def]
    from api.app import create_app
    from api.settings import Settings

    return create_app(Settings(database_url=sqlite_url))


@pytest.fixture(scope="session")
def client(app):  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def ctx(app):  # type: ignore[no-untyped-def]
    """A service-layer context on the session database."""
    from api.services.context import QueryContext

    state = app.state.api
    with state.db.connect() as conn:
        yield QueryContext(conn, state.codec, state.totals)
