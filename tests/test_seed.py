"""The loader: published facts arrive, provenance is kept, bad input is refused."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from api.cli import main
from seed.build import DEFAULT_DATA, dataset_version, load
from seed.rows import SeedInvalid


def query(url: str, sql: str, **params: object) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def score(url: str, year: int, entity: str, indicator: str) -> tuple:
    rows = query(url, "SELECT value_text, rank, cohort, has_conflict FROM score WHERE year=:y "
                      "AND entity_code=:e AND indicator_code=:i", y=year, e=entity, i=indicator)
    assert len(rows) == 1, rows
    return rows[0]


def claims(url: str, year: int, entity: str, indicator: str) -> set[tuple]:
    return set(query(url, """SELECT c.source_id, c.value_text, c.rank, c.agrees FROM claim c
        JOIN score s ON c.figure_kind='score' AND c.figure_id=s.id
        WHERE s.year=:y AND s.entity_code=:e AND s.indicator_code=:i""",
                     y=year, e=entity, i=indicator))


def test_quang_nam_2020_from_the_interview(sqlite_url: str) -> None:
    assert score(sqlite_url, 2020, "49", "DTI") == ("0.3264", 24, "provinces-63", 0)
    assert score(sqlite_url, 2020, "49", "GOV")[:2] == ("0.3539", 31)
    assert score(sqlite_url, 2020, "49", "ECO")[:2] == ("0.2677", 25)
    assert score(sqlite_url, 2020, "49", "SOC")[:2] == ("0.3486", 11)
    assert claims(sqlite_url, 2020, "49", "DTI") == {("qn-interview-dti2020", "0.3264", 24, 1)}
    group = query(sqlite_url, "SELECT group_2020, group_2020_source_id FROM entity "
                              "WHERE code='49'")
    assert group == [(2, "qn-interview-dti2020")]


def test_tay_ninh_2021_and_its_conflicting_national_average(sqlite_url: str) -> None:
    assert score(sqlite_url, 2021, "72", "DTI")[:2] == ("0.3426", 44)
    rows = query(sqlite_url, """SELECT a.value_text, a.has_conflict, c.source_id, c.value_text,
        c.agrees FROM aggregate a JOIN claim c ON c.figure_kind='aggregate' AND c.figure_id=a.id
        WHERE a.year=2021 AND a.cohort='provinces-63' AND a.statistic='mean'""")
    assert {r[:2] for r in rows} == {("0.4014", 1)}
    assert ("baotayninh-2022-08-27", "0.4595", 0) in {r[2:] for r in rows}
    assert sum(1 for r in rows if r[4]) >= 5  # every agreeing source stays on the figure


def test_mpi_2022_keeps_both_published_values(sqlite_url: str) -> None:
    value, rank, cohort, conflict = score(sqlite_url, 2022, "mpi", "DTI")
    assert (rank, cohort, conflict) == (1, "ministries-public-services", 1)
    assert {c[:3] for c in claims(sqlite_url, 2022, "mpi", "DTI")} == {
        ("sx_vns_mpi_2022", "0.8219", 1), ("vietnamnet-dti2022-mpi", "0.8218", 1)}
    assert value in {"0.8219", "0.8218"}


def test_preferred_source_wins_and_majority_breaks_ties(sqlite_url: str, seed_copy: Path,
                                                        tmp_path: Path) -> None:
    # HCMC 2022 GOV pillar: the ministry in charge (mic.gov.vn, official) says 2; a
    # provincial portal and a magazine say 3. The better tier wins.
    assert score(sqlite_url, 2022, "79", "GOV")[1:] == (2, "provinces-63", 1)
    assert ("mic-en-hcm-2022", None, 2, 1) in claims(sqlite_url, 2022, "79", "GOV")
    assert query(sqlite_url, "SELECT conflict_status FROM score WHERE year=2022 AND "
                             "entity_code='79' AND indicator_code='GOV'") == [
        ("resolved_by_tier",)]
    # Within one tier, two press sources outvote one.
    with (seed_copy / "provincial_scores.csv").open("a", encoding="utf-8") as f:
        f.write("2023,30,DTI,,40,vneconomy-2023,test row\n2023,30,DTI,,40,vietbao-2023,test\n"
                "2023,30,DTI,,41,baomoi-quangngai-2023,test\n")
    url = f"sqlite:///{tmp_path / 'vote.sqlite'}"
    load(seed_copy, url)
    assert query(url, "SELECT rank, conflict_status FROM score WHERE year=2023 AND "
                      "entity_code='30' AND indicator_code='DTI'") == [
        (40, "resolved_by_agreement")]
    # Bắc Ninh 2020 pillar values come from a third-party compilation only: still served.
    assert query(sqlite_url, "SELECT tier FROM source WHERE id='hf-letrinhan-vn-dti'") == [
        ("third-party",)]
    assert query(sqlite_url, "SELECT tier FROM source WHERE id='dti-gov-vn-xep-hang-2022'") == [
        ("official",)]


def test_thanh_hoa_online_services_to_may_2021(sqlite_url: str) -> None:
    rows = dict(query(sqlite_url, "SELECT metric, value_text FROM statistic WHERE "
                                  "entity_code='38' AND source_id='thanhhoa-dic-director-2021'"))
    assert rows["DVCTT_LEVEL34_COUNT"] == "835"
    assert rows["LEVEL4_DOSSIER_ONLINE_COUNT"] == "47623"
    assert rows["VIDEO_CONFERENCE_POINTS_COUNT"] == "348"


def test_undated_statistics_stay_undated(sqlite_url: str) -> None:
    rows = query(sqlite_url, "SELECT as_of, period_start, period_end, ref_date, note FROM "
                             "statistic WHERE entity_code='17'")
    assert rows and all(r[:4] == (None, None, None, None) for r in rows)
    assert all("undated" in r[4] for r in rows)
    partial = query(sqlite_url, "SELECT as_of FROM statistic WHERE entity_code='48' AND "
                                "metric='DVCTT_PROVISION_RATE_PCT'")
    assert partial == [("2021-02",)]  # a month stays a month


def test_every_figure_has_a_source_from_a_seed_file(sqlite_url: str) -> None:
    orphans = query(sqlite_url, """SELECT COUNT(*) FROM score s WHERE NOT EXISTS (
        SELECT 1 FROM claim c WHERE c.figure_kind='score' AND c.figure_id=s.id)""")
    assert orphans == [(0,)]
    lines = query(sqlite_url, "SELECT file, line, source_id FROM claim")
    files = {f: (DEFAULT_DATA / f).read_text(encoding="utf-8").splitlines() for f, _, _ in lines}
    for file, line, source in lines:
        assert source in files[file][line - 1], (file, line)
    assert query(sqlite_url, "SELECT COUNT(*) FROM score WHERE synthetic") == [(0,)]


def test_metric_catalog_covers_exactly_the_metrics_used(sqlite_url: str) -> None:
    used = query(sqlite_url, "SELECT DISTINCT metric FROM statistic")
    catalog = query(sqlite_url, "SELECT code FROM metric")
    assert set(used) == set(catalog) and len(catalog) == 95


def test_merger_maps_all_63_provinces_once(sqlite_url: str) -> None:
    assert query(sqlite_url, "SELECT COUNT(DISTINCT old_code), COUNT(DISTINCT new_code) "
                             "FROM entitylink") == [(63, 34)]
    assert query(sqlite_url, "SELECT valid_to FROM entity WHERE code='48'") == [("2025-06-30",)]
    members = query(sqlite_url, "SELECT cohort, COUNT(*) FROM cohortmember GROUP BY cohort")
    assert dict(members)["provinces-63"] == 63 and dict(members)["provinces-34"] == 34


def table_dump(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(conn.execute(f"SELECT * FROM {n}")) for n in names}


def test_loading_twice_gives_the_same_database(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert load(DEFAULT_DATA, f"sqlite:///{first}").version == \
        load(DEFAULT_DATA, f"sqlite:///{second}").version
    assert table_dump(first) == table_dump(second)
    assert first.read_bytes() == second.read_bytes()


def test_version_changes_with_the_data(seed_copy: Path) -> None:
    before = dataset_version(seed_copy)[0]
    with (seed_copy / "provincial_scores.csv").open("a", encoding="utf-8") as f:
        f.write("2023,01,GOV,,9,baothanhhoa-2020,\n")
    assert dataset_version(seed_copy)[0] != before


BAD_INPUT = {
    "unknown province": ("provincial_scores.csv", "2022,99,DTI,0.5,3,baothanhhoa-2020,",
                         "province_code: unknown province '99'"),
    "unknown source": ("provincial_scores.csv", "2022,01,DTI,0.5,3,no-such-source,",
                       "source_id: unknown source 'no-such-source'"),
    "duplicate row": ("provincial_scores.csv", "2020,01,DTI,,43,baothanhhoa-2020,",
                      "source_id: duplicate row"),
    "rank out of range": ("provincial_scores.csv", "2023,01,DTI,,64,baothanhhoa-2020,",
                          "rank: rank 64 is outside 1..63"),
    "post-merger rank out of range": ("provincial_scores.csv",
                                      "2024,M-hue,DTI,,35,baothanhhoa-2020,",
                                      "rank: rank 35 is outside 1..34"),
    "unparsable rank": ("provincial_scores.csv", "2023,01,DTI,0.7,5th,baothanhhoa-2020,",
                        "rank: not an integer: '5th'"),
    "too many cells": ("provincial_scores.csv", "2023,01,DTI,0,71,,baothanhhoa-2020,x",
                       "-: more cells than header columns"),
    "unparsable value": ("provincial_scores.csv", "2023,01,DTI,0;71,5,baothanhhoa-2020,",
                         "value: not a number: '0;71'"),
    "value outside 0..1": ("provincial_scores.csv", "2023,01,DTI,7.1,5,baothanhhoa-2020,",
                           "value: 7.1 is outside 0..1"),
    "unknown indicator": ("provincial_scores.csv", "2023,01,DTII,0.7,5,baothanhhoa-2020,",
                          "indicator: unknown indicator 'DTII'"),
    "unknown metric": ("public_service_stats.csv",
                       "province,48,Đà Nẵng,2021-02,,,NO_SUCH_METRIC,97,percent,sx_bdn_en_2021,",
                       "metric: unknown metric 'NO_SUCH_METRIC'"),
    "bad date": ("public_service_stats.csv",
                 "province,48,Đà Nẵng,2021-13,,,DOSSIER_ONLINE_RATE_PCT,9,percent,sx_bdn_en_2021,",
                 "as_of: not a valid date: '2021-13'"),
    "unknown ministry": ("ministry_scores.csv", "2021,mox,service,DTI,0.5,3,sx_vss_2021,",
                         "ministry_code: unknown ministry 'mox'"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_stops_the_load_and_keeps_the_old_database(
        case: str, seed_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file, line, reason = BAD_INPUT[case]
    database = tmp_path / "dti.sqlite"
    url = f"sqlite:///{database}"
    assert main(["seed", "--quiet", "--data", str(DEFAULT_DATA), "--database-url", url]) == 0
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    path = seed_copy / file
    line_no = len(path.read_text(encoding="utf-8").splitlines()) + 1
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    capsys.readouterr()
    assert main(["seed", "--data", str(seed_copy), "--database-url", url]) == 1
    err = capsys.readouterr().err
    assert f"{file}:{line_no}: {reason}" in err
    assert "the database was not changed" in err
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("dti")) == [
        "dti.sqlite"]


def test_every_problem_is_reported_not_just_the_first(seed_copy: Path) -> None:
    with (seed_copy / "provincial_scores.csv").open("a", encoding="utf-8") as f:
        f.write("2023,99,DTI,0.5,3,baothanhhoa-2020,\n2023,01,DTI,1.5,3,baothanhhoa-2020,\n")
    with pytest.raises(SeedInvalid) as error:
        load(seed_copy, "sqlite:///:memory:")
    assert len(error.value.problems) == 2


def test_missing_column_is_reported_on_the_header(seed_copy: Path) -> None:
    path = seed_copy / "metrics.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",unit,", ",units,", 1),
                    encoding="utf-8")
    with pytest.raises(SeedInvalid) as error:
        load(seed_copy, "sqlite:///:memory:")
    assert str(error.value.problems[0]).startswith("metrics.csv:1: -: missing column(s) unit")


def test_a_sqlite_write_that_fails_midway_keeps_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import seed.build as build

    database = tmp_path / "dti.sqlite"
    load(DEFAULT_DATA, f"sqlite:///{database}")
    before = database.read_bytes()

    def fail(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(build, "write_tables", fail)
    with pytest.raises(RuntimeError):
        load(DEFAULT_DATA, f"sqlite:///{database}")
    assert database.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["dti.sqlite"]


def test_cli_seed_alone_builds_every_table(tmp_path: Path) -> None:
    """The CLI imports only the seed package; the tables must still be registered."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    done = subprocess.run([sys.executable, "-m", "seed", "--quiet", "--database-url", url],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert query(url, "SELECT COUNT(*) FROM score")[0][0] > 400


def test_synthetic_rows_are_flagged_and_refused_for_the_default(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]
                                                                ) -> None:
    url = f"sqlite:///{tmp_path / 'syn.sqlite'}"
    result = load(DEFAULT_DATA, url, synthetic=1000)
    assert result.version.endswith("-synthetic-1000")
    assert query(url, "SELECT synthetic FROM dataset") == [(1,)]
    assert query(url, "SELECT COUNT(*) FROM score WHERE synthetic") == [(1000,)]
    assert query(url, "SELECT COUNT(*) FROM score WHERE synthetic AND entity_code NOT LIKE "
                      "'S-%'") == [(0,)]
    assert query(url, "SELECT DISTINCT c.source_id FROM claim c JOIN score s ON "
                      "c.figure_id = s.id AND c.figure_kind = 'score' WHERE s.synthetic") == [
        ("synthetic-benchmark",)]
    assert main(["seed", "--synthetic", "10"]) == 2  # the default database is never synthetic
    assert "refused" in capsys.readouterr().err


def test_codes_with_separators_are_refused(seed_copy: Path) -> None:
    """Codes travel unquoted in URLs and CSV exports, so the loader keeps them plain."""
    with (seed_copy / "ministries.csv").open("a", encoding="utf-8") as f:
        f.write('"mo,x",Bộ X,Ministry X,true\n')
    with pytest.raises(SeedInvalid) as error:
        load(seed_copy, "sqlite:///:memory:")
    assert "ministries.csv:30: code: code 'mo,x' may only use" in str(error.value)
