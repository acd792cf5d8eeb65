"""What the service says about itself: the /v1 index, its version, health and readiness."""

from __future__ import annotations

from typing import Any

from api.app_meta import API_VERSION
from api.errors import ApiError
from api.http.endpoint import Call, Doc, Document, Endpoint
from api.http.state import AppState
from api.services import registry
from models import public as pub


def index_document(state: AppState) -> dict[str, Any]:
    db = state.db
    return registry.index(db.version, db.built_at, db.synthetic)


async def index(call: Call) -> Document:
    return Document(index_document(call.state))


async def version(call: Call) -> Document:
    db = call.state.db
    return Document({"dataset_version": db.version, "built_at": db.built_at,
                     "synthetic": db.synthetic, "api_version": API_VERSION})


async def health(_: Call) -> Document:
    """Liveness: the process answers. Needs no database connection."""
    return Document({"status": "ok"})


async def ready(call: Call) -> Document:
    """Readiness: the database answers within the pool's checkout time."""
    if await call.state.db.ready():
        return Document({"status": "ok", "database": "ok"})
    raise ApiError(503, "the database does not answer", headers={"Retry-After": "5"})


ENDPOINTS = [
    Endpoint("/v1", "get_index", "Links to every collection and the dataset version",
             handle=index, lang=True, tag="service", doc=Doc(pub.ServiceIndex)),
    Endpoint("/version", "get_version", "Dataset and service version", handle=version,
             tag="service", doc=Doc(pub.VersionInfo)),
    Endpoint("/health", "get_health", "The process is alive (no database needed)",
             handle=health, cache=False, tag="service", doc=Doc(pub.Health)),
    Endpoint("/health/ready", "get_readiness", "The database answers", handle=ready,
             cache=False, tag="service", doc=Doc(pub.Health, responses=(503,))),
]
