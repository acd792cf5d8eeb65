"""schemathesis fuzzes the GraphQL schema: no query may cause a server error."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from tests.test_schemathesis import APP

schema = schemathesis.graphql.from_asgi("/graphql", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_graphql_never_fails_on_the_server(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, response.text
    body = response.json()
    for error in body.get("errors", []):
        assert error["message"] != "Unexpected error.", (case.body, error)
