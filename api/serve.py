"""Run the API under uvicorn, building the embedded default database if it is missing."""

from __future__ import annotations

import os
from pathlib import Path

import uvicorn
from sqlalchemy.engine import make_url

from api.settings import DEFAULT_DATABASE_URL, Settings


def ensure_database(settings: Settings) -> None:
    """Seed the embedded SQLite default on first run; never touch other databases."""
    url = make_url(settings.database_url)
    if settings.database_url == DEFAULT_DATABASE_URL and not Path(url.database or "").exists():
        from seed.build import DEFAULT_DATA, load

        result = load(DEFAULT_DATA, settings.database_url)
        print(f"built {url.database} (dataset version {result.version})")


def app_factory():  # type: ignore[no-untyped-def]
    """Uvicorn factory: each worker builds its own app from the environment."""
    from api.app import create_app

    return create_app(Settings.from_env())


def serve(settings: Settings, host: str, port: int, workers: int) -> int:
    ensure_database(settings)
    os.environ["DTI_DATABASE_URL"] = settings.database_url  # workers read the same settings
    uvicorn.run("api.serve:app_factory", factory=True, host=host, port=port, workers=workers,
                proxy_headers=True, server_header=False, log_level="info")
    return 0
