"""Issue 19: complete rankings without invented ranks, values that agree at the coarser
precision, the weights behind each edition (checked against every total held), what-if
rankings and rank stability. Every test reads the real seeded data."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from api.errors import ApiError
from api.services import method, whatif
from api.services.paging import PageRequest
from models.ranks import agree, competition_ranks, table_precision
from seed.build import DEFAULT_DATA, load
from seed.rows import SeedInvalid
from tests.test_parity import gql, nodes

MAIN = ["AWARENESS", "INSTITUTION", "INFRASTRUCTURE", "HUMAN_RESOURCES", "CYBERSECURITY",
        "GOV_ACTIVITY", "ECO_ACTIVITY", "SOC_ACTIVITY"]


def body(client: Any, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def csv_rows(client: Any, url: str) -> list[dict[str, str]]:
    response = client.get(url + ("&" if "?" in url else "?") + "format=csv")
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


# the rules, on their own ----------------------------------------------------------------

def test_values_agree_at_the_coarser_precision_only() -> None:
    assert agree("0.54146", "0.5415") and agree("0.5415", "0.54146")
    assert agree("0.834", "0.8340")
    assert not agree("0.8219", "0.8218") and not agree("0.54144", "0.5415")


def test_competition_ranking_shares_ties_and_skips() -> None:
    assert competition_ranks({"a": 3.0, "b": 2.0, "c": 2.0, "d": 1.0}) == {
        "a": 1, "b": 2, "c": 2, "d": 4}
    assert table_precision(["0.8340", "0.834", "0.7951", "0.54146"]) == 4


# 2. complete rankings, computed ranks beside the published ones -------------------------

def test_2022_computed_ranks_agree_with_all_63_published_ones_tie_included(client: Any
                                                                          ) -> None:
    ranking = body(client, "/v1/rankings?year=2022&limit=100")
    meta, entries = ranking["meta"], ranking["data"]
    assert (meta["ranked"], meta["computed"], meta["computed_checked"],
            meta["computed_agree"], meta["computed_only"]) == (63, 63, 63, 63, 0)
    assert meta["computed_precision"] == 4
    tied = [e for e in entries if e["rank"] == 15]
    assert len(tied) == 2 and {e["computed_rank"] for e in tied} == {15}
    assert all(e["computed_rank"] == e["rank"] for e in entries)


def test_2023_has_63_values_16_published_and_47_computed_ranks(client: Any) -> None:
    ranking = body(client, "/v1/rankings?year=2023&limit=100")
    meta, entries = ranking["meta"], ranking["data"]
    assert (len(entries), meta["with_value"], meta["ranked"]) == (63, 63, 16)
    assert (meta["computed"], meta["computed_only"], meta["computed_agree"]) == (63, 47, 16)
    assert meta["complete"] is False  # published ranks are still 16 of 63
    only = [e for e in entries if e["rank"] is None]
    assert len(only) == 47
    assert all(e["computed_rank"] and e["computed_rank_basis"] == "computed_from_values"
               for e in only)
    # An Giang and Phú Yên share rank 59 in the published table and in the computed one.
    shared = {e["entity_code"]: e for e in entries if e["entity_code"] in ("89", "54")}
    assert {e["rank"] for e in shared.values()} == {59}
    assert {e["computed_rank"] for e in shared.values()} == {59}
    ranks = [e["rank"] if e["rank"] is not None else e["computed_rank"] for e in entries]
    assert ranks == sorted(ranks)  # listed in rank order, published or computed
    for line, entry in zip(csv_rows(client, "/v1/rankings?year=2023"), entries, strict=True):
        assert (line["computed_rank"], line["computed_rank_basis"]) == (
            str(entry["computed_rank"]), "computed_from_values")
        assert line["rank"] == ("" if entry["rank"] is None else str(entry["rank"]))


def test_a_computed_rank_never_replaces_a_published_one(client: Any) -> None:
    scores = {(s["entity_code"], s["cohort"]): s["rank"] for s in body(
        client, "/v1/scores?year=2024&indicator=DTI&limit=1000")["data"]}
    for cohort, published, computed_only in (("provinces-63", 6, 57), ("provinces-34", 34, 0)):
        ranking = body(client, f"/v1/rankings?year=2024&cohort={cohort}&limit=100")
        assert ranking["meta"]["ranked"] == published
        assert ranking["meta"]["computed_only"] == computed_only
        for entry in ranking["data"]:
            assert entry["rank"] == scores.get((entry["entity_code"], cohort))


def test_a_cohort_with_missing_values_gets_no_computed_rank(client: Any) -> None:
    meta = body(client, "/v1/rankings?year=2021")["meta"]
    assert meta["with_value"] < 63 and meta["computed"] == 0
    entries = body(client, "/v1/rankings?year=2021&limit=100")["data"]
    assert {e["computed_rank"] for e in entries} == {None}


def test_year_on_year_change_says_what_each_side_rests_on(client: Any) -> None:
    entries = {e["entity_code"]: e for e in body(
        client, "/v1/rankings?year=2024&cohort=provinces-63&limit=100")["data"]}
    before = {e["entity_code"]: e for e in body(
        client, "/v1/rankings?year=2023&limit=100")["data"]}
    both_computed = [e for c, e in entries.items() if e["rank"] is None
                     and before[c]["rank"] is None]
    assert both_computed
    for e in both_computed:
        assert (e["rank_change_basis"], e["previous_rank_basis"]) == (
            "computed_from_values", "computed_from_values")
        assert e["previous_rank"] == before[e["entity_code"]]["computed_rank"]
        assert e["rank_change"] == e["previous_rank"] - e["computed_rank"]
    danang = entries["48"]
    assert (danang["rank"], danang["rank_change_basis"], danang["previous_rank_basis"]) == (
        2, "stated", "stated")


def test_coverage_counts_computed_ranks(client: Any) -> None:
    rows = {(r["year"], r["cohort"]): r for r in body(
        client, "/v1/coverage?indicator=DTI&cohort=provinces-63,provinces-34")["data"]}
    assert {k: (r["with_value"], r["with_rank"], r["with_computed_rank"])
            for k, r in rows.items() if k[0] >= 2022} == {
        (2022, "provinces-63"): (63, 63, 63), (2023, "provinces-63"): (63, 16, 63),
        (2024, "provinces-63"): (63, 6, 63), (2024, "provinces-34"): (34, 34, 34)}
    g = gql(client, '{ coverage(year: "2023", cohort: ["provinces-63"], indicator: ["DTI"]) '
                    "{ edges { node { withComputedRank } } } }")
    assert nodes(g["coverage"]) == [{"withComputedRank": 63}]


# 3. one figure when the values agree at the coarser precision ---------------------------

def test_quang_binh_2022_is_one_figure_from_three_sources(client: Any) -> None:
    [row] = body(client, "/v1/scores?entity=44&year=2022&indicator=DTI")["data"]
    assert (row["value_text"], row["rank"], row["conflict_status"]) == ("0.54146", 46, "none")
    assert {s["source_id"] for s in row["sources"]} == {
        "dti-gov-vn-xep-hang-2022", "quangbinh-gov-2022", "gh-opendx-dti2022-json"}
    assert row["conflicts"] == []
    statuses = [s["conflict_status"] for s in body(client, "/v1/scores?limit=1000")["data"]]
    assert statuses.count("unresolved") == 3  # the real conflicts stay


# 4. the method behind each edition ------------------------------------------------------

def test_each_edition_serves_its_weights_and_their_check(client: Any) -> None:
    new = body(client, "/v1/frameworks/DTI_405_2025-province")["data"]["method"]
    assert new["weights_basis"] == "inferred_from_published_tables"
    assert [w["indicator"] for w in new["weights"]] == MAIN
    assert [w["points"] for w in new["weights"]] == [50, 50, 140, 100, 100, 200, 150, 150]
    assert new["total_points"] == 940
    [check] = new["checks"]
    assert (check["year"], check["cohort"], check["rows_checked"], check["cohort_size"]) == (
        2024, "provinces-34", 34, 34)
    assert check["max_deviation"] <= check["tolerance"] == 0.0001
    old = body(client, "/v1/frameworks/DTI_922_2022-province")["data"]["method"]
    assert [round(w["weight"] * 100, 6) for w in old["weights"]] == [10, 10, 10, 10, 10, 20,
                                                                     15, 15]
    assert [(c["year"], c["rows_checked"]) for c in old["checks"]] == [(2022, 10), (2023, 10)]
    national = body(client, "/v1/frameworks/DTI_405_2025-national")["data"]["method"]
    assert national["weights"] == [] and [p["weight"] for p in national["pillars"]] == [
        40, 30, 30]


def test_the_weights_recompute_every_total_held(client: Any) -> None:
    """Independently of the loader: every entity with the DTI and all 8 main indicators
    published, in every year, gets its total back within one unit of the 4th decimal."""
    checked = 0
    for framework in body(client, "/v1/frameworks")["data"]:
        found = body(client, f"/v1/frameworks/{framework['id']}")["data"]["method"]
        if not found or not found["weights"]:
            continue
        points = {w["indicator"]: w["points"] for w in found["weights"]}
        for check in found["checks"]:
            figures: dict[str, dict[str, float]] = {}
            for s in body(client, f"/v1/scores?year={check['year']}&cohort={check['cohort']}"
                                  f"&has_value=true&limit=1000")["data"]:
                figures.setdefault(s["entity_code"], {})[s["indicator"]] = s["value"]
            complete = {e: f for e, f in figures.items() if "DTI" in f and set(points) <= set(f)}
            deviations = [abs(sum(points[i] * f[i] for i in points) / sum(points.values())
                              - f["DTI"]) for f in complete.values()]
            assert len(deviations) == check["rows_checked"] > 0
            assert max(deviations) == pytest.approx(check["max_deviation"], abs=1e-8)
            assert max(deviations) <= 0.0001
            checked += len(deviations)
    assert checked == 54  # 34 rows of 2024, 10 of 2022, 10 of 2023


@pytest.mark.parametrize(("line", "points", "reason"), [
    ("DTI_405_2025,province,AWARENESS,", "60", "more than rounding allows"),
    ("DTI_922_2022,province,AWARENESS,", "90", "publishes 100 points for AWARENESS"),
], ids=["a total not reproduced", "against the published points"])
def test_wrong_weights_stop_the_load(seed_copy: Path, tmp_path: Path, line: str, points: str,
                                     reason: str) -> None:
    path = seed_copy / "framework_weights.csv"
    text = path.read_text(encoding="utf-8")
    start = text.index(line) + len(line)
    path.write_text(text[:start] + points + text[text.index(",", start):], encoding="utf-8")
    with pytest.raises(SeedInvalid) as error:
        load(seed_copy, f"sqlite:///{tmp_path / 'w.sqlite'}")
    assert "framework_weights.csv" in str(error.value) and reason in str(error.value)


# 5. what-if, unofficial -----------------------------------------------------------------

def test_what_if_with_the_official_weights_is_the_official_ranking(client: Any) -> None:
    answer = body(client, "/v1/rankings/what-if?year=2024&cohort=provinces-34"
                          "&weights=50,50,140,100,100,200,150,150")
    official = body(client, "/v1/rankings?year=2024&cohort=provinces-34&limit=100")["data"]
    assert [(e["entity_code"], e["rank"]) for e in official] == [
        (r["entity_code"], r["recomputed_rank"]) for r in answer["data"]]
    assert all(r["official_rank"] == r["recomputed_rank"] and r["rank_shift"] == 0
               for r in answer["data"])
    assert all(abs(r["recomputed_value"] - r["official_value"]) < 0.0001 + 1e-9
               for r in answer["data"])
    meta = answer["meta"]
    assert meta["unofficial"] is True and "Unofficial" in meta["label"] and meta["moved"] == 0
    assert meta["indicators"] == MAIN and sum(meta["weights"]) == pytest.approx(1)
    default = body(client, "/v1/rankings/what-if?year=2024&cohort=provinces-34")
    assert default["data"] == answer["data"]


def test_what_if_normalises_and_moves_ranks(client: Any) -> None:
    url = "/v1/rankings/what-if?year=2024&cohort=provinces-34&weights="
    equal = body(client, url + "1,1,1,1,1,1,1,1")
    assert body(client, url + "2.5,2.5,2.5,2.5,2.5,2.5,2.5,2.5")["data"] == equal["data"]
    assert equal["meta"]["moved"] > 0
    assert equal["meta"]["weights"] == [0.125] * 8
    by_code = {r["entity_code"]: r for r in equal["data"]}
    assert by_code["M-thanh-hoa"]["rank_shift"] == by_code["M-thanh-hoa"]["official_rank"] - \
        by_code["M-thanh-hoa"]["recomputed_rank"]
    lines = csv_rows(client, url + "1,1,1,1,1,1,1,1")
    assert [(r["entity_code"], int(r["recomputed_rank"])) for r in lines] == [
        (r["entity_code"], r["recomputed_rank"]) for r in equal["data"]]


@pytest.mark.parametrize(("query", "status", "parameter"), [
    ("year=2024&cohort=provinces-34&weights=1,2", 400, "weights"),
    ("year=2024&cohort=provinces-34&weights=0,0,0,0,0,0,0,0", 400, "weights"),
    ("year=2024&cohort=provinces-34&weights=-1,1,1,1,1,1,1,1", 400, "weights"),
    ("year=2024&cohort=provinces-34&weights=1e3,1,1,1,1,1,1,1", 400, "weights"),
    ("year=2024&cohort=provinces-34&weights=10000,1,1,1,1,1,1,1", 400, "weights"),
    ("year=2024&cohort=provinces-34&weights=nan,1,1,1,1,1,1,1", 400, "weights"),
    ("year=2023", 400, "cohort"),
    ("year=2024", 400, "cohort"),
    ("cohort=provinces-34", 400, "year"),
    ("year=2019&cohort=provinces-34", 404, None),
], ids=["count", "all zero", "negative", "exponent", "too large", "nan", "incomplete 2023",
        "incomplete 63 in 2024", "no year", "no data"])
def test_what_if_refuses_what_it_cannot_answer(client: Any, query: str, status: int,
                                               parameter: str | None) -> None:
    response = client.get(f"/v1/rankings/what-if?{query}")
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if parameter:
        assert [e["parameter"] for e in response.json()["errors"]] == [parameter]


def test_what_if_service_labels_every_answer(ctx: Any) -> None:
    page, meta = whatif.what_if(ctx, whatif.WhatIfRequest(2024, "provinces-34",
                                                          (0, 0, 0, 0, 0, 1, 0, 0)))
    rows = page.items
    assert meta["unofficial"] and meta["official_weights_basis"] == \
        "inferred_from_published_tables"
    assert rows[0]["recomputed_rank"] == 1
    with pytest.raises(ApiError) as error:
        whatif.what_if(ctx, whatif.WhatIfRequest(2022, "provinces-63"))
    assert error.value.status == 400 and "10 of 63" in error.value.detail


# 6. rank stability ----------------------------------------------------------------------

def test_stability_is_served_alone_and_with_the_ranking(client: Any) -> None:
    answer = body(client, "/v1/rankings/stability?year=2024&cohort=provinces-34&limit=100")
    [analysis] = answer["meta"]["analyses"]
    assert (analysis["draws"], analysis["spread"], analysis["bins"]) == (4000, 0.25, 20)
    assert set(analysis["shares"]) == set(MAIN) and analysis["driver"] in MAIN
    assert analysis["driver"] == max(analysis["shares"], key=analysis["shares"].get)
    rows = {r["entity_code"]: r for r in answer["data"]}
    assert len(rows) == 34
    ranking = body(client, "/v1/rankings?year=2024&cohort=provinces-34&limit=100")["data"]
    for entry in ranking:
        row = rows[entry["entity_code"]]
        low, high = row["rank_interval"]
        assert low <= row["rank_median"] <= high
        assert row["recomputed_rank"] == entry["rank"]  # the official weights give it back
        assert (entry["rank_median"], entry["rank_interval"]) == (
            row["rank_median"], row["rank_interval"])
    assert {e["rank_interval"] is None for e in body(
        client, "/v1/rankings?year=2023&limit=100")["data"]} == {True}
    lines = csv_rows(client, "/v1/rankings/stability")
    assert {r["entity_code"]: r["rank_interval"] for r in lines} == {
        c: f"{r['rank_interval'][0]};{r['rank_interval'][1]}" for c, r in rows.items()}


def test_stability_service_filters(ctx: Any) -> None:
    page, meta = method.stability(ctx, method.StabilityFilter(cohorts=("provinces-63",)),
                                  PageRequest(100))
    assert page.items == [] and meta["analyses"] == []


DUMP = """
import json, sqlite3, sys
from seed.build import DEFAULT_DATA, load
load(DEFAULT_DATA, f"sqlite:///{sys.argv[1]}")
db = sqlite3.connect(sys.argv[1])
out = {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
       for t in ("rankstability", "stabilityanalysis")}
out["rankingentry"] = db.execute("SELECT entity_code, rank_median, rank_p05, rank_p95 FROM "
                                 "rankingentry WHERE rank_median IS NOT NULL ORDER BY 1")\\
    .fetchall()
sys.stdout.write(json.dumps(out))
"""


def test_stability_is_byte_identical_across_two_processes(tmp_path: Path) -> None:
    outputs = []
    for run, hashseed in (("a", "1"), ("b", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        done = subprocess.run([sys.executable, "-c", DUMP, str(tmp_path / f"{run}.sqlite")],
                              capture_output=True, env=env, check=True,
                              cwd=DEFAULT_DATA.parents[1])
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    dumped = json.loads(outputs[0])
    assert len(dumped["rankstability"]) == 34 and len(dumped["rankingentry"]) == 34


RAW = {"gh-opendx-dti2022-json": "frontend_public_dti_2022_map.json",
       "gh-opendx-dti2023-json": "frontend_public_dti_2023_map.json",
       "gh-opendx-dti2024-63-json": "frontend_public_dti_2024_63_tinh_map.json",
       "gh-opendx-dti2024-34-json": "frontend_public_dti_2024_34_tinh_map.json"}


@pytest.mark.parametrize("source", RAW)
def test_every_scraped_value_is_in_the_raw_copy_kept(client: Any, source: str) -> None:
    """seed/data/raw/opendx keeps the files the gh-opendx-*-json rows were read from."""
    from decimal import Decimal

    raw = json.loads((DEFAULT_DATA / "raw" / "opendx" / RAW[source]).read_text("utf-8"))
    figures = body(client, f"/v1/sources/{source}")["data"]["figures"]
    assert sorted(Decimal(str(r["pdti"])) for r in raw) == sorted(
        Decimal(f["value_text"]) for f in figures if f["kind"] == "score")
    assert len(raw) in (63, 34)


def test_graphql_serves_the_same_computed_ranks_and_intervals(client: Any) -> None:
    rest = body(client, "/v1/rankings?year=2024&cohort=provinces-34&limit=100")
    g = gql(client, '{ ranking(year: 2024, cohort: "provinces-34", first: 100) { computed '
                    "computedAgree entries { edges { node { entityCode computedRank "
                    "computedRankBasis rankMedian rankInterval } } } } }")
    assert (g["ranking"]["computed"], g["ranking"]["computedAgree"]) == (34, 34)
    assert [(n["entityCode"], n["computedRank"], n["computedRankBasis"], n["rankMedian"],
             n["rankInterval"]) for n in nodes(g["ranking"]["entries"])] == [
        (e["entity_code"], e["computed_rank"], e["computed_rank_basis"], e["rank_median"],
         e["rank_interval"]) for e in rest["data"]]
