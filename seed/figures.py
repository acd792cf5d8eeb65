"""Parse the figure files and merge what several sources say about one figure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.ranks import agree
from models.vocab import CONFLICT_STATUSES, RANK_BASES, STATISTICS
from seed.catalog import NATION_CODE, Catalog, check_date
from seed.rows import Problems, Row, read_rows

# Statistic names as the two aggregate files spell them -> one vocabulary.
STATISTIC_ALIASES = {
    "growth_pct": "growth_pct_vs_prev_year",
    "growth_since_2020_pct": "growth_pct_vs_2020",
    "count_ge_0_5": "count_ge_0.5",
    "share_ge_0_5_pct": "share_ge_0.5_pct",
}
UNIT_INTERVAL_STATISTICS = {"mean", "value", "min", "max"}
AGGREGATE_SCOPES = {  # provincial_aggregates.csv indicator -> (cohort, indicator)
    "MINISTRY_DTI_PUBLIC_SERVICE": ("ministries-public-services", "DTI"),
    "MINISTRY_DTI_NO_PUBLIC_SERVICE": ("ministries-no-public-services", "DTI"),
    "NATIONAL_DTI": ("nation", "DTI"),
    "MINISTRY_AND_PROVINCE_DTI": ("ministries-and-provinces", "DTI"),
}
LEVEL_GROUPS = {  # level_aggregates.csv (level, group) -> cohort
    ("province", "all"): "provinces-63",
    ("ministry", "service"): "ministries-public-services",
    ("ministry", "non_service"): "ministries-no-public-services",
    ("national", "all"): "nation",
    ("ministry_and_province", "all"): "ministries-and-provinces",
}
MINISTRY_GROUPS = {"service": "ministries-public-services",
                   "non_service": "ministries-no-public-services"}


@dataclass
class ClaimIn:
    source_id: str
    tier_rank: int
    has_url: bool
    value: float | None
    value_text: str | None
    rank: int | None
    note: str | None
    file: str
    line: int
    rank_basis: str | None = None  # stated | list_order | leads_wording (None: unclear)
    qualifier: str | None = None  # approximately | more_than | less_than | at_least


@dataclass
class Figures:
    scores: dict[tuple[Any, ...], list[ClaimIn]] = field(default_factory=lambda: defaultdict(list))
    aggregates: dict[tuple[Any, ...], list[ClaimIn]] = field(
        default_factory=lambda: defaultdict(list))
    statistics: list[dict[str, Any]] = field(default_factory=list)


def caveat(cat: Catalog, row: Row, has_rank: bool) -> tuple[str | None, str | None]:
    """(rank basis, qualifier) of a figure row: what figure_caveats.csv read in its note,
    else a rank as stated and a value as exact (the data README's convention)."""
    found = cat.caveats.get((row.file, row.line))
    basis = "stated" if has_rank else None
    if found is None:
        return basis, None
    found["used"] = True
    if found["evidence"] != (row.text("note") or ""):
        row.fail("note", f"figure_caveats.csv:{found['line']} quotes another note for this "
                         "row; review the caveat table against the data")
    if found["rank_basis"]:
        basis = None if found["rank_basis"] == "unclear" else found["rank_basis"]
    return basis, found["qualifier"]


def _claim(cat: Catalog, row: Row, value: tuple[float, str] | None, rank: int | None) -> ClaimIn:
    sid = cat.source(row) or ""
    src = cat.sources.get(sid, {"tier_rank": 9, "url": None})
    basis, qualifier = caveat(cat, row, rank is not None)
    return ClaimIn(sid, src["tier_rank"], bool(src["url"]), value[0] if value else None,
                   value[1] if value else None, rank, row.text("note"), row.file, row.line,
                   basis, qualifier)


def _check_figure(cat: Catalog, row: Row, level: str, indicator: str, cohort: str,
                  value: tuple[float, str] | None, rank: int | None,
                  year: int | None = None) -> bool:
    scale = cat.scales.get((level, indicator))
    ok = True
    if scale is None:
        row.fail("indicator", f"unknown indicator {indicator!r} for level {level}")
        ok = False
    elif scale == "unit_interval" and value and not 0 <= value[0] <= 1:
        row.fail("value", f"{value[1]} is outside 0..1, the scale of {indicator}")
        ok = False
    elif scale == "rank" and value:
        row.fail("value", f"{indicator} is a rank; the value column must be empty")
        ok = False
    # The year's size where a source states it; otherwise the largest size any year had.
    stated = cat.year_size(cohort, year)[0] if year is not None else None
    size = stated or cat.cohorts[cohort]["size"]
    if rank is not None and not 1 <= rank <= size:
        where = f"cohort {cohort} in {year}" if stated else f"cohort {cohort}"
        row.fail("rank", f"rank {rank} is outside 1..{size} ({where})")
        ok = False
    if value is None and rank is None:
        row.fail("value", "a figure needs a value or a rank")
        ok = False
    return ok


def parse_figures(d: Path, p: Problems, cat: Catalog) -> Figures:
    figs = Figures()
    seen: dict[tuple[Any, ...], int] = {}

    def add_score(row: Row, year: int | None, entity: str, level: str, indicator: str,
                  cohort: str) -> None:
        value, rank = row.number("value"), row.integer("rank")
        if year is None or not _check_figure(cat, row, level, indicator, cohort, value, rank,
                                             year):
            return
        key = (year, entity, indicator, cohort)
        dup = (*key, row.text("source_id"))
        if dup in seen:
            row.fail("source_id", f"duplicate row: same year, entity, indicator and source "
                                  f"as line {seen[dup]}")
            return
        seen[dup] = row.line
        figs.scores[key].append(_claim(cat, row, value, rank))

    score_cols = ["year", "province_code", "indicator", "value", "rank", "source_id", "note"]
    for row in read_rows(p, d, "provincial_scores.csv", score_cols):
        code = row.required("province_code")
        entity = cat.entities.get(code)
        if entity is None or entity["level"] != "province":
            row.fail("province_code", f"unknown province {code!r}")
            continue
        cohort = "provinces-34" if code.startswith("M-") else "provinces-63"
        add_score(row, row.integer("year"), code, "province", row.required("indicator"), cohort)

    ministry_cols = ["year", "ministry_code", "group", "indicator", "value", "rank",
                     "source_id", "note"]
    for row in read_rows(p, d, "ministry_scores.csv", ministry_cols):
        code = row.required("ministry_code")
        group = row.choice("group", MINISTRY_GROUPS, "ministry group")
        entity = cat.entities.get(code)
        if entity is None or entity["level"] != "ministry":
            row.fail("ministry_code", f"unknown ministry {code!r}")
            continue
        if group is None:
            continue
        if entity["has_public_services"] is not None and \
                entity["has_public_services"] != (group == "service"):
            row.fail("group", f"{code} is not in the {group} group per ministries.csv")
            continue
        add_score(row, row.integer("year"), code, "ministry", row.required("indicator"),
                  MINISTRY_GROUPS[group])

    for row in read_rows(p, d, "national_scores.csv",
                         ["year", "indicator", "value", "rank", "source_id", "note"]):
        indicator = row.required("indicator")
        cohort = "un-member-states" if indicator.startswith("UN_") else "nation"
        add_score(row, row.integer("year"), NATION_CODE, "national", indicator, cohort)

    _aggregates(d, p, cat, figs)
    _statistics(d, p, cat, figs)
    for (name, line), found in cat.caveats.items():
        if not found["used"]:
            p.add("figure_caveats.csv", found["line"], "line",
                  f"{name} has no figure row at line {line} (the table is out of date)")
    return figs


def _aggregate_claim(cat: Catalog, row: Row, figs: Figures, seen: dict[tuple[Any, ...], int],
                     cohort: str, indicator: str) -> None:
    year = row.integer("year")
    raw = row.required("statistic")
    statistic = STATISTIC_ALIASES.get(raw, raw)
    value = row.number("value")
    level = cat.cohorts[cohort]["level"]
    level = "province" if level == "all" else level
    ok = year is not None and value is not None
    if value is None and row.text("value") is None:
        row.fail("value", "required value is empty")
    if statistic not in STATISTICS:
        row.fail("statistic", f"unknown statistic {raw!r}")
        ok = False
    for code in indicator.split("|"):
        if (level, code) not in cat.scales:
            row.fail("indicator", f"unknown indicator {code!r} for level {level}")
            ok = False
    if ok and value and statistic in UNIT_INTERVAL_STATISTICS and not 0 <= value[0] <= 1:
        row.fail("value", f"{value[1]} is outside 0..1, the scale of {indicator} {statistic}")
        ok = False
    if not ok:
        return
    key = (year, cohort, indicator, statistic)
    dup = (*key, row.text("source_id"))
    if dup in seen:
        row.fail("source_id", f"duplicate row: same figure and source as line {seen[dup]}")
        return
    seen[dup] = row.line
    figs.aggregates[key].append(_claim(cat, row, value, None))


def _aggregates(d: Path, p: Problems, cat: Catalog, figs: Figures) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    cols = ["year", "indicator", "statistic", "value", "source_id", "note"]
    for row in read_rows(p, d, "provincial_aggregates.csv", cols):
        indicator = row.required("indicator")
        cohort, code = AGGREGATE_SCOPES.get(indicator, ("provinces-63", indicator))
        _aggregate_claim(cat, row, figs, seen, cohort, code)
    cols = ["year", "level", "group", "indicator", "statistic", "value", "source_id", "note"]
    for row in read_rows(p, d, "level_aggregates.csv", cols):
        scope = (row.required("level"), row.required("group"))
        found = LEVEL_GROUPS.get(scope)
        if found is None:
            row.fail("group", f"unknown level/group {scope[0]}/{scope[1]}")
            continue
        cohort = found
        # The only post-merger provincial aggregate says so in its note.
        if cohort == "provinces-63" and "post-merger" in (row.text("note") or ""):
            cohort = "provinces-34"
        _aggregate_claim(cat, row, figs, seen, cohort, row.required("indicator"))


def _statistics(d: Path, p: Problems, cat: Catalog, figs: Figures) -> None:
    cols = ["entity_kind", "entity_code", "entity_name", "as_of", "period_start", "period_end",
            "metric", "value", "unit", "source_id", "note"]
    kinds = {"province": "province", "ministry": "ministry", "national": "national"}
    seen: dict[tuple[Any, ...], int] = {}
    for row in read_rows(p, d, "public_service_stats.csv", cols):
        kind = row.choice("entity_kind", kinds, "entity kind")
        code = row.required("entity_code")
        entity = cat.entities.get(code)
        if entity is None or code.startswith("M-") or (kind and entity["level"] != kind):
            row.fail("entity_code", f"unknown {kind or 'entity'} {code!r}")
            continue
        metric = row.choice("metric", cat.metrics, "metric")
        unit = row.required("unit")
        if metric and unit and cat.metrics[metric]["unit"] != unit:
            row.fail("unit", f"{metric} is measured in {cat.metrics[metric]['unit']}, not {unit}")
        value = row.number("value")
        if value is None and row.text("value") is None:
            row.fail("value", "required value is empty")
        dates = [check_date(row, c) for c in ("as_of", "period_start", "period_end")]
        source = cat.source(row)
        if metric is None or value is None or source is None:
            continue
        dup = (code, metric, *dates, source)
        if dup in seen:
            row.fail("source_id", f"duplicate row: same statistic and source as line {seen[dup]}")
            continue
        seen[dup] = row.line
        basis, qualifier = caveat(cat, row, unit == "rank")
        figs.statistics.append({
            "entity_code": code, "entity_name": row.required("entity_name"), "metric": metric,
            "as_of": dates[0], "period_start": dates[1], "period_end": dates[2],
            "ref_date": dates[0] or dates[2] or dates[1], "value": value[0],
            "value_text": value[1], "unit": unit, "source_id": source, "note": row.text("note"),
            "rank_basis": basis, "qualifier": qualifier,
        })


Group = list[ClaimIn]


def _same(a: ClaimIn, b: ClaimIn, attr: str) -> bool:
    """One figure: equal ranks, or values that agree at the coarser printed precision."""
    if attr == "value":
        return agree(a.value_text or "", b.value_text or "")
    return bool(getattr(a, attr) == getattr(b, attr))


def _groups(claims: list[ClaimIn], attr: str) -> list[Group]:
    """The claims giving `attr`, grouped by the figure they give, in claim order."""
    groups: list[Group] = []
    for claim in (c for c in claims if getattr(c, attr) is not None):
        home = next((g for g in groups if all(_same(claim, o, attr) for o in g)), None)
        if home is None:
            groups.append([claim])
        else:
            home.append(claim)
    return groups


def _claim_key(c: ClaimIn) -> tuple[int, int, str]:
    return (c.tier_rank, 0 if c.has_url else 1, c.source_id)


def _best(claims: list[ClaimIn], attr: str,
          partner: ClaimIn | None = None) -> tuple[Group, ClaimIn] | None:
    """The group to serve `attr` from (best tier, most sources, the `partner` claim's, one
    with a URL) and the claim in it whose figure is served."""
    groups = _groups(claims, attr)
    if not groups:
        return None

    def group_key(group: Group) -> tuple[int, int, int, int, str]:
        best = min(group, key=_claim_key)
        with_partner = 0 if any(c is partner for c in group) else 1
        return (best.tier_rank, -len(group), with_partner, 0 if best.has_url else 1,
                best.source_id)

    chosen = min(groups, key=group_key)
    return chosen, min(chosen, key=_claim_key)


def _status(claims: list[ClaimIn], attr: str, mine: Group) -> str:
    """How sure the served figure is, from best to worst: no source disagrees; a better
    tier decided; within the best tier more sources agreed; or only record-keeping details
    (the source that gave the value also gave the rank, a URL, the source id) broke a tie."""
    others = [g for g in _groups(claims, attr) if not any(c in mine for c in g)]
    if not others:
        return "none"

    def tier(group: Group) -> int:
        return min(c.tier_rank for c in group)

    if tier(mine) < min(tier(g) for g in others):
        return "resolved_by_tier"
    rivals = [g for g in others if tier(g) == tier(mine)]
    return "resolved_by_agreement" if all(len(mine) > len(g) for g in rivals) \
        else "unresolved"


def _basis(claims: list[ClaimIn], rank: int | None) -> str | None:
    """The firmest basis among the agreeing claims that give the served rank."""
    bases = {c.rank_basis for c in claims if rank is not None and c.rank == rank}
    return next((b for b in RANK_BASES if b in bases), None)


def _qualifier(claims: list[ClaimIn], lead: ClaimIn | None) -> str | None:
    """None when any source gives the served value exactly; else how the lead hedges it."""
    giving = [c for c in claims if lead is not None and c.value is not None
              and _same(c, lead, "value")]
    return None if not giving or any(c.qualifier is None for c in giving) else \
        (lead.qualifier if lead else None)


def resolve(claims: list[ClaimIn]) -> dict[str, Any]:
    """Pick the served value and rank, say how sure they are, and mark each claim as
    agreeing or conflicting."""
    value = _best(claims, "value")
    value_lead = value[1] if value else None
    rank = _best(claims, "rank", value_lead)
    served_rank = rank[1].rank if rank else None
    agrees = [
        (c.value is None or value_lead is None or _same(c, value_lead, "value"))
        and (c.rank is None or served_rank is None or c.rank == served_rank)
        for c in claims
    ]
    lead = value_lead or (rank[1] if rank else claims[0])
    statuses = [_status(claims, "value", value[0]) if value else "none",
                _status(claims, "rank", rank[0]) if rank else "none"]
    return {
        "value": value_lead.value if value_lead else None,
        "value_text": value_lead.value_text if value_lead else None,
        "rank": served_rank,
        "note": lead.note,
        "source_id": lead.source_id,
        "has_conflict": not all(agrees),
        "conflict_status": max(statuses, key=CONFLICT_STATUSES.index),
        "rank_basis": _basis([c for c, ok in zip(claims, agrees, strict=True) if ok],
                             served_rank),
        "qualifier": _qualifier(claims, value_lead),
        "agrees": agrees,
    }
