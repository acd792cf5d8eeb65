"""Property-based tests of every operation against the committed OpenAPI document."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.settings import Settings
from seed.build import DEFAULT_DATA, load
from tests.conftest import TEST_RATE_LIMIT

# schemathesis parametrizes at collection time, so the app is built here, not in a fixture;
# the folder goes when the interpreter exits.
_TMP = tempfile.TemporaryDirectory(prefix="dti-schemathesis-")
_DB = Path(_TMP.name) / "dti.sqlite"
load(DEFAULT_DATA, f"sqlite:///{_DB}")
APP = create_app(Settings(database_url=f"sqlite:///{_DB}", rate_limit=TEST_RATE_LIMIT))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
# derandomize: CI runs the same cases every time; drop it locally to explore new ones.
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_conforms(case: Any) -> None:
    # 400s no schema can express: a generated cursor is never validly signed, a descending
    # year range (2024:2020) is refused on purpose, and a what-if needs a year and cohort
    # whose main-indicator table is complete and one weight per main indicator of that
    # edition (both are data). Every other check stays on.
    query = case.query or {}
    unexpressible = "cursor" in query or ":" in str(query.get("year", "")) \
        or case.path in ("/v1/rankings/what-if", "/explore/what-if")
    excluded = [schemathesis.checks.positive_data_acceptance] if unexpressible else []
    response = case.call_and_validate(excluded_checks=excluded)
    assert response.status_code < 500
