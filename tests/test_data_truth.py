"""How sure each figure is: conflict status, tiers by role, rank basis, qualifiers, cohort
sizes per year, coverage without holes, lists in exports, rankings across years.

Every test reads the real seeded data; REST JSON, CSV and GraphQL must say the same thing.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from seed.build import load
from seed.rows import SeedInvalid
from tests.test_parity import gql, nodes


def rest(client: Any, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def rows(client: Any, url: str) -> list[dict[str, str]]:
    response = client.get(url + ("&" if "?" in url else "?") + "format=csv")
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


# 1. conflicts decided only by record-keeping are unresolved, everywhere ---------------------

def test_mpi_2022_is_unresolved_in_json_csv_graphql_rankings_and_coverage(client: Any) -> None:
    url = "/v1/scores?entity=mpi&year=2022&indicator=DTI"
    [row] = rest(client, url)["data"]
    assert (row["value"], row["conflict_status"]) == (0.8219, "unresolved")
    assert [c["value_text"] for c in row["conflicts"]] == ["0.8218"]
    [line] = rows(client, url)
    assert (line["value_text"], line["conflict_status"], line["conflicts"]) == (
        "0.8219", "unresolved", "vietnamnet-dti2022-mpi")
    g = gql(client, '{ scores(filter: {entity: ["mpi"], year: "2022", indicator: ["DTI"]}) '
                    "{ edges { node { valueText conflictStatus rankBasis qualifier } } } }")
    assert nodes(g["scores"]) == [{"valueText": "0.8219", "conflictStatus": "unresolved",
                                   "rankBasis": "stated", "qualifier": None}]
    ranking = rest(client, "/v1/rankings?year=2022&cohort=ministries-public-services")
    assert ranking["meta"]["unresolved"] == 1
    assert [e["conflict_status"] for e in ranking["data"] if e["entity_code"] == "mpi"] == [
        "unresolved"]
    [cov] = rest(client, "/v1/coverage?year=2022&cohort=ministries-public-services"
                         "&indicator=DTI")["data"]
    assert cov["unresolved"] == 1


def test_every_status_is_explained_by_the_claims(client: Any) -> None:
    """none: no source disagrees; resolved_by_tier: the served sources outrank every
    disagreeing one; resolved_by_agreement: same best tier, more sources; unresolved: a tie."""
    order = {"official": 0, "government": 1, "press": 2, "third-party": 3}
    seen: dict[str, int] = {}
    for row in rest(client, "/v1/scores?limit=1000")["data"]:
        status = row["conflict_status"]
        seen[status] = seen.get(status, 0) + 1
        if status == "none":
            assert row["conflicts"] == []
            continue
        best = min(order[s["tier"]] for s in row["sources"])
        rival = min(order[c["tier"]] for c in row["conflicts"])
        if status == "resolved_by_tier":
            assert best < rival, row["id"]
        else:
            assert best == rival, row["id"]
    assert seen["none"] > 400 and seen["resolved_by_tier"] >= 1 and seen["unresolved"] == 3


# 2. tiers follow the publisher's role, from a reviewed table --------------------------------

def test_the_ministry_in_charge_is_official_and_says_why(client: Any) -> None:
    sources = {s["id"]: s for s in rest(client, "/v1/sources?tier=official&limit=1000")["data"]}
    mic = sources["mic-en-hcm-2022"]
    assert mic["url"].startswith("https://mic.gov.vn/")
    assert "in charge of the DTI" in mic["tier_reason"]
    press = rest(client, "/v1/sources/kdtt-dti-2022")["data"]
    assert press["tier"] == "press" and press["tier_reason"]
    [line] = [r for r in rows(client, "/v1/sources?tier=official") if r["id"] == mic["id"]]
    assert line["tier_reason"] == mic["tier_reason"]


def test_the_tier_table_overrides_the_hostname_rule(seed_copy: Path, tmp_path: Path) -> None:
    table = seed_copy / "source_tiers.csv"
    kept = [line for line in table.read_text(encoding="utf-8").splitlines()
            if "mic.gov.vn" not in line]
    table.write_text("\n".join(kept) + "\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'tiers.sqlite'}"
    load(seed_copy, url)
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        tier = conn.execute(text("SELECT tier FROM source WHERE id='mic-en-hcm-2022'")).scalar()
    engine.dispose()
    assert tier == "government"  # without the reviewed row, *.gov.vn is a government portal


# 3. rank basis and qualifiers, read from the notes once -------------------------------------

def test_2023_ministry_ranks_from_list_order_say_so(client: Any) -> None:
    ranking = rest(client, "/v1/rankings?year=2023&cohort=ministries-public-services")
    basis = {e["entity_code"]: e["rank_basis"] for e in ranking["data"] if e["rank"]}
    assert basis["mpi"] == "stated" and basis["mof"] == "list_order"
    assert ranking["meta"]["rank_bases"] == {"list_order": 4, "stated": 3}
    [mof] = rest(client, "/v1/scores?entity=mof&year=2023&indicator=DTI")["data"]
    assert mof["rank_basis"] == "list_order" and mof["rank"] == 2
    g = gql(client, "{ ranking(year: 2023, cohort: \"ministries-public-services\") "
                    "{ rankBases } }")
    assert g["ranking"]["rankBases"] == ranking["meta"]["rank_bases"]


QUALIFIER_WORDS = {"gần": "approximately", "nearly": "approximately",
                   "about": "approximately", "approximately": "approximately", "trên": "more_than",
                   "more than": "more_than", "over": "more_than"}

# quotes in a note that qualify another quantity than the row's value (read and reviewed)
NOT_THE_VALUE = {"'over 80% available online"}  # the row counts procedures (1,654)


def test_statistics_published_as_nearly_or_more_than_carry_it(client: Any) -> None:
    """Every statistic whose note quotes 'gần …'/'nearly …' or 'trên …'/'more than …' has the
    qualifier; none without.

    Thanh Hóa's statistics (the May 2021 interview, July 2025) quote exact counts, so they
    carry none: the table leaves a qualifier empty rather than guess."""
    statistics = rest(client, "/v1/statistics?limit=1000")["data"]
    quoted = re.compile(r"['\"](" + "|".join(QUALIFIER_WORDS) + r")\b([^'\"]*)")
    for s in statistics:
        match = quoted.search(s["note"] or "")
        expected = QUALIFIER_WORDS[match[1]] if match else None
        if match and (" times" in match[2] or match[0] in NOT_THE_VALUE):
            expected = None  # "nearly 4 times the average" qualifies a comparison
        assert s["qualifier"] == expected, (s["id"], s["note"])
    by_id = {s["id"]: s for s in statistics}
    quang_nam = [s for s in statistics if s["entity_code"] == "49"
                 and s["metric"] == "DVCTT_LEVEL34_COUNT"]
    assert [(s["value_text"], s["qualifier"]) for s in quang_nam] == [("1300", "approximately")]
    assert {s["qualifier"] for s in statistics if s["entity_code"] == "38"} == {None}
    csv_rows = {int(r["id"]): r for r in rows(client, "/v1/statistics?entity=49,mpi")}
    for sid, line in csv_rows.items():
        assert (line["qualifier"] or None) == by_id[sid]["qualifier"]
    g = gql(client, '{ statistics(entity: ["49"], first: 100) { edges { node { id qualifier '
                    "} } } }")
    assert {n["id"]: n["qualifier"] for n in nodes(g["statistics"])} == {
        sid: by_id[sid]["qualifier"] for sid in by_id if by_id[sid]["entity_code"] == "49"}


def test_a_caveat_whose_note_changed_stops_the_load(seed_copy: Path, tmp_path: Path) -> None:
    """The reviewed table quotes the note it read; if the note changes, someone must look."""
    path = seed_copy / "public_service_stats.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert "gần 1.300" in lines[112]
    lines[112] = lines[112].replace("gần 1.300", "1.300")
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SeedInvalid) as error:
        load(seed_copy, f"sqlite:///{tmp_path / 'caveat.sqlite'}")
    message = str(error.value)
    assert "figure_caveats.csv" in message and "public_service_stats.csv:113" in message


# 4. cohort sizes per year -------------------------------------------------------------------

def test_cohort_sizes_are_per_year_and_unknown_is_said(client: Any) -> None:
    [molisa] = rest(client, "/v1/scores?entity=molisa&year=2020&indicator=DTI")["data"]
    assert (molisa["rank"], molisa["cohort_size"]) == (18, 18)
    def meta(year: int, cohort: str) -> dict[str, Any]:
        return rest(client, f"/v1/rankings?year={year}&cohort={cohort}")["meta"]
    assert meta(2020, "ministries-public-services")["cohort_size"] == 18
    assert meta(2023, "ministries-public-services")["cohort_size"] == 17
    unknown = meta(2022, "ministries-no-public-services")
    assert (unknown["cohort_size"], unknown["cohort_size_basis"], unknown["complete"]) == (
        None, "unknown", None)
    [cov] = rest(client, "/v1/coverage?year=2022&cohort=ministries-no-public-services"
                         "&indicator=DTI")["data"]
    assert (cov["cohort_size"], cov["cohort_size_basis"]) == (None, "unknown")


# 5. coverage lists empty combinations -------------------------------------------------------

def test_coverage_has_a_zero_row_for_the_nation_in_2020(client: Any) -> None:
    [nation] = rest(client, "/v1/coverage?year=2020&cohort=nation&indicator=DTI")["data"]
    assert (nation["cohort_size"], nation["with_value"], nation["with_rank"]) == (1, 0, 0)
    years = {r["year"] for r in rest(client, "/v1/coverage?cohort=nation&indicator=DTI")["data"]}
    assert years == set(range(2020, 2025))


# 6. lists are exported whole ----------------------------------------------------------------

def test_entities_csv_has_the_merger_codes(client: Any) -> None:
    by_code = {r["code"]: r for r in rows(client, "/v1/entities?kind=province,municipality")}
    assert by_code["48"]["successors"] == "M-da-nang"
    assert by_code["M-da-nang"]["predecessors"] == "48;49"
    assert [p["code"] for p in rest(client, "/v1/entities/M-da-nang")["data"]["predecessors"]] == [
        "48", "49"]


def test_sources_csv_lists_their_figures(client: Any) -> None:
    [line] = [r for r in rows(client, "/v1/sources") if r["id"] == "qn-interview-dti2020"]
    refs = line["figures"].split(";")
    assert len(refs) == int(line["figure_count"]) > 4
    assert all(re.fullmatch(r"(score|aggregate|statistic):\d+", ref) for ref in refs)
    assert {ref.split(":")[0] for ref in refs} == {"score", "aggregate", "statistic"}


def test_merger_is_a_collection_with_csv(client: Any) -> None:
    body = rest(client, "/v1/merger?limit=1000")
    assert body["meta"]["total"] == 63 == len(body["data"])
    assert len({m["new_code"] for m in body["data"]}) == 34
    links = {m["old_code"]: m for m in body["data"]}
    assert (links["49"]["new_code"], links["49"]["valid_from"]) == ("M-da-nang", "2025-07-01")
    assert links["49"]["source_id"]
    csv_links = {r["old_code"]: r["new_code"] for r in rows(client, "/v1/merger")}
    assert csv_links == {k: v["new_code"] for k, v in links.items()}
    g = gql(client, "{ merger(first: 100) { totalCount edges { node { oldCode newCode } } } }")
    assert {n["oldCode"]: n["newCode"] for n in nodes(g["merger"])} == csv_links


# 7. rankings across years in one call -------------------------------------------------------

def test_da_nang_ranking_history_2020_to_2024_in_one_csv(client: Any) -> None:
    lines = rows(client, "/v1/rankings/history?entity=48&year=2020:2024")
    assert [int(r["year"]) for r in lines] == [2020, 2021, 2022, 2023, 2024]
    assert [r["framework_id"] for r in lines] == [
        "DTI_1726_2020-province", "DTI_1726_2020-province", "DTI_922_2022-province",
        "DTI_922_2022-province", "DTI_405_2025-province"]
    assert [r["rank"] for r in lines] == ["1", "1", "1", "1", "2"]
    # y/y change is between consecutive editions only
    assert [r["rank_change"] for r in lines] == ["", "0", "0", "0", "-1"]
    body = rest(client, "/v1/rankings/history?entity=48,49&year=2020:2024")
    assert {(e["entity_code"], e["year"]) for e in body["data"]} >= {
        ("48", y) for y in range(2020, 2025)}
    editions = {e["year"]: e["framework_id"] for e in body["meta"]["editions"]}
    assert editions == {int(r["year"]): r["framework_id"] for r in lines}
    g = gql(client, '{ rankingHistory(entity: ["48"], years: "2020:2024") { entries '
                    "{ edges { node { year rank frameworkId } } } } }")
    assert [(n["year"], n["rank"], n["frameworkId"]) for n in
            nodes(g["rankingHistory"]["entries"])] == [
        (int(r["year"]), int(r["rank"]), r["framework_id"]) for r in lines]


def test_history_needs_an_entity(client: Any) -> None:
    response = client.get("/v1/rankings/history")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["parameter"] for e in response.json()["errors"]] == ["entity"]
