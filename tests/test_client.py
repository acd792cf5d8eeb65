"""A client generated from the committed contract (openapi-python-client) calls every
GET operation against a running server and gets its typed model back, never None."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from api.openapi import OPENAPI_PATH

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
# Required arguments per operation (path parameters and required query parameters).
ARGUMENTS: dict[str, dict[str, Any]] = {
    "get_entity": {"code": "48"}, "get_entity_series": {"code": "48"},
    "get_framework": {"id": "DTI_922_2022-province"}, "get_indicator": {"code": "DTI"},
    "get_source": {"id": "dti-gov-vn-xep-hang-2022"}, "get_ranking": {"year": 2022},
    "get_ranking_history": {"entity": "48,49"},
    "get_data_document": {"name": "README.md"},
    "get_table_schema": {"name": "scores"}, "get_explore_province": {"code": "48"},
    "graphql_get": {"query": "{ dataset { version } }"},
    "get_boundaries": {"cohort": "provinces-34"}, "get_tile_grid": {"cohort": "provinces-63"},
}
# text/html and text/markdown: the body is text
TEXT = {"get_docs", "get_data_document", "get_metrics", "get_explore_home", "get_explore_ranking",
        "get_explore_province", "get_explore_coverage", "get_explore_compare",
        "get_explore_search", "get_explore_what_if", "get_llms_txt", "get_llms_full_txt",
        "get_releases_feed",
        "get_release_citation"}
CHARTS = {"get_ranking_chart": {"year": 2022}, "get_series_chart": {"entity": "48,49"},
          "get_profile_chart": {"entity": "48", "year": 2022}, "get_coverage_chart": {},
          "get_map_chart": {"year": 2024}, "get_tiles_chart": {"year": 2022},
          "get_distribution_chart": {"year": 2022},
          # 2024's 34 units: a radar once issue 19's whole table is in the data, else a 404
          "get_radar_chart": {"entity": "M-ha-noi", "year": 2024}}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("client")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    # The release's files are zip, SQLite, CSV...: the generator reads bytes for
    # octet-stream, so it is told that a zip and a database are bytes (its documented
    # content_type_overrides setting, as a user generating a client would).
    config = out / "config.json"
    # Parquet is bytes too; the Atom feed and BibTeX are text it reads as strings.
    config.write_text(json.dumps({"content_type_overrides": {
        "application/zip": "application/octet-stream",
        "application/vnd.sqlite3": "application/octet-stream",
        "application/vnd.apache.parquet": "application/octet-stream",
        "application/atom+xml": "text/plain", "application/x-bibtex": "text/plain"}}))
    done = subprocess.run([shutil.which("openapi-python-client", path=env["PATH"]) or "",
                           "generate", "--path", str(OPENAPI_PATH), "--output-path",
                           str(out / "dti_client"), "--meta", "none", "--config", str(config)],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout
    sys.path.insert(0, str(out))
    yield importlib.import_module("dti_client")
    sys.path.remove(str(out))


def operations(package: Any) -> list[tuple[str, Any]]:
    found = []
    api = Path(package.__file__).parent / "api"
    for module in sorted(api.glob("*/*.py")):
        if module.name == "__init__.py":
            continue
        name = f"{package.__name__}.api.{module.parent.name}.{module.stem}"
        loaded = importlib.import_module(name)
        if '"method": "get"' in module.read_text():
            found.append((module.stem, loaded))
    return found


def wait_for_release(client: Any) -> str:
    """The server builds its release in the background at start: wait for it."""
    http = client.get_httpx_client()
    for _ in range(200):
        answer = http.get("/v1/releases")
        if answer.status_code == 200:
            return str(answer.json()["meta"]["latest"])
        time.sleep(0.1)
    raise AssertionError(f"no release after 20 s: {answer.text[:300]}")


def test_every_get_operation_parses_into_its_model(generated: Any, live_server: str) -> None:
    from dti_client.client import Client  # type: ignore[import-not-found]
    from dti_client.models.problem import Problem  # type: ignore[import-not-found]

    seen = []
    with Client(base_url=live_server, raise_on_unexpected_status=True) as client:
        version = wait_for_release(client)
        arguments = {**ARGUMENTS, "get_release": {"version": version},
                     "get_release_citation": {"version": version},
                     "get_release_file": {"version": version, "file": "datapackage.json"}}
        for name, required in CHARTS.items():  # asked as Vega-Lite: the JSON form
            enum = importlib.import_module(f"dti_client.models.{name}_format")
            kind = getattr(enum, "".join(p.title() for p in name.split("_")) + "Format")
            arguments[name] = {**required, "format_": kind("vl")}
        cohort = importlib.import_module("dti_client.models.get_ranking_what_if_cohort")
        arguments["get_ranking_what_if"] = {  # the one complete main-indicator table
            "year": 2024, "cohort": cohort.GetRankingWhatIfCohort("provinces-34")}
        page = importlib.import_module("dti_client.models.get_explore_what_if_cohort")
        arguments["get_explore_what_if"] = {
            "year": 2024, "cohort": page.GetExploreWhatIfCohort("provinces-34")}
        answers = [(name, module.sync_detailed(client=client, **arguments.get(name, {})))
                   for name, module in operations(generated)]
        radar = client.get_httpx_client().get("/v1/charts/radar?entity=M-ha-noi&year=2024"
                                              "&format=vl").status_code
    for name, response in answers:
        if name == "get_radar_chart" and radar == 404:  # no complete table: a problem
            assert response.status_code == 404 and isinstance(response.parsed, Problem)
            seen.append(name)
            continue
        assert response.status_code == 200, (name, response.content[:300])
        parsed = response.parsed
        assert parsed is not None and not isinstance(parsed, Problem), name
        if name in TEXT:
            assert isinstance(parsed, str) and parsed, name
        elif name == "get_release_file":  # a file: its bytes, which parse as the package
            assert json.loads(parsed.payload.read())["name"] == "dti-open-data"
        elif name != "get_openapi":
            assert type(parsed).__module__.startswith("dti_client.models"), (name, parsed)
            assert parsed.to_dict(), name
        seen.append(name)
    documented = {op["operationId"] for path in json.loads(OPENAPI_PATH.read_text())["paths"]
                  .values() for method, op in path.items() if method == "get"}
    assert set(seen) == documented and len(seen) >= 24


def test_typed_fields_survive_the_round_trip(generated: Any, live_server: str) -> None:
    from dti_client.api.catalog import list_indicators  # type: ignore[import-not-found]
    from dti_client.api.data import get_ranking  # type: ignore[import-not-found]
    from dti_client.client import Client  # type: ignore[import-not-found]

    with Client(base_url=live_server, raise_on_unexpected_status=True) as client:
        ranking = get_ranking.sync(client=client, year=2022)
        tree = list_indicators.sync(client=client, framework="DTI_922_2022-province",
                                    tree=True)
    first = ranking.data[0]
    assert (first.entity_code, first.rank, ranking.meta.complete) == ("48", 1, True)
    root = tree.data[0]
    assert root.code == "DTI" and {c.code for c in root.children} >= {"GOV", "ECO", "SOC"}
