"""Parse the catalog files: sources, frameworks, indicators, entities, cohorts and metrics."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from models.text import fold
from models.vocab import (
    COHORTS,
    INDICATOR_KINDS,
    KINDS,
    LEVEL_OF_KIND,
    LEVELS,
    METRIC_UNITS,
    QUALIFIERS,
    RANK_BASES,
    SCALES,
    TIERS,
)
from seed.rows import Problems, Row, read_rows

# The collected dataset's three source files, and this project's own (sources it cites in
# the tables it derived, e.g. the ISO 3166-2 codes).
SOURCE_FILES = ("sources.csv", "sources_extra.csv", "sources_merger.csv", "sources_project.csv")
SOURCE_COLUMNS = ["source_id", "url", "title", "publisher", "published_date", "language"]
FRAMEWORK_KINDS = set(INDICATOR_KINDS) - {"external"}  # indicators.csv rows
DATE_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
NATION_CODE = "VN"


TierRule = tuple[str, str, str]  # host (or * for every other source), tier, reason


def source_tier(url: str | None, rules: list[TierRule]) -> tuple[str, str]:
    """The tier and its reason: the first rule whose host is the URL's host or a parent
    domain of it; `*` matches every other source, those without a URL included."""
    host = (urlparse(url).hostname or "") if url else ""
    for pattern, tier, reason in rules:
        if pattern == "*" or (host and (host == pattern or host.endswith("." + pattern))):
            return tier, reason
    raise ValueError("source_tiers.csv has no '*' rule")


def check_date(row: Row, column: str) -> str | None:
    """Accept YYYY, YYYY-MM or YYYY-MM-DD as published; never complete a partial date."""
    raw = row.text(column)
    if raw is None:
        return None
    if not DATE_PATTERN.match(raw):
        row.fail(column, f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {raw!r}")
        return None
    parts = [int(p) for p in raw.split("-")] + [1, 1]
    try:
        dt.date(parts[0], parts[1], parts[2])
    except ValueError:
        row.fail(column, f"not a valid date: {raw!r}")
        return None
    return raw


@dataclass
class Catalog:
    """Everything the figure files are checked against, plus the rows to store."""

    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    frameworks: dict[str, dict[str, Any]] = field(default_factory=dict)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    scales: dict[tuple[str, str], str] = field(default_factory=dict)  # (level, code) -> scale
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: list[dict[str, Any]] = field(default_factory=list)
    cohorts: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: list[dict[str, str]] = field(default_factory=list)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    tier_rules: list[TierRule] = field(default_factory=list)
    # (cohort, year) -> {"size", "source_id", "evidence"}: sizes a source states
    cohort_sizes: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    # (file, line) -> {"rank_basis", "qualifier", "evidence", "line"}: reviewed caveats
    caveats: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    def year_size(self, cohort: str, year: int) -> tuple[int | None, str, str | None]:
        """(size, basis, source) of a cohort in one year: fixed by membership, stated by
        a source that year, or unknown (None) when no source states it."""
        found = self.cohorts[cohort]
        if found["fixed"]:
            return found["size"], "membership", found["source_id"]
        stated = self.cohort_sizes.get((cohort, year))
        if stated is not None:
            return stated["size"], "stated", stated["source_id"]
        return None, "unknown", None

    def source(self, row: Row, column: str = "source_id") -> str | None:
        sid = row.required(column)
        if sid and sid not in self.sources:
            row.fail(column, f"unknown source {sid!r}")
            return None
        return sid or None


def parse_catalog(directory: Path, problems: Problems) -> Catalog:
    cat = Catalog()
    _tier_rules(directory, problems, cat)
    _sources(directory, problems, cat)
    _frameworks(directory, problems, cat)
    _indicators(directory, problems, cat)
    _entities(directory, problems, cat)
    _cohorts(directory, problems, cat)
    _metrics(directory, problems, cat)
    _iso_codes(directory, problems, cat)
    _cohort_sizes(directory, problems, cat)
    _caveats(directory, problems, cat)
    return cat


def _tier_rules(d: Path, p: Problems, cat: Catalog) -> None:
    for row in read_rows(p, d, "source_tiers.csv", ["host", "tier", "reason"]):
        tier = row.choice("tier", TIERS, "tier")
        if tier:
            cat.tier_rules.append((row.required("host").lower(), tier, row.required("reason")))
    if cat.tier_rules and cat.tier_rules[-1][0] != "*":
        p.add("source_tiers.csv", 0, "host", "the last rule must be '*' (every other source)")


def _sources(d: Path, p: Problems, cat: Catalog) -> None:
    for name in SOURCE_FILES:
        for row in read_rows(p, d, name, SOURCE_COLUMNS):
            sid = row.code("source_id")
            if sid in cat.sources:
                row.fail("source_id", f"duplicate source id (first in {cat.sources[sid]['file']})")
                continue
            url = row.text("url")
            tier, reason = source_tier(url, cat.tier_rules) if cat.tier_rules \
                else ("press", "")
            cat.sources[sid] = {
                "id": sid, "url": url, "title": row.required("title"),
                "publisher": row.required("publisher"),
                "published_date": check_date(row, "published_date"),
                "language": row.required("language"), "tier": tier, "tier_reason": reason,
                "tier_rank": TIERS.index(tier), "file": name,
            }


def _frameworks(d: Path, p: Problems, cat: Catalog) -> None:
    columns = ["framework_id", "level", "decision", "issued_date", "valid_from_year",
               "valid_to_year", "summary_counts", "source_id", "note"]
    for row in read_rows(p, d, "frameworks.csv", columns):
        edition, level = row.required("framework_id"), row.choice("level", LEVELS, "level")
        key = f"{edition}-{level}"
        if key in cat.frameworks:
            row.fail("framework_id", f"duplicate framework {edition} for level {level}")
            continue
        cat.frameworks[key] = {
            "id": key, "edition": edition, "level": level, "decision": row.required("decision"),
            "issued_date": check_date(row, "issued_date"),
            "valid_from_year": row.integer("valid_from_year"),
            "valid_to_year": row.integer("valid_to_year"),
            "summary": row.required("summary_counts"), "source_id": cat.source(row),
            "note": row.text("note"),
        }


def _indicators(d: Path, p: Problems, cat: Catalog) -> None:
    columns = ["framework_id", "level", "code", "parent_code", "kind", "name_vi", "name_en",
               "max_points", "weight", "source_id", "note"]
    seen: dict[tuple[str, str], Row] = {}
    parents: list[tuple[Row, str, str]] = []
    for row in read_rows(p, d, "indicators.csv", columns):
        fid = f"{row.required('framework_id')}-{row.text('level')}"
        if fid not in cat.frameworks:
            row.fail("framework_id", f"unknown framework/level {fid!r}")
            continue
        code = row.code("code")
        if (fid, code) in seen:
            row.fail("code", f"duplicate indicator {code} in {fid} (line {seen[fid, code].line})")
            continue
        seen[fid, code] = row
        parent = row.text("parent_code")
        if parent:
            parents.append((row, fid, parent))
        points, weight = row.number("max_points"), row.number("weight")
        level = cat.frameworks[fid]["level"]
        cat.scales[level, code] = "unit_interval"
        cat.indicators.append({
            "framework_id": fid, "level": level, "code": code, "parent_code": parent,
            "kind": row.choice("kind", FRAMEWORK_KINDS, "indicator kind"),
            "name_vi": row.required("name_vi"), "name_en": row.required("name_en"),
            "max_points": points[0] if points else None, "weight": weight[0] if weight else None,
            "scale": "unit_interval", "definition": None, "source_id": cat.source(row),
            "note": row.text("note"),
        })
    for row, fid, parent in parents:
        if (fid, parent) not in seen:
            row.fail("parent_code", f"unknown parent {parent!r} in {fid}")
    columns = ["code", "level", "name_vi", "name_en", "scale", "definition", "source_id"]
    for row in read_rows(p, d, "indicators_extra.csv", columns):
        code, level = row.code("code"), row.choice("level", LEVELS, "level")
        scale = row.choice("scale", SCALES, "scale")
        if (level, code) in cat.scales:
            row.fail("code", f"indicator {code} already defined for level {level}")
            continue
        cat.scales[(level or "", code)] = scale or "unit_interval"
        cat.indicators.append({
            "framework_id": None, "level": level, "code": code, "parent_code": None,
            "kind": "external", "name_vi": row.required("name_vi"),
            "name_en": row.required("name_en"), "max_points": None, "weight": None,
            "scale": scale, "definition": row.required("definition"),
            "source_id": cat.source(row), "note": None,
        })


def _entity(code: str, kind: str, level: str, vi: str, en: str, **extra: Any) -> dict[str, Any]:
    base = {"code": code, "kind": kind, "level": level, "name_vi": vi, "name_en": en,
            "search_key": " ".join((fold(vi), fold(en), code.lower())), "region": None,
            "valid_from": None, "valid_to": None, "has_public_services": None,
            "admin_centre": None, "group_2020": None, "group_2020_source_id": None,
            "source_id": None, "note": None, "synthetic": False, "iso_code": None}
    base.update(extra)
    return base


def _entities(d: Path, p: Problems, cat: Catalog) -> None:
    kinds = {k for k in KINDS if LEVEL_OF_KIND[k] == "province"}
    for row in read_rows(p, d, "provinces.csv", ["code", "name_vi", "name_en", "kind", "region"]):
        code = row.code("code")
        if code in cat.entities:
            row.fail("code", f"duplicate province code {code}")
            continue
        cat.entities[code] = _entity(code, row.choice("kind", kinds, "kind") or "", "province",
                                     row.required("name_vi"), row.required("name_en"),
                                     region=row.required("region"))
    merged_columns = ["code", "name_vi", "name_en", "kind", "admin_centre", "valid_from",
                      "source_id", "note"]
    starts: list[str] = []
    for row in read_rows(p, d, "merged_provinces.csv", merged_columns):
        code = row.code("code")
        if code in cat.entities:
            row.fail("code", f"duplicate province code {code}")
            continue
        start = check_date(row, "valid_from")
        starts.append(start or "")
        cat.entities[code] = _entity(
            code, row.choice("kind", kinds, "kind") or "", "province", row.required("name_vi"),
            row.required("name_en"), admin_centre=row.text("admin_centre"), valid_from=start,
            source_id=cat.source(row), note=row.text("note"))
    # Pre-2025 provinces end the day before the post-merger units start.
    if starts and all(len(s) == 10 for s in starts):
        end = (dt.date.fromisoformat(min(starts)) - dt.timedelta(days=1)).isoformat()
        for entity in cat.entities.values():
            if not entity["code"].startswith("M-"):
                entity["valid_to"] = end
    for row in read_rows(p, d, "merger_map.csv", ["new_code", "old_code", "source_id", "note"]):
        new, old = row.required("new_code"), row.required("old_code")
        if not new.startswith("M-") or new not in cat.entities:
            row.fail("new_code", f"unknown post-merger province {new!r}")
        if old.startswith("M-") or old not in cat.entities:
            row.fail("old_code", f"unknown province {old!r}")
        cat.links.append({"new_code": new, "old_code": old, "source_id": cat.source(row),
                          "note": row.text("note")})
    for row in read_rows(p, d, "ministries.csv",
                         ["code", "name_vi", "name_en", "has_public_services"]):
        code = row.code("code")
        if code in cat.entities:
            row.fail("code", f"duplicate entity code {code}")
            continue
        cat.entities[code] = _entity(code, "ministry", "ministry", row.required("name_vi"),
                                     row.required("name_en"),
                                     has_public_services=row.boolean("has_public_services"))
    for row in read_rows(p, d, "nation.csv", ["code", "name_vi", "name_en"]):
        code = row.code("code")
        cat.entities[code] = _entity(code, "nation", "national", row.required("name_vi"),
                                     row.required("name_en"))
    if NATION_CODE not in cat.entities:
        p.add("nation.csv", 2, "code", f"the nation {NATION_CODE} is not defined")
    for row in read_rows(p, d, "provincial_groups_2020.csv",
                         ["province_code", "group", "source_id"]):
        code = row.required("province_code")
        if code not in cat.entities or code.startswith("M-"):
            row.fail("province_code", f"unknown province {code!r}")
            continue
        cat.entities[code]["group_2020"] = row.integer("group")
        cat.entities[code]["group_2020_source_id"] = cat.source(row)


MEMBER_RULES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "provinces": lambda e: e["level"] == "province" and not e["code"].startswith("M-"),
    "merged_provinces": lambda e: e["code"].startswith("M-"),
    "ministries_service": lambda e: e["has_public_services"] is True,
    "ministries_non_service": lambda e: e["has_public_services"] is False,
    "ministries_and_provinces": lambda e: (
        (e["level"] == "province" and not e["code"].startswith("M-"))
        or e["has_public_services"] is not None),
    "nation": lambda e: e["level"] == "national",
}


def _cohorts(d: Path, p: Problems, cat: Catalog) -> None:
    columns = ["code", "level", "name_vi", "name_en", "size", "fixed", "members", "source_id",
               "note"]
    for row in read_rows(p, d, "cohorts.csv", columns):
        code, size = row.code("code"), row.integer("size")
        rule = row.choice("members", MEMBER_RULES, "membership rule")
        if code not in COHORTS:
            row.fail("code", f"unknown cohort {code!r} (models/vocab.py COHORTS lists the "
                             "cohorts the API accepts)")
            continue
        if size is None or size < 1:
            row.fail("size", "cohort size must be a positive integer")
            continue
        cat.cohorts[code] = {"code": code, "level": row.required("level"),
                             "name_vi": row.required("name_vi"),
                             "name_en": row.required("name_en"), "size": size,
                             "fixed": bool(row.boolean("fixed")),
                             "source_id": cat.source(row), "note": row.text("note")}
        if rule:
            cat.members += [{"cohort": code, "entity_code": e["code"]}
                            for e in cat.entities.values() if MEMBER_RULES[rule](e)]


def _metrics(d: Path, p: Problems, cat: Catalog) -> None:
    for row in read_rows(p, d, "metrics.csv", ["code", "name_vi", "name_en", "unit", "definition"]):
        code = row.code("code")
        if code in cat.metrics:
            row.fail("code", f"duplicate metric {code}")
            continue
        cat.metrics[code] = {"code": code, "name_vi": row.required("name_vi"),
                             "name_en": row.required("name_en"),
                             "unit": row.choice("unit", METRIC_UNITS, "unit"),
                             "definition": row.required("definition")}


ISO_CODE = re.compile(r"^VN-[0-9A-Z]{2}$")


def _iso_codes(d: Path, p: Problems, cat: Catalog) -> None:
    """iso_3166_2.csv: each province's ISO 3166-2 code; a unit it does not list stays null."""
    seen: dict[tuple[bool, str], str] = {}
    for row in read_rows(p, d, "iso_3166_2.csv", ["code", "iso_code", "source_id", "note"]):
        code, iso = row.required("code"), row.required("iso_code")
        entity = cat.entities.get(code)
        cat.source(row)
        if entity is None or entity["level"] != "province":
            row.fail("code", f"unknown province {code!r}")
            continue
        if not ISO_CODE.match(iso):
            row.fail("iso_code", f"{iso!r} is not an ISO 3166-2 code of Viet Nam (VN-xx)")
            continue
        era = (code.startswith("M-"), iso)  # the 63 and the 34 each use a code once
        if era in seen:
            row.fail("iso_code", f"{iso} is already the code of {seen[era]}")
            continue
        seen[era] = code
        entity["iso_code"] = iso


def _cohort_sizes(d: Path, p: Problems, cat: Catalog) -> None:
    for row in read_rows(p, d, "cohort_sizes.csv",
                         ["cohort", "year", "size", "source_id", "evidence"]):
        cohort, year, size = row.required("cohort"), row.integer("year"), row.integer("size")
        found = cat.cohorts.get(cohort)
        if found is None or found["fixed"]:
            row.fail("cohort", f"{cohort!r} is not a cohort whose size varies by year")
            continue
        if year is None or size is None or size < 1:
            row.fail("size", "year and a positive size are required")
            continue
        if size > found["size"]:
            row.fail("size", f"{size} is more than the cohort's largest size {found['size']} "
                             "(cohorts.csv)")
        if (cohort, year) in cat.cohort_sizes:
            row.fail("year", f"duplicate size for {cohort} in {year}")
            continue
        cat.cohort_sizes[cohort, year] = {"size": size, "source_id": cat.source(row),
                                          "evidence": row.required("evidence")}


CAVEAT_FILES = ("provincial_scores.csv", "ministry_scores.csv", "national_scores.csv",
                "public_service_stats.csv")


def _caveats(d: Path, p: Problems, cat: Catalog) -> None:
    """figure_caveats.csv: the reviewed reading of notes, one figure row each."""
    columns = ["file", "line", "rank_basis", "qualifier", "evidence"]
    for row in read_rows(p, d, "figure_caveats.csv", columns):
        name, line = row.choice("file", CAVEAT_FILES, "figure file"), row.integer("line")
        basis, qualifier = row.text("rank_basis"), row.text("qualifier")
        if basis is not None and basis not in (*RANK_BASES, "unclear"):
            row.fail("rank_basis", f"unknown rank basis {basis!r}")
        if qualifier is not None and qualifier not in QUALIFIERS:
            row.fail("qualifier", f"unknown qualifier {qualifier!r}")
        if name is None or line is None:
            continue
        cat.caveats[name, line] = {"rank_basis": basis, "qualifier": qualifier,
                                   "evidence": row.text("evidence") or "",
                                   "line": row.line, "used": False}
