"""The data release, checked with the tools researchers use: frictionless, pandas,
sha256sum's format, rdflib for the catalog metadata, HTTP Range for resumed downloads."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import rdflib
import yaml
from frictionless import validate

from api.cli import main
from api.release.identity import RELEASES
from api.release.package import build
from api.release.store import Releases
from api.services.tables import RESOURCES
from seed.build import DEFAULT_DATA, dataset_version, load

TYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SCHEMA = rdflib.Namespace("https://schema.org/")


@pytest.fixture(scope="module")
def release(cached_app: Any) -> tuple[dict[str, Any], Path]:
    """The release the app built in the background at start-up (waited for here)."""
    store = cached_app.state.api.part(Releases)
    return store.wait(), store.directory


def table(root: Path, package: dict[str, Any], name: str) -> pd.DataFrame:
    """A resource read as the release README tells researchers to read it."""
    resource = next(r for r in package["resources"] if r["name"] == name)
    types = {f["name"]: TYPES[f["type"]] for f in resource["schema"]["fields"]}
    return pd.read_csv(root / resource["path"], dtype=types, keep_default_na=False,
                       na_values=[""])


def test_frictionless_finds_no_error(release: tuple[dict[str, Any], Path]) -> None:
    _, root = release
    report = validate(root / "datapackage.json")
    assert report.valid, [(t.name, e.type, e.note) for t in report.tasks for e in t.errors]
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["entities"] == 126 and rows["scores"] == 931 and rows["merger"] == 63
    assert len(rows) == 16  # 15 tables (stability among them) and the wide panel


def test_frictionless_catches_an_unknown_entity(release: tuple[dict[str, Any], Path],
                                                tmp_path: Path) -> None:
    """A scores row naming no entity breaks the foreign key, and only that."""
    _, root = release
    broken = tmp_path / "broken"
    shutil.copytree(root, broken)
    scores = broken / "data" / "scores.csv"
    lines = scores.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = next(csv.reader([lines[1]]))
    fields[0], fields[2] = "99999", "ZZ"  # a new id, an entity code that does not exist
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    scores.write_text("".join(lines) + out.getvalue(), encoding="utf-8")
    package = json.loads((broken / "datapackage.json").read_text(encoding="utf-8"))
    data = scores.read_bytes()
    entry = next(r for r in package["resources"] if r["name"] == "scores")
    entry["bytes"], entry["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    (broken / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = validate(broken / "datapackage.json")
    errors = [(task.name, e.type, e.note) for task in report.tasks for e in task.errors]
    assert [(task, kind) for task, kind, _ in errors] == [("scores", "foreign-key")]
    assert '"ZZ"' in errors[0][2]


def test_pandas_keeps_codes_as_text_and_ranks_as_nullable_integers(
        release: tuple[dict[str, Any], Path], client: Any) -> None:
    _, root = release
    package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    rankings = table(root, package, "rankings")
    assert str(rankings["entity_code"].dtype) == "string"
    assert str(rankings["rank"].dtype) == "Int64" and rankings["rank"].isna().any()
    assert str(rankings["value_text"].dtype) == "string"
    dti = rankings[(rankings.indicator == "DTI") & (rankings.cohort == "provinces-63")]
    hanoi = dti[(dti.entity_code == "01") & (dti.year == 2022)]
    assert hanoi["rank"].tolist() == [24] and hanoi["value_text"].tolist() == ["0.6098"]
    hanoi_2021 = dti[(dti.entity_code == "01") & (dti.year == 2021)]
    assert hanoi_2021["value_text"].isna().all()  # nothing published: empty, not zero
    da_nang = dti[(dti.entity_code == "48") & (dti.year == 2023)]
    assert da_nang["value_text"].tolist() == ["0.8340"]  # as printed: the zero is kept
    assert da_nang["value"].tolist() == [0.834]
    scores = table(root, package, "scores")
    assert "01" in set(scores["entity_code"]) and str(scores["value"].dtype) == "Float64"
    # Row counts: every collection resource holds exactly what its collection serves.
    for resource in (r for r in RESOURCES if r.in_package and r.operation_id):
        path = {"stability": "rankings/stability"}.get(resource.name, resource.name)
        total = client.get(f"/v1/{path}?limit=1").json()["meta"]["total"]
        assert len(table(root, package, resource.name)) == total, resource.name
    editions = rankings.groupby(["year", "cohort", "indicator"]).size()
    for (year, cohort, indicator), size in editions.items():
        meta = client.get(f"/v1/rankings?year={year}&cohort={cohort}&indicator={indicator}"
                          "&limit=1").json()["meta"]
        assert meta["total"] == size
    panel = table(root, package, "panel")
    assert not panel.duplicated(["entity_code", "year", "cohort"]).any()
    da_nang = panel[(panel.entity_code == "48")].set_index("year")
    assert da_nang.loc[2022, "dti_rank"] == 1 and da_nang.loc[2022, "dti_value"] == 0.8002
    # nothing filled in: a panel cell is empty exactly when no score was published
    published = {(r.entity_code, r.year, r.cohort) for r in scores.itertuples()
                 if r.indicator == "GOV" and pd.notna(r.value)}
    filled = {(r.entity_code, r.year, r.cohort) for r in panel.itertuples()
              if pd.notna(r.gov_value)}
    assert filled and filled <= published


def test_collection_csv_is_the_release_resource_byte_for_byte(
        release: tuple[dict[str, Any], Path], client: Any) -> None:
    _, root = release
    for name in ("scores", "entities", "sources", "coverage"):
        served = client.get(f"/v1/{name}?format=csv").content
        assert served == (root / "data" / f"{name}.csv").read_bytes(), name


def test_checksums_verify_and_the_zip_holds_every_file(
        release: tuple[dict[str, Any], Path]) -> None:
    manifest, root = release
    listed = [line.split("  ", 1) for line in
              (root / "SHA256SUMS").read_text(encoding="utf-8").splitlines()]
    # 16 tables as CSV and Parquet, datapackage, README, CITATION, CHANGES, SQLite, geo/
    assert len(listed) == 42  # and geo/: its data package, two TopoJSON, two tile grids
    for digest, name in listed:
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == digest, name
    archive = root / f"{manifest['name']}.zip"
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        assert names == sorted(names)
        assert {n.split("/", 1)[1] for n in names} == {n for _, n in listed} | {"SHA256SUMS"}
        for _, name in listed:
            assert z.read(f"{manifest['name']}/{name}") == (root / name).read_bytes()
    sqlite = root / f"{manifest['name']}.sqlite"
    import sqlite3
    with sqlite3.connect(f"file:{sqlite}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT count(*) FROM score").fetchone() == (931,)
        assert conn.execute("SELECT version, synthetic FROM dataset").fetchone() == (
            manifest["version"], 0)


def test_two_builds_give_the_same_bytes(cached_app: Any, tmp_path: Path) -> None:
    state = cached_app.state.api
    first = build(state, tmp_path / "a")
    second = build(state, tmp_path / "b")
    assert first == second
    zip_name = f"{first['name']}.zip"
    assert (tmp_path / "a" / zip_name).read_bytes() == (tmp_path / "b" / zip_name).read_bytes()


def test_citation_and_data_dictionary(release: tuple[dict[str, Any], Path]) -> None:
    manifest, root = release
    citation = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "dataset"
    assert citation["version"] == manifest["version"]
    assert str(citation["date-released"]) == manifest["created"][:10]
    assert citation["authors"] and citation["message"]
    readme = (root / "README.md").read_text(encoding="utf-8")
    package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        assert f"### {resource['name']}:" in readme
        for field in resource["schema"]["fields"]:
            assert f"| `{field['name']}` |" in readme
            assert " / " in field["description"]  # English / Vietnamese
    assert "| 2022 | provinces-63 | 63 | " in readme  # coverage per year
    assert "official" in readme and "claims.csv" in readme  # the tier rule


def test_every_served_dataset_version_is_recorded_as_released() -> None:
    with RELEASES.open(encoding="utf-8", newline="") as f:
        recorded = {r["dataset_version"] for r in csv.DictReader(f)}
    version, _ = dataset_version(DEFAULT_DATA)
    assert version in recorded, (
        f"seed/data changed (dataset version {version}): add a row to seed/releases.csv "
        "with the date this version is released")


def test_synthetic_databases_are_never_released(tmp_path: Path, capsys: Any) -> None:
    url = f"sqlite:///{tmp_path / 'synthetic.sqlite'}"
    load(DEFAULT_DATA, url, synthetic=50)
    assert main(["release", "--database-url", url, "--out", str(tmp_path / "out")]) == 2
    assert "synthetic" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_releases_list_files_that_download_as_listed(
        release: tuple[dict[str, Any], Path], client: Any) -> None:
    manifest, _ = release
    body = client.get("/v1/releases").json()
    assert body["meta"] == {"total": 1, "latest": manifest["version"]}
    [listed] = body["data"]
    assert listed["zip"] == f"/v1/releases/{manifest['version']}/{manifest['name']}.zip"
    for entry in listed["files"]:
        response = client.get(entry["url"])
        assert response.status_code == 200, entry["name"]
        assert hashlib.sha256(response.content).hexdigest() == entry["sha256"]
        assert len(response.content) == entry["bytes"]
        assert response.headers["etag"] == f'"{entry["sha256"]}"'
        digest = base64.b64encode(bytes.fromhex(entry["sha256"])).decode()
        assert response.headers["repr-digest"] == f"sha-256=:{digest}:"


def test_a_download_resumes_with_range(release: tuple[dict[str, Any], Path],
                                       client: Any) -> None:
    manifest, root = release
    url = f"/v1/releases/{manifest['version']}/{manifest['name']}.zip"
    whole = (root / f"{manifest['name']}.zip").read_bytes()
    part = client.get(url, headers={"Range": "bytes=1000-"})
    assert part.status_code == 206 and part.content == whole[1000:]
    assert part.headers["content-range"] == f"bytes 1000-{len(whole) - 1}/{len(whole)}"
    etag = part.headers["etag"]
    stale = client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.content == whole  # changed: the whole file
    fresh = client.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert fresh.status_code == 206 and fresh.content == whole[:10]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    head = client.head(url)
    assert head.headers["accept-ranges"] == "bytes" and head.content == b""
    assert 'attachment; filename="dti-open-data-' in head.headers["content-disposition"]
    assert "immutable" in head.headers["cache-control"]
    for bad, status in (("bytes=9999999-", 416), ("items=0-1", 400), ("bytes=5-1", 400)):
        refused = client.get(url, headers={"Range": bad})
        assert refused.status_code == status, bad
        assert refused.headers["content-type"] == "application/problem+json"


def test_latest_redirects_and_unknown_names_are_404(release: tuple[dict[str, Any], Path],
                                                     client: Any) -> None:
    manifest, _ = release
    moved = client.get("/v1/releases/latest/datapackage.json", follow_redirects=False)
    assert moved.status_code == 307
    assert moved.headers["location"] == f"/v1/releases/{manifest['version']}/datapackage.json"
    assert client.get("/v1/releases/latest", follow_redirects=False).headers["location"] == \
        f"/v1/releases/{manifest['version']}"
    zipped = client.get("/v1/releases/latest/dti-open-data-latest.zip")  # the README's URL
    assert zipped.status_code == 200 and zipped.content[:4] == b"PK\x03\x04"
    assert f"dti-open-data-{manifest['version']}.zip" in zipped.headers["content-disposition"]
    for url in ("/v1/releases/0000000000000000/datapackage.json",
                f"/v1/releases/{manifest['version']}/../dti.sqlite",
                f"/v1/releases/{manifest['version']}/release.json"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"


def test_csv_exports_link_their_table_schema(client: Any) -> None:
    response = client.get("/v1/rankings?year=2022&format=csv")
    assert response.headers["link"] == \
        '</v1/schemas/rankings>; rel="describedby"; type="application/json"'
    schema = client.get("/v1/schemas/rankings").json()
    header = next(csv.reader(io.StringIO(response.text)))
    assert [f["name"] for f in schema["fields"]] == header
    types = {f["name"]: TYPES[f["type"]] for f in schema["fields"]}
    frame = pd.read_csv(io.StringIO(response.text), dtype=types, keep_default_na=False,
                        na_values=[""])
    assert frame.loc[frame.entity_code == "01", "entity_code"].tolist() == ["01"]
    series = client.get("/v1/entities/48/series?format=csv")
    assert series.headers["link"].startswith("</v1/schemas/series>")


def _graph(text: str, base: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=text, format="json-ld", publicID=base)


def test_catalog_is_json_ld_naming_every_distribution(
        release: tuple[dict[str, Any], Path], client: Any) -> None:
    manifest, _ = release
    response = client.get("/v1/catalog.jsonld")
    assert response.headers["content-type"].startswith("application/ld+json")
    graph = _graph(response.text, "http://testserver/v1/catalog.jsonld")
    datasets = set(graph.subjects(rdflib.RDF.type, DCAT.Dataset))
    assert datasets == set(graph.subjects(rdflib.RDF.type, SCHEMA.Dataset)) and len(datasets) == 1
    downloads = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    base = f"http://testserver/v1/releases/{manifest['version']}/"
    expected = {base + f"{manifest['name']}.zip", base + f"{manifest['name']}.sqlite",
                base + "datapackage.json",
                *(base + f"data/{name}.{ext}" for name in [
                    *(r.name for r in RESOURCES if r.in_package), "panel_wide"]
                  for ext in ("csv", "parquet"))}
    assert downloads == expected
    served = {base + f["name"] for f in manifest["files"]}
    assert downloads <= served  # every advertised download exists
    [dataset] = datasets
    assert len(set(graph.objects(dataset, DCAT.distribution))) == len(expected) + 1  # + API
    services = set(graph.subjects(rdflib.RDF.type, DCAT.DataService))
    assert {str(u) for s in services for u in graph.objects(s, DCAT.endpointURL)} == {
        "http://testserver/v1"}


def test_landing_page_embeds_the_catalog(client: Any) -> None:
    page = client.get("/", headers={"Accept": "text/html"}).text
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">')
    embedded = page[start:page.index("</script>", start)]
    graph = _graph(embedded, "http://testserver/")
    assert len(set(graph.subjects(rdflib.RDF.type, SCHEMA.Dataset))) == 1
    assert json.loads(embedded) == client.get("/v1/catalog.jsonld").json()


def test_every_csv_the_api_serves_has_a_complete_table_schema(client: Any) -> None:
    """Each collection's CSV names a schema whose fields are its columns, each described
    in English and Vietnamese: no column goes undocumented."""
    from api.services.registry import COLLECTIONS
    from api.services.tables import BY_NAME
    from models.text import columns

    for endpoint in (e for e in COLLECTIONS if e.many):
        assert endpoint.table_name is not None, endpoint.operation_id
        schema = BY_NAME[endpoint.table_name].table_schema()
        assert [f["name"] for f in schema["fields"]] == columns(endpoint.model)
        for field in schema["fields"]:
            en, _, vi = field["description"].partition(" / ")
            assert en and vi, (endpoint.operation_id, field["name"])
    assert client.get("/v1/schemas/nothing").status_code == 404
