"""Tools about the dataset itself: finding an entity, coverage, frameworks, citation."""

from __future__ import annotations

import re
from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from api.app_meta import ATTRIBUTION, LICENCE_CODE
from api.errors import not_found
from api.mcp.answers import (
    AboutAnswer,
    CoverageAnswer,
    CoverageRow,
    EntityMatch,
    FindAnswer,
    FrameworkAnswer,
)
from api.mcp.args import Level, Year, arg
from api.mcp.calls import answer, state_of
from api.mcp.provenance import NOT_HERE, Call, entity_match
from api.release import citation, documents
from api.release.identity import identity
from api.services import catalog, figures
from api.services.paging import MAX_LIMIT, PageRequest
from api.services.params import TEXT_SCHEMA, parse_params
from models import public as pub
from models.text import fold
from models.vocab import KINDS

# Words a name may carry that entity names do not ("Thành phố Hồ Chí Minh", "tỉnh Quảng
# Ninh", "Da Nang city"), tried away when the name as given matches nothing.
FILLER = re.compile(r"\b(thanh pho|tinh|tp\.?|province|city of|city|municipality)(?=\s|$)")
Name = Annotated[str, arg(None, "A name or part of one, in Vietnamese or English, with or "
                                "without diacritics (Quảng Ninh, quang ninh, Da Nang, Bộ Tài "
                                "chính, Ministry of Finance); or a code.", **TEXT_SCHEMA)]
Kind = Annotated[str | None, arg(None, "Only entities of this kind.", type="string",
                                 enum=list(KINDS))]
MatchLimit = Annotated[int, Field(ge=1, le=20),
                       arg(None, "Most names to return.", type="integer", minimum=1,
                           maximum=20)]


def _matches(call: Call, name: str, kind: str | None, limit: int) -> list[pub.Entity]:
    found: list[pub.Entity] = []
    for query in dict.fromkeys((name, FILLER.sub(" ", fold(name)).strip())):
        if query and not found:
            f = catalog.EntityFilter.parse({"q": query, "kind": kind})
            found = catalog.list_entities(call.query, f, PageRequest(limit)).items
    return found


def _find(call: Call, name: str, kind: str | None, limit: int) -> FindAnswer:
    found = _matches(call, name, kind, limit)
    matches: list[EntityMatch] = [entity_match(e, call.links, "name") for e in found]
    seen = {e["code"] for e in found}
    later = catalog.linked_entities(call.conn, [e["code"] for e in found], "successors")
    links = catalog.merger_links(call.conn, sorted({s["code"] for v in later.values()
                                                    for s in v} - seen))
    for old in found:
        for new in later[old["code"]]:
            if new["code"] not in seen:
                seen.add(new["code"])
                new["predecessors"], new["successors"] = links[new["code"]]
                how = f"through the 2025 merger: {old['name_vi']} ({old['code']}) became part of it"
                matches.append(entity_match(new, call.links, how))
    note = None if matches else (
        f"No entity named {name!r} ({NOT_HERE}). Names match ignoring case and diacritics, "
        "in Vietnamese or English; try part of the name.")
    return {"query": name, "matches": matches, "note": note,
            "provenance": call.provenance("/v1/entities", q=name, kind=kind)}


async def find_entity(name: Name, ctx: Context, kind: Kind = None,
                      limit: MatchLimit = 10) -> Annotated[CallToolResult, FindAnswer]:
    """Find provinces, ministries or the nation by name and get the codes every other tool
    takes. Names match ignoring case and diacritics, in Vietnamese or English ("quang
    ninh", "Đà Nẵng", "Ministry of Finance"); words like tỉnh, thành phố, province or city
    may be left in. The 2025 merger of 63 provinces into 34 is resolved: an old province's
    name also returns the post-2025 province it became part of, with `matched` saying how,
    and each match's `status` says which system (63 or 34 provinces) its code belongs to
    and where its figures are. Pre-2025 provinces have 2-digit codes (22 = Quảng Ninh);
    post-2025 ones M-<name> (M-quang-ninh). An empty `matches` means the name is not in
    this dataset."""
    return await answer(ctx, lambda call: _find(call, name, kind, limit), {"q": "name"})


def _known(row: pub.Coverage) -> str:
    size = row["cohort_size"]
    of = f" of {size}" if size is not None else " (cohort size not published)"
    complete = " (complete)" if size is not None and row["with_rank"] == size else ""
    missing = f"; {size - row['with_value']} without a value: {NOT_HERE}" \
        if size is not None and row["with_value"] < size else ""
    computed = row.get("with_computed_rank", 0)
    derived = f"; a rank computed from the values (not published) for {computed}" \
        if computed else ""
    return (f"value for {row['with_value']}{of}, published rank for {row['with_rank']}"
            f"{complete}{derived}{missing}")


def _coverage(call: Call, year: int, cohort: str | None,
              indicator: str | None) -> CoverageAnswer:
    values = parse_params(figures.CoverageFilter.PARAMS,
                          {"year": str(year), "cohort": cohort, "indicator": indicator})
    page = figures.coverage(call.query, figures.CoverageFilter.build(values),
                            PageRequest(MAX_LIMIT))
    rows: list[CoverageRow] = [{**r, "known": _known(r)} for r in page.items]
    every = figures.coverage(call.query, figures.CoverageFilter(), PageRequest(MAX_LIMIT))
    years = sorted({r["year"] for r in every.items if r["figures"]})
    note = ("Counts are entities with a published figure in this dataset; the others are "
            f"{NOT_HERE} (not zero, never estimated). Most years before 2024 have values "
            "for a handful of provinces only; the 2022 provincial DTI ranking is complete.")
    if not rows:
        note = f"Nothing for {year} in this dataset. " + note
    return {"year": year, "rows": rows, "years_with_data": years, "note": note,
            "provenance": call.provenance("/v1/coverage", year=year, cohort=cohort,
                                          indicator=indicator)}


OptionalCohort = Annotated[str | None, arg(figures.CoverageFilter.PARAMS["cohort"],
                                           "Only this cohort (provinces-63, provinces-34, "
                                           "ministries-public-services...).")]
OptionalIndicator = Annotated[str | None, arg(figures.CoverageFilter.PARAMS["indicator"],
                                              "Only this indicator (DTI, GOV, ECO, SOC...).")]


async def get_coverage(year: Year, ctx: Context, cohort: OptionalCohort = None,
                       indicator: OptionalIndicator = None
                       ) -> Annotated[CallToolResult, CoverageAnswer]:
    """What this dataset knows and does not know for one edition year: for each cohort
    (63 or 34 provinces, ministries, the nation) and indicator, how many members have a
    published value and a rank against the cohort's size, whether the ranking is complete,
    and how many figures rest on an unresolved conflict between sources. Use it before
    answering "all provinces" questions: most years before 2024 have values for a handful
    of provinces only, and a missing figure is not in this dataset (never zero, never
    estimated). `years_with_data` lists the years that have any figure."""
    return await answer(ctx, lambda call: _coverage(call, year, cohort, indicator))


def _edition(call: Call, year: int | None, level: str, framework: str | None) -> pub.Framework:
    if framework:
        return catalog.get_framework(call.query, framework)
    editions = [f for f in catalog.list_frameworks(call.query, PageRequest(MAX_LIMIT)).items
                if f["level"] == level and (year is None or (
                    (f["valid_from_year"] or 0) <= year <= (f["valid_to_year"] or 9999)))]
    if not editions:
        raise not_found(f"no {level} framework in force in {year}")
    return max(editions, key=lambda f: (f["valid_from_year"] or 0, f["id"]))


def _framework(call: Call, year: int | None, level: str,
               framework: str | None) -> FrameworkAnswer:
    parse_params({"level": catalog.IndicatorFilter.PARAMS["level"],
                  "framework": catalog.IndicatorFilter.PARAMS["framework"]},
                 {"level": level, "framework": framework})
    chosen = _edition(call, year, level, framework)
    tree = catalog.list_indicators(call.query, catalog.IndicatorFilter(
        framework=chosen["id"], tree=True), PageRequest(MAX_LIMIT)).items
    editions = [f["id"] for f in catalog.list_frameworks(call.query, PageRequest(MAX_LIMIT))
                .items if f["level"] == chosen["level"]]
    note = ("Indicators, maximum points and weights as the edition's decision publishes "
            "them; null where it does not (never estimated). scale: unit_interval values "
            "are 0..1 fractions (the 1,000-point scale divided by 1,000).")
    return {"framework": chosen, "indicators": tree, "editions": editions, "note": note,
            "provenance": call.provenance("/v1/indicators", framework=chosen["id"],
                                          tree="true")}


FrameworkId = Annotated[str | None, arg(catalog.IndicatorFilter.PARAMS["framework"],
                                        "A framework id (DTI_922_2022-province); "
                                        "overrides year and level.")]
EditionYear = Annotated[int | None, arg(None, "The edition in force in this year (default: "
                                              "the newest).", type="integer", minimum=1990,
                                        maximum=2100)]


async def get_framework(ctx: Context, year: EditionYear = None, level: Level = "province",
                        framework: FrameworkId = None
                        ) -> Annotated[CallToolResult, FrameworkAnswer]:
    """The DTI framework of an edition: the decision that set it, its indicator tree
    (the index, its pillars GOV, ECO and SOC, main indicators and components) with each
    indicator's code, Vietnamese and English names, maximum points, weight, scale and
    definition, as published; null where the decision gives none. Choose it by the year
    it was in force and the level (province, ministry or national), or by its id.
    Frameworks changed between editions (2020: 3 pillars; 2022 and 2024: 8 main
    indicators), so compare a sub-indicator across years only within one framework;
    `editions` lists every edition of the level."""
    return await answer(ctx, lambda call: _framework(call, year, level, framework))


def _about(call: Call, built_at: str, who_version: str, date: str, released: bool,
           cff: str) -> AboutAnswer:
    base = call.links.rest("")
    cite = (f"DTI Open Data, dataset version {who_version} ({date}), "
            f"{base or 'the DTI Open Data API'}; and the source of each figure "
            "(publisher, title, URL, date).")
    links = {"rest_api": "/v1", "openapi": "/openapi.json", "graphql": "/graphql",
             "mcp": "/mcp", "llms_txt": "/llms.txt", "sources": "/v1/sources",
             "coverage": "/v1/coverage", "dataset_readme": "/data/README.md",
             "release_zip": "/v1/releases/latest/dti-open-data-latest.zip",
             "citation_cff": f"/v1/releases/{who_version}/CITATION.cff"}
    return {"title": documents.TITLE_EN, "summary": documents.ABOUT_EN,
            "dataset_version": call.version, "built_at": built_at, "release_date": date,
            "released": released, "licence": {"code": LICENCE_CODE, "data": ATTRIBUTION},
            "how_to_cite": cite, "citation_cff": cff, "source_tiers": documents.TIER_RULE,
            "links": {k: call.links.rest(v) for k, v in links.items()},
            "provenance": call.provenance("/v1")}


async def about_dataset(ctx: Context) -> Annotated[CallToolResult, AboutAnswer]:
    """The dataset's version, build time, release date, licence and how to cite it: a
    citation line and the CITATION.cff of the release, the rule deciding which source a
    figure is served from when sources disagree, and the addresses of the REST API,
    GraphQL, the downloadable release and the dataset's documentation. Quote the dataset
    version with any figure you give, and cite the source each figure is served from."""
    state = state_of(ctx)
    who = identity(state)
    cff = citation.cff(who, state.settings.public_url)
    return await answer(ctx, lambda call: _about(call, state.db.built_at, who.version,
                                                 who.created[:10], who.released, cff))
