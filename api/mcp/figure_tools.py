"""Tools that answer with figures: a ranking, one entity's profile, a comparison, and one
figure with every source. Each figure carries its served source and conflict status."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from api.errors import ApiError, invalid, not_found
from api.mcp.answers import (
    Claim,
    CompareAnswer,
    CompareYear,
    FigureAnswer,
    Gap,
    ProfileAnswer,
    RankedFigure,
    RankingAnswer,
    RankingSummary,
    SourceRef,
)
from api.mcp.args import MAX_COMPARED, Cohort, EntityCode, Indicator, Year, Years, arg
from api.mcp.calls import answer
from api.mcp.provenance import (
    HOW_CHOSEN,
    NOT_HERE,
    Call,
    computed_note,
    derived_ranks,
    entity_match,
    figure,
    gaps_of,
    rank_status,
    ref,
    served_sources,
    source_refs,
)
from api.services import catalog, figures, rankings, scores
from api.services.bulk import PANEL_COHORTS, PANEL_INDICATORS
from api.services.paging import MAX_LIMIT, PageRequest
from api.services.params import CODE_SCHEMA, code_param, codes, parse_params
from models import public as pub

MAX_FIGURES = 200  # figures in one profile or comparison
RankLimit = Annotated[int, Field(ge=1, le=100),
                      arg(None, "Most entries to return, in rank order (1..100).",
                          type="integer", minimum=1, maximum=100)]


def _summary(meta: pub.RankingMeta) -> RankingSummary:
    size = meta["cohort_size"]
    of = f" of {size}" if size is not None else " (cohort size not published)"
    missing = f"; the rest: {NOT_HERE}" if size is None or meta["with_value"] < size else ""
    text = (f"{meta['ranked']}{of} ranked" + (" (complete)" if meta["complete"] else "")
            + f", {meta['with_value']}{of} with a value{missing}")
    return {"year": meta["year"], "indicator": meta["indicator"], "cohort": meta["cohort"],
            "framework_id": meta["framework_id"], "cohort_size": size,
            "cohort_size_basis": meta["cohort_size_basis"],
            "members_listed": meta["members_listed"], "ranked": meta["ranked"],
            "with_value": meta["with_value"], "complete": meta["complete"],
            "unresolved": meta["unresolved"], "rank_bases": meta["rank_bases"],
            "completeness": text}


def _ranked(entry: pub.RankingEntry, score: pub.Score | None,
            sources: dict[str, SourceRef], call: Call) -> RankedFigure:
    """A ranking entry: rank, value and change from the ranking; source from its figure."""
    source = sources.get(score["source_id"]) if score else next(
        (sources[i] for i in entry["source_ids"] if i in sources), None)
    return {
        "entity_code": entry["entity_code"], "entity_name_vi": entry["entity_name_vi"],
        "entity_name_en": entry["entity_name_en"], "year": entry["year"],
        "indicator": entry["indicator"], "cohort": entry["cohort"],
        "cohort_size": score["cohort_size"] if score else None, "value": entry["value"],
        "value_text": entry["value_text"], "qualifier": score["qualifier"] if score else None,
        "rank": entry["rank"], "rank_basis": entry["rank_basis"],
        "rank_status": rank_status(entry["rank"], entry["rank_basis"]),
        "conflict_status": entry["conflict_status"], "source": source,
        "gaps": gaps_of(entry["value"], entry["rank"], computed_note(
            entry, score["cohort_size"] if score else None, entry["computed_rank"], call.links)
            if entry["rank"] is None and entry["computed_rank"] else None),
        "rest_url": call.links.rest("/v1/scores", entity=entry["entity_code"],
                                    year=entry["year"], indicator=entry["indicator"],
                                    cohort=entry["cohort"]),
        "previous_rank": entry["previous_rank"], "rank_change": entry["rank_change"],
        "previous_value": entry["previous_value"], "value_change": entry["value_change"]}


def _ranking(call: Call, year: int, cohort: str | None, indicator: str,
             limit: int) -> RankingAnswer:
    request = rankings.RankingRequest.parse({"year": year, "cohort": cohort,
                                             "indicator": indicator})
    page, meta = rankings.ranking(call.query, request, PageRequest(limit))
    keys = [(e["year"], e["cohort"], e["indicator"], e["entity_code"]) for e in page.items]
    found = scores.scores_by_keys(call.conn, keys)
    sources = served_sources(call.conn, found.values())
    sources.update(source_refs(call.conn, {i for e in page.items for i in e["source_ids"]}
                               - set(sources)))
    entries = [_ranked(e, found.get(k), sources, call)
               for e, k in zip(page.items, keys, strict=True)]
    notes = []
    if len(entries) < page.total:
        notes.append(f"The first {len(entries)} of {page.total} entries in rank order; ask "
                     "with a larger limit (up to 100) or read rest_url for all.")
    if any(e["rank_status"] == "computed" for e in entries):
        notes.append("Ranks with rank_status computed were derived by this service from "
                     "published values (rank_basis says how); no source publishes them.")
    return {"ranking": _summary(meta), "entries": entries, "shown": len(entries),
            "note": " ".join(notes) or None,
            "provenance": call.provenance("/v1/rankings", year=year, cohort=meta["cohort"],
                                          indicator=meta["indicator"])}


async def get_ranking(year: Year, ctx: Context, cohort: Cohort = None,
                      indicator: Indicator = "DTI",
                      limit: RankLimit = 20) -> Annotated[CallToolResult, RankingAnswer]:
    """The ranking of one DTI edition: who ranked where in a cohort (63 provinces up to
    2024, 34 from the 2024 edition's second ranking, ministries, the nation) for the index
    (DTI) or one of its pillars, in rank order, ties as published, with each entry's value,
    the previous edition's rank and value and the change, the source it is served from and
    its conflict status. Values are 0..1 fractions (the 1,000-point scale divided by 1,000;
    quote 4 decimals), ranks 1..cohort size. `rank_status` says whether a rank was
    published by a source or computed by this service from published values. Most
    editions are incomplete: `ranking.completeness` says how many members are ranked; the
    rest are not in this dataset, never estimated."""
    return await answer(ctx, lambda call: _ranking(call, year, cohort, indicator, limit))


def _entity(call: Call, code: str) -> pub.Entity:
    try:
        parse_params({"entity": code_param("Entity code")}, {"entity": code})
    except ApiError:
        raise invalid("entity", f"{code[:64]!r} is not a code; find_entity turns a name "
                                "into one") from None
    try:
        return catalog.get_entity(call.query, code)
    except ApiError as error:
        if error.status != 404:
            raise
        raise not_found(f"no entity with code {code!r}; find_entity gives codes") from None


def _gaps(call: Call, entity: pub.Entity, found: list[pub.Score], f: scores.ScoreFilter,
          indicators: tuple[str, ...]) -> list[Gap]:
    """Editions the entity's cohorts have figures in where the entity itself has none."""
    cohorts = tuple(c for c in entity["cohorts"] if c in PANEL_COHORTS)
    if not cohorts:
        return []
    have = {(s["year"], s["indicator"]) for s in found}
    rows = figures.coverage(call.query, figures.CoverageFilter(f.years, cohorts, indicators),
                            PageRequest(MAX_LIMIT)).items
    gaps: list[Gap] = []
    for r in rows:
        if r["figures"] and (r["year"], r["indicator"]) not in have:
            size = r["cohort_size"]
            gaps.append({"entity_code": entity["code"], "year": r["year"],
                         "indicator": r["indicator"], "cohort": r["cohort"],
                         "note": f"{NOT_HERE}: {r['with_value']} of {size or '?'} in "
                                 f"{r['cohort']} have a published value that year"})
    return gaps


def _profile(call: Call, code: str, indicators: str | None,
             years: str | int | None) -> ProfileAnswer:
    entity = _entity(call, code)
    f = scores.ScoreFilter.parse({"indicator": indicators or ",".join(PANEL_INDICATORS),
                                  "year": None if years is None else str(years)})
    found = scores.scores_for_entities(call.conn, [code], f).get(code, [])[:MAX_FIGURES]
    sources = served_sources(call.conn, found)
    ranks = derived_ranks(call.conn, found)
    return {"entity": entity_match(entity, call.links, "code"),
            "figures": [figure(s, sources, call.links, ranks) for s in found],
            "gaps": _gaps(call, entity, found, f, f.indicators),
            "note": None if found else f"No figures for {entity['name_vi']} ({NOT_HERE}).",
            "provenance": call.provenance("/v1/scores", entity=code,
                                          indicator=",".join(f.indicators),
                                          year=None if years is None else str(years))}


Indicators = Annotated[str | None, arg(scores.ScoreFilter.PARAMS["indicator"],
                                       "Indicator codes, comma-separated (default "
                                       "DTI,GOV,ECO,SOC).")]


async def get_entity_profile(entity: EntityCode, ctx: Context, indicators: Indicators = None,
                             years: Years = None) -> Annotated[CallToolResult, ProfileAnswer]:
    """One province's, ministry's or the nation's record over time: what it is (and where
    the 2025 merger put it), then every published figure for the index and its pillars
    (or the indicators asked for), year by year, each with its value (0..1 fraction, quote
    4 decimals), rank (1..cohort size) and cohort, the source it is served from and its
    conflict status. `gaps` lists the editions where others in its cohort have a figure
    but it has none: those are not in this dataset, never estimated. Take the code from
    find_entity; a pre-2025 province's figures are under its old code, a post-2025
    province's under its M- code."""
    return await answer(ctx, lambda call: _profile(call, entity, indicators, years),
                        {"year": "years", "indicator": "indicators"})


def _compare(call: Call, entities: list[str], indicator: str,
             years: str | int | None) -> CompareAnswer:
    try:
        wanted = list(dict.fromkeys(e.strip() for e in entities))
        codes(wanted)
    except ValueError as error:
        raise invalid("entities", str(error)) from None
    if not 2 <= len(wanted) <= MAX_COMPARED:
        raise invalid("entities", f"give 2 to {MAX_COMPARED} different entity codes")
    known = catalog.entities_by_code(call.conn, wanted)
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise not_found(f"no entity with code {', '.join(unknown)}; find_entity gives codes")
    f = scores.ScoreFilter.parse({"indicator": indicator,
                                  "year": None if years is None else str(years)})
    found = scores.scores_for_entities(call.conn, wanted, f)
    every = [s for c in wanted for s in found.get(c, [])][:MAX_FIGURES]
    sources = served_sources(call.conn, every)
    asked = set(f.years.values) if f.years else set()
    table: list[CompareYear] = []
    for year in sorted({s["year"] for s in every} | asked):
        here = [s for s in every if s["year"] == year]
        have = {s["entity_code"] for s in here}
        table.append({"year": year, "figures": [figure(s, sources, call.links) for s in here],
                      "gaps": [{"entity_code": c, "year": year, "indicator": indicator,
                                "cohort": None, "note": NOT_HERE}
                               for c in wanted if c not in have]})
    return {"indicator": indicator, "entities": [ref(known[c]) for c in wanted],
            "years": table,
            "provenance": call.provenance("/v1/scores", entity=",".join(wanted),
                                          indicator=indicator,
                                          year=None if years is None else str(years))}


Entities = Annotated[list[str], arg(None, f"2 to {MAX_COMPARED} entity codes from "
                                          "find_entity.", type="array", items=CODE_SCHEMA,
                                    minItems=2, maxItems=MAX_COMPARED)]


async def compare_entities(entities: Entities, ctx: Context, indicator: Indicator = "DTI",
                           years: Years = None) -> Annotated[CallToolResult, CompareAnswer]:
    """Compare 2 to 8 provinces, ministries or the nation on one indicator (default DTI),
    edition by edition: for each year, every entity's published value (0..1 fraction,
    quote 4 decimals) and rank (1..cohort size) with its cohort, served source and
    conflict status, and a gap for each entity with no figure that year (not in this
    dataset: never estimate it). Ranks are comparable only within one cohort and year;
    values across editions only within one framework (see get_framework). Pre-2025 and
    post-2025 provinces have different codes: compare like with like."""
    return await answer(ctx, lambda call: _compare(call, entities, indicator, years),
                        {"year": "years"})


def _claim(c: pub.Claim, sources: dict[str, SourceRef]) -> Claim:
    source = sources.get(c["source_id"]) or {
        "id": c["source_id"], "publisher": c["publisher"], "title": "", "url": c["url"],
        "published_date": None, "tier": c["tier"]}
    return {"source": source, "value": c["value"], "value_text": c["value_text"],
            "rank": c["rank"], "rank_basis": c["rank_basis"], "qualifier": c["qualifier"],
            "note": c["note"]}


def _figure(call: Call, code: str, year: int, indicator: str,
            cohort: str | None) -> FigureAnswer:
    entity = _entity(call, code)
    f = scores.ScoreFilter.parse({"entity": code, "year": str(year), "indicator": indicator,
                                  "cohort": cohort})
    found = scores.list_scores(call.query, f, (), PageRequest(20)).items
    sources = served_sources(call.conn, found)
    ranks = derived_ranks(call.conn, found)
    out = [{**figure(s, sources, call.links, ranks),
            "agreeing": [_claim(c, sources) for c in s["sources"]],
            "conflicting": [_claim(c, sources) for c in s["conflicts"]],
            "how_chosen": HOW_CHOSEN.get(s["conflict_status"], s["conflict_status"])}
           for s in found]
    note = None if out else (f"{entity['name_vi']} has no published {indicator} figure for "
                             f"{year}: {NOT_HERE}.")
    return {"entity": ref(entity), "year": year, "indicator": indicator,
            "figures": out,  # type: ignore[typeddict-item]
            "note": note,
            "provenance": call.provenance("/v1/scores", entity=code, year=year,
                                          indicator=indicator, cohort=cohort)}


async def get_figure(entity: EntityCode, year: Year, ctx: Context,
                     indicator: Indicator = "DTI",
                     cohort: Cohort = None) -> Annotated[CallToolResult, FigureAnswer]:
    """One published figure (an entity's value and rank for one indicator and edition)
    with all of its sources: the source it is served from, every source that agrees and
    every source that gives a different value or rank, each with publisher, title, URL,
    date and tier, and how the served value was chosen (`conflict_status`: none,
    resolved_by_tier, resolved_by_agreement, or unresolved, a tie to mention). Use it to
    check or cite a single number. An empty `figures` means the figure is not in this
    dataset; never estimate it."""
    return await answer(ctx, lambda call: _figure(call, entity, year, indicator, cohort))
