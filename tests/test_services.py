"""The query layer on its own: filters, sorts, ties, year-on-year change, cache bounds."""

from __future__ import annotations

from typing import Any

import pytest

from api.errors import ApiError
from api.services import catalog, figures, rankings, scores
from api.services.context import Years
from api.services.paging import PageRequest

ALL = PageRequest(1000)


def test_indicator_filters(ctx: Any) -> None:
    f = catalog.IndicatorFilter
    mains = catalog.list_indicators(ctx, f(framework="DTI_922_2022-province", kind="main"), ALL)
    assert len(mains.items) == 9 and {i["kind"] for i in mains.items} == {"main"}
    national = catalog.list_indicators(ctx, f(level="national"), ALL).items
    assert {i["level"] for i in national} == {"national"}
    assert {i["code"] for i in national} >= {"UN_EGDI", "DTI", "GOV"}
    children = catalog.list_indicators(ctx, f(framework="DTI_405_2025-national", parent="DTI"),
                                       ALL).items
    assert [i["code"] for i in children] == ["GOV", "ECO", "SOC"]
    assert [i["weight"] for i in children] == [40, 30, 30]


def test_indicator_detail_picks_the_edition(ctx: Any) -> None:
    latest = catalog.get_indicator(ctx, "AWARENESS", None)
    assert latest["framework_id"] == "DTI_405_2025-province"
    assert catalog.get_indicator(ctx, "UN_EGDI", None)["framework_id"] is None
    old = catalog.get_indicator(ctx, "CYBERSECURITY", "DTI_1726_2020-province")
    assert old["name_vi"] == "An toàn, an ninh mạng" and old["parent"]["code"] == "DTI"
    with pytest.raises(ApiError) as error:
        catalog.get_indicator(ctx, "AWARENESS", "DTI_1726_2020-province")
    assert error.value.status == 404


def test_entity_filters(ctx: Any) -> None:
    f = catalog.EntityFilter
    municipalities = catalog.list_entities(ctx, f(kinds=("municipality",)), ALL).items
    assert {e["code"] for e in municipalities if not e["code"].startswith("M-")} == {
        "01", "31", "48", "79", "92"}
    delta = catalog.list_entities(ctx, f(region="Mekong River Delta"), ALL).items
    assert len(delta) == 13 and all(e["region"] == "Mekong River Delta" for e in delta)
    service = catalog.list_entities(ctx, f(cohort="ministries-public-services"), ALL).items
    assert len(service) == 17 and all(e["has_public_services"] for e in service)
    assert catalog.list_entities(ctx, f(q="HO CHI"), ALL).items[0]["name_vi"] == "Hồ Chí Minh"
    assert catalog.list_entities(ctx, f(q="%"), ALL).items == []  # LIKE wildcards are literal


def test_score_filters_combine(ctx: Any) -> None:
    f = scores.ScoreFilter(years=Years(ranges=((2020, 2021),)), indicators=("GOV", "ECO"),
                           has_value=True)
    rows = scores.list_scores(ctx, f, (), ALL).items
    assert rows and all(2020 <= r["year"] <= 2021 and r["indicator"] in ("GOV", "ECO")
                        and r["value"] is not None for r in rows)
    by_cohort = scores.list_scores(ctx, scores.ScoreFilter(cohorts=("nation",)), (), ALL).items
    assert {r["entity_code"] for r in by_cohort} == {"VN"}
    with pytest.raises(ValueError, match="unknown sort key 'colour'"):
        scores.parse_sort("year,colour")


def test_default_score_order_is_year_entity_indicator(ctx: Any) -> None:
    rows = scores.list_scores(ctx, scores.ScoreFilter(), (), ALL).items
    keys = [(r["year"], r["entity_code"], r["indicator"]) for r in rows]
    assert keys == sorted(keys)


def test_ranking_ties_and_competition_numbering(ctx: Any) -> None:
    page, meta = rankings.ranking(ctx, rankings.RankingRequest(2022), ALL)
    ranks = [e["rank"] for e in page.items]
    assert ranks.count(15) == 2 and 16 not in ranks and 17 in ranks
    assert meta["ranked"] == 63 and meta["complete"]


def test_year_on_year_change_needs_a_comparable_figure(ctx: Any) -> None:
    page, _ = rankings.ranking(ctx, rankings.RankingRequest(2023), ALL)
    da_nang = next(e for e in page.items if e["entity_code"] == "48")
    assert (da_nang["rank"], da_nang["previous_rank"], da_nang["rank_change"]) == (1, 1, 0)
    hanoi = next(e for e in page.items if e["entity_code"] == "01")
    assert hanoi["rank"] == 6 and hanoi["previous_rank"] is not None
    assert hanoi["rank_change"] == hanoi["previous_rank"] - 6
    unranked = [e for e in page.items if e["rank"] is None and e["value"] is None]
    assert all(e["previous_rank"] is None or e["rank_change"] is None for e in unranked)
    merged, meta34 = rankings.ranking(ctx, rankings.RankingRequest(2024, cohort="provinces-34"),
                                      ALL)
    assert not meta34["previous_available"]
    assert all(e["previous_rank"] is None for e in merged.items)


def test_ministry_ranking_cohorts(ctx: Any) -> None:
    page, meta = rankings.ranking(
        ctx, rankings.RankingRequest(2022, cohort="ministries-public-services"), ALL)
    assert page.items[0]["entity_code"] == "mpi" and page.items[0]["rank"] == 1
    assert meta["cohort_size"] == 17 and len(page.items) == 17


def test_aggregate_filters_and_conflicts(ctx: Any) -> None:
    f = figures.AggregateFilter(years=Years(values=(2022,)), cohorts=("provinces-63",),
                                statistics=("mean",))
    (mean,) = figures.list_aggregates(ctx, f, ALL).items
    assert {c["value_text"] for c in mean["sources"] + mean["conflicts"]} == {"0.5786", "0.5763"}
    assert len(mean["conflicts"]) == 1
    growth = figures.list_aggregates(ctx, figures.AggregateFilter(
        indicators=("GOV|ECO|SOC",)), ALL).items
    assert {a["statistic"] for a in growth} == {"growth_pct_vs_prev_year_low",
                                                "growth_pct_vs_prev_year_high"}


def test_statistics_and_metric_filters(ctx: Any) -> None:
    f = figures.StatisticFilter(metrics=("DOSSIER_ONLINE_RATE_PCT",))
    rows = figures.list_statistics(ctx, f, ALL).items
    assert len(rows) >= 5 and {r["metric"] for r in rows} == {"DOSSIER_ONLINE_RATE_PCT"}
    dated = figures.list_statistics(ctx, figures.StatisticFilter(dated=True), ALL).items
    assert all(r["as_of"] or r["period_start"] or r["period_end"] for r in dated)
    assert len(catalog.list_metrics(ctx, ALL).items) == 95


def test_coverage_matches_the_scores(ctx: Any) -> None:
    cov = figures.coverage(ctx, figures.CoverageFilter(years=Years(values=(2022,)),
                                                      cohorts=("provinces-63",),
                                                      indicators=("DTI",)), ALL).items
    assert cov == [{"year": 2022, "cohort": "provinces-63", "indicator": "DTI",
                    "cohort_size": 63, "cohort_size_basis": "membership", "with_value": 63,
                    "with_rank": 63, "with_computed_rank": 63, "figures": 63,
                    "unresolved": 0}]


def test_sources_by_tier(ctx: Any) -> None:
    official = figures.list_sources(ctx, figures.SourceFilter("official"), ALL).items
    assert {s["id"] for s in official} == {"dti-gov-vn-xep-hang-2022", "sx_dti_home",
                                           "sx_dti_xh2022", "mic-en-hcm-2022",
                                           "sx_mic_en_egdi2020"}
    assert {s["tier_reason"] for s in official if "mic" in s["id"]} == {
        "Ministry of Information and Communications: in charge of the DTI until the 2025 "
        "merger"}
    # an official page is the served value; a press page that read it differently disagrees
    assert all(f["agrees"] for f in figures.get_source(ctx, "mic-en-hcm-2022")["figures"])
    detail = figures.get_source(ctx, "binhphuoc-honquan-2022")
    assert sum(not f["agrees"] for f in detail["figures"]) == 2


def test_filters_parse_text_and_lists_alike() -> None:
    """REST gives comma-separated text, GraphQL gives lists: one parser, one result."""
    rest = scores.ScoreFilter.parse({"year": "2022,2020", "entity": "49,48,48",
                                     "kind": "province", "has_value": "true"})
    graphql = scores.ScoreFilter.parse({"year": "2022,2020", "entity": ["48", "49"],
                                        "kind": ["province"], "has_value": True})
    assert rest == graphql and rest.entities == ("48", "49")
    with pytest.raises(ApiError) as error:
        scores.ScoreFilter.parse({"cohort": "planets", "year": "2024:2020"})
    assert [e["parameter"] for e in error.value.errors] == ["year", "cohort"]
    assert "unknown value 'planets'; expected one of provinces-63" in error.value.detail


@pytest.mark.parametrize("raw", ["\u0663", "\u00b2", " 12", "12x", "1" * 7, "0", "1001"])
def test_limits_take_ascii_digits_in_range_only(raw: str) -> None:
    from api.services.paging import page_request

    value = raw.encode().decode("unicode_escape")
    with pytest.raises(ApiError) as error:
        page_request(value, None)
    assert error.value.errors == [{"parameter": "limit",
                                   "message": "expected an integer in 1..1000"}]
