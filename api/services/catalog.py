"""The catalog: framework editions, the indicator tree, entities and metrics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from sqlalchemy import ColumnElement, Connection, Table, and_, bindparam, select

from api.errors import not_found
from api.services.context import YEARS, QueryContext, Years
from api.services.driver import fetch_rows
from api.services.method import framework_methods
from api.services.paging import Page, PageRequest, SortKey, paginate, paginate_list
from api.services.params import (
    TEXT_SCHEMA,
    Filter,
    Param,
    code_param,
    enum,
    enums,
    flag,
    text,
)
from models import public as pub
from models import tables as t
from models.method_public import FrameworkMethod
from models.text import fold
from models.vocab import COHORTS, INDICATOR_KINDS, KINDS, LEVEL_OF_KIND, LEVELS

FRAMEWORK: Table = t.Framework.__table__  # type: ignore[attr-defined]
INDICATOR: Table = t.Indicator.__table__  # type: ignore[attr-defined]
ENTITY: Table = t.Entity.__table__  # type: ignore[attr-defined]
LINK: Table = t.EntityLink.__table__  # type: ignore[attr-defined]
MEMBER: Table = t.CohortMember.__table__  # type: ignore[attr-defined]
METRIC: Table = t.Metric.__table__  # type: ignore[attr-defined]
COHORT: Table = t.Cohort.__table__  # type: ignore[attr-defined]
COHORT_YEAR: Table = t.CohortYear.__table__  # type: ignore[attr-defined]
F, IND, E, M = FRAMEWORK.c, INDICATOR.c, ENTITY.c, METRIC.c
INDICATOR_COLUMNS = ("code", "framework_id", "level", "kind", "parent_code", "name_vi",
                     "name_en", "max_points", "weight", "scale", "definition", "source_id",
                     "note")


def _framework(r: Mapping[Any, Any], roots: dict[str, str],
               methods: dict[str, FrameworkMethod]) -> pub.Framework:
    out = {k: r[k] for k in ("id", "edition", "level", "decision", "issued_date",
                             "valid_from_year", "valid_to_year", "summary", "source_id",
                             "note")}
    return {**out, "root_indicator": roots.get(r["id"]),  # type: ignore[typeddict-item]
            "method": methods.get(r["id"])}


def _roots(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(IND.framework_id, IND.code).where(IND.kind == "root")).all()
    return {r.framework_id: r.code for r in rows}


def list_frameworks(ctx: QueryContext, page: PageRequest) -> Page[pub.Framework]:
    roots, methods = _roots(ctx.conn), framework_methods(ctx.conn)
    return paginate(ctx, "frameworks", select(FRAMEWORK), [SortKey(F.id)],
                    page, lambda r: _framework(r, roots, methods))


def get_framework(ctx: QueryContext, framework_id: str) -> pub.Framework:
    """One edition with its method: the main indicators' weights and how they are known."""
    row = ctx.conn.execute(select(FRAMEWORK).where(F.id == framework_id)).first()
    if row is None:
        raise not_found(f"no framework with id {framework_id!r}")
    return _framework(row._mapping, _roots(ctx.conn), framework_methods(ctx.conn))


@dataclass(frozen=True)
class IndicatorFilter(Filter):
    framework: str | None = None
    level: str | None = None
    kind: str | None = None
    parent: str | None = None
    tree: bool = False  # roots with their descendants nested

    PARAMS: ClassVar[dict[str, Param]] = {
        "framework": code_param("Framework id"), "level": enum(LEVELS, "Level"),
        "kind": enum(INDICATOR_KINDS, "Indicator kind"),
        "parent": code_param("Parent indicator code"),
        "tree": flag("Return the nested tree")}


def _indicator(r: Mapping[Any, Any]) -> pub.Indicator:
    return {k: r[k] for k in INDICATOR_COLUMNS}  # type: ignore[return-value]


def _indicator_select(f: IndicatorFilter) -> Any:
    where = [col == value for col, value in ((IND.framework_id, f.framework), (IND.level, f.level),
                                             (IND.kind, f.kind), (IND.parent_code, f.parent))
             if value is not None]
    return select(INDICATOR).where(and_(*where)) if where else select(INDICATOR)


def list_indicators(ctx: QueryContext, f: IndicatorFilter,
                    page: PageRequest) -> Page[pub.Indicator]:
    if f.tree:
        return indicator_tree(ctx, f, page)
    keys = [SortKey(IND.id)]
    return paginate(ctx, f"indicators|{f}", _indicator_select(f), keys, page,
                    _indicator)


def indicator_tree(ctx: QueryContext, f: IndicatorFilter,
                   page: PageRequest) -> Page[pub.Indicator]:
    """Roots (or the children of `parent`) with their descendants nested."""
    rows = [_indicator(r._mapping) for r in ctx.conn.execute(
        _indicator_select(IndicatorFilter(f.framework, f.level, f.kind)).order_by(IND.id))]
    children: dict[tuple[Any, str], list[pub.Indicator]] = defaultdict(list)
    for row in rows:
        if row["parent_code"]:
            children[(row["framework_id"], row["parent_code"])].append(row)
    for row in rows:
        row["children"] = children.get((row["framework_id"], row["code"]), [])
    tops = [r for r in rows if r["parent_code"] == f.parent] if f.parent else [
        r for r in rows if not r["parent_code"] or f.kind]
    return paginate_list(ctx.codec, f"indicator-tree|{f}", tops,
                         lambda r: [r["framework_id"] or "", r["code"]], page)


def get_indicator(ctx: QueryContext, code: str, framework: str | None) -> pub.Indicator:
    """One indicator in one edition (the latest that has it unless `framework` is given)."""
    stmt = (select(INDICATOR).outerjoin(FRAMEWORK, F.id == IND.framework_id)
            .where(IND.code == code))
    if framework:
        stmt = stmt.where(IND.framework_id == framework)
    newest_first = (F.valid_from_year.is_(None), F.valid_from_year.desc(), IND.id)
    rows = ctx.conn.execute(stmt.order_by(*newest_first)).all()
    if not rows:
        where = f" in framework {framework!r}" if framework else ""
        raise not_found(f"no indicator with code {code!r}{where}")
    item = _indicator(rows[0]._mapping)
    key = (item["framework_id"], item["level"], item["code"])
    item["parent"], item["children"] = indicator_family(ctx.conn, [key])[key]
    return item


IndicatorKey = tuple[str | None, str, str]  # framework id, level, code


def indicator_family(conn: Connection, keys: list[IndicatorKey]
                     ) -> dict[IndicatorKey, tuple[pub.Indicator | None, list[pub.Indicator]]]:
    """(parent, children) of many indicators, each within its own framework and level."""
    editions = indicators_of_frameworks(conn, sorted({k[0] for k in keys},
                                                     key=lambda f: f or ""))
    out: dict[IndicatorKey, tuple[pub.Indicator | None, list[pub.Indicator]]] = {}
    for framework, level, code in keys:
        same = [i for i in editions.get(framework, []) if i["level"] == level]
        parent_code = next((i["parent_code"] for i in same if i["code"] == code), None)
        parent = next((i for i in same if i["code"] == parent_code), None)
        out[framework, level, code] = (parent, [i for i in same if i["parent_code"] == code])
    return out


def search_text(value: str) -> str:
    """Search text that still says something once folded: marks alone (which folding
    removes) would match every name."""
    found = text(value)
    if not fold(found).strip():
        raise ValueError("expected letters or digits to search for, not only marks or spaces")
    return found


@dataclass(frozen=True)
class EntityFilter(Filter):
    kinds: tuple[str, ...] = ()
    region: str | None = None
    cohort: str | None = None
    q: str | None = None

    PARAMS: ClassVar[dict[str, Param]] = {
        "kind": enums(KINDS, "Entity kinds"),
        "region": Param(text, "GSO region, exact", TEXT_SCHEMA),
        "cohort": enum(COHORTS, "Members of a cohort"),
        "q": Param(search_text, "Name search ignoring case and diacritics", TEXT_SCHEMA)}
    FIELDS: ClassVar[dict[str, str]] = {"kind": "kinds"}


ENTITY_KEYS = ("code", "kind", "level", "name_vi", "name_en", "region", "iso_code", "valid_from",
               "valid_to", "has_public_services", "admin_centre", "group_2020", "source_id",
               "note")
ENTITY_COLUMNS = [E[k] for k in ENTITY_KEYS] + [E.cohorts]


_ENTITIES_BY_CODE = select(*ENTITY_COLUMNS).where(E.code.in_(bindparam("keys", expanding=True)))


def _entity(r: Any) -> pub.Entity:
    out = dict(zip(ENTITY_KEYS, r, strict=False))
    out["cohorts"] = r[-1].split(";") if r[-1] else []
    return out  # type: ignore[return-value]


def list_entities(ctx: QueryContext, f: EntityFilter, page: PageRequest) -> Page[pub.Entity]:
    stmt = select(*ENTITY_COLUMNS)
    if f.kinds:
        stmt = stmt.where(E.kind.in_(f.kinds))
    if f.region:
        stmt = stmt.where(E.region == f.region)
    if f.cohort:
        stmt = stmt.where(E.code.in_(select(MEMBER.c.entity_code)
                                     .where(MEMBER.c.cohort == f.cohort)))
    if f.q:
        stmt = stmt.where(E.search_key.contains(fold(f.q).strip(), autoescape=True))
    found = paginate(ctx, f"entities|{f}", stmt, [SortKey(E.code)], page,
                     lambda r: _entity(tuple(r.values())[:len(ENTITY_COLUMNS)]))
    links = merger_links(ctx.conn, [e["code"] for e in found.items])
    for item in found.items:  # so an export names them too (`;`-joined codes in CSV)
        item["predecessors"], item["successors"] = links[item["code"]]
    return found


def get_entity(ctx: QueryContext, code: str) -> pub.Entity:
    row = ctx.conn.execute(select(*ENTITY_COLUMNS).where(E.code == code)).first()
    if row is None:
        raise not_found(f"no entity with code {code!r}")
    item = _entity(row)
    item["predecessors"], item["successors"] = merger_links(ctx.conn, [code])[code]
    return item


def list_merger(ctx: QueryContext, page: PageRequest) -> Page[pub.MergerLink]:
    """The 2025 merger: which pre-2025 province became part of which new one."""
    old, new = ENTITY.alias("old"), ENTITY.alias("new")
    stmt = (select(LINK.c.old_code, old.c.name_vi.label("old_name_vi"),
                   old.c.name_en.label("old_name_en"), LINK.c.new_code,
                   new.c.name_vi.label("new_name_vi"), new.c.name_en.label("new_name_en"),
                   new.c.valid_from, LINK.c.source_id, LINK.c.note)
            .join(old, old.c.code == LINK.c.old_code).join(new, new.c.code == LINK.c.new_code))
    keys = [SortKey(LINK.c.old_code), SortKey(LINK.c.new_code)]
    fields = pub.MergerLink.__annotations__
    return paginate(ctx, "merger", stmt, keys, page,
                    lambda r: cast(pub.MergerLink, {k: r[k] for k in fields}))


@dataclass(frozen=True)
class CohortFilter(Filter):
    cohorts: tuple[str, ...] = ()
    years: Years | None = None

    PARAMS: ClassVar[dict[str, Param]] = {"cohort": enums(COHORTS, "Cohorts"), "year": YEARS}
    FIELDS: ClassVar[dict[str, str]] = {"cohort": "cohorts", "year": "years"}


def list_cohorts(ctx: QueryContext, f: CohortFilter, page: PageRequest) -> Page[pub.CohortSize]:
    """The ranked groups, one row a year, with their published sizes (null: unknown)."""
    co, cy = COHORT.c, COHORT_YEAR.c
    stmt = select(cy.cohort, cy.year, co.name_vi, co.name_en, co.level,
                  cy.size.label("cohort_size"), cy.basis.label("cohort_size_basis"),
                  cy.source_id).join(COHORT, co.code == cy.cohort)
    if f.cohorts:
        stmt = stmt.where(cy.cohort.in_(f.cohorts))
    if f.years:
        stmt = stmt.where(f.years.clause(cy.year))
    keys = pub.CohortSize.__annotations__
    return paginate(ctx, f"cohorts|{f}", stmt, [SortKey(cy.cohort), SortKey(cy.year)], page,
                    lambda r: cast(pub.CohortSize, {k: r[k] for k in keys}))


def list_metrics(ctx: QueryContext, page: PageRequest) -> Page[pub.Metric]:
    return paginate(ctx, "metrics", select(METRIC), [SortKey(M.code)], page,
                    lambda r: cast(pub.Metric, {k: r[k] for k in (
                        "code", "name_vi", "name_en", "unit", "definition")}))


def entities_by_code(conn: Connection, codes: list[str]) -> dict[str, pub.Entity]:
    return {r[0]: _entity(r) for r in fetch_rows(conn, _ENTITIES_BY_CODE, keys=codes)}


def merger_links(conn: Connection, codes: list[str]
                 ) -> dict[str, tuple[list[pub.EntityRef], list[pub.EntityRef]]]:
    """(predecessors, successors) of many entities in one query."""
    old, new = ENTITY.alias("old"), ENTITY.alias("new")
    rows = conn.execute(
        select(LINK.c.old_code, LINK.c.new_code, old.c.name_vi, old.c.name_en,
               new.c.name_vi.label("new_vi"), new.c.name_en.label("new_en"))
        .join(old, old.c.code == LINK.c.old_code).join(new, new.c.code == LINK.c.new_code)
        .where(LINK.c.old_code.in_(codes) | LINK.c.new_code.in_(codes))
        .order_by(LINK.c.old_code, LINK.c.new_code)).all()
    out: dict[str, tuple[list[pub.EntityRef], list[pub.EntityRef]]] = {
        c: ([], []) for c in codes}
    for r in rows:
        if r.new_code in out:
            out[r.new_code][0].append({"code": r.old_code, "name_vi": r.name_vi,
                                       "name_en": r.name_en})
        if r.old_code in out:
            out[r.old_code][1].append({"code": r.new_code, "name_vi": r.new_vi,
                                       "name_en": r.new_en})
    return out


def linked_entities(conn: Connection, codes: list[str],
                    direction: str) -> dict[str, list[pub.Entity]]:
    """The merger's predecessors or successors of many entities, as full entities."""
    links = merger_links(conn, codes)
    index = 0 if direction == "predecessors" else 1
    found = entities_by_code(conn, sorted({r["code"] for c in codes for r in links[c][index]}))
    return {c: [found[r["code"]] for r in links[c][index] if r["code"] in found]
            for c in codes}


def indicators_of_figures(conn: Connection, keys: list[tuple[str, str]]
                          ) -> dict[tuple[str, str], pub.Indicator]:
    """(indicator code, entity kind) -> the indicator a figure of that entity refers to:
    the one of the entity's level, in the newest edition that has it."""
    by_level = indicators_by_code(conn, sorted({(c, LEVEL_OF_KIND[k]) for c, k in keys}))
    return {(c, k): by_level[c, LEVEL_OF_KIND[k]] for c, k in keys
            if (c, LEVEL_OF_KIND[k]) in by_level}


def indicators_by_code(conn: Connection, keys: list[tuple[str, str]]
                       ) -> dict[tuple[str, str], pub.Indicator]:
    """(code, level) -> the indicator in the newest edition that has it."""
    codes = sorted({k[0] for k in keys})
    rows = conn.execute(select(INDICATOR).outerjoin(FRAMEWORK, F.id == IND.framework_id)
                        .where(IND.code.in_(codes))
                        .order_by(F.valid_from_year.is_(None), F.valid_from_year.desc(),
                                  IND.id)).all()
    out: dict[tuple[str, str], pub.Indicator] = {}
    for r in rows:
        out.setdefault((r.code, r.level), _indicator(r._mapping))
    return {k: out[k] for k in keys if k in out}


def indicators_of_frameworks(conn: Connection, framework_ids: list[str | None]
                             ) -> dict[str | None, list[pub.Indicator]]:
    """Every indicator of each framework (None = the non-framework external ones)."""
    ids = [f for f in framework_ids if f is not None]
    where: ColumnElement[bool] = IND.framework_id.in_(ids)
    if None in framework_ids:
        where = where | IND.framework_id.is_(None)
    out: dict[str | None, list[pub.Indicator]] = defaultdict(list)
    for r in conn.execute(select(INDICATOR).where(where).order_by(IND.id)):
        out[r.framework_id].append(_indicator(r._mapping))
    return out


def frameworks_by_id(conn: Connection, ids: list[str]) -> dict[str, pub.Framework]:
    roots, methods = _roots(conn), framework_methods(conn)
    rows = conn.execute(select(FRAMEWORK).where(F.id.in_(ids))).all()
    return {r.id: _framework(r._mapping, roots, methods) for r in rows}


def list_bounds(conn: Connection) -> dict[str, int]:
    """The longest list each relation can return, from the data (for GraphQL's static
    cost): every key is an upper bound that holds for this dataset version."""
    def one(sql: str) -> int:
        return int(conn.exec_driver_sql(sql).scalar() or 0)

    def most(table: str, column: str, where: str = "") -> int:
        return one(f"SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM {table} {where} "
                   f"GROUP BY {column}) AS counts")

    bounds = {name: one(f"SELECT COUNT(*) FROM {table}") for name, table in (
        ("frameworks", "framework"), ("indicators", "indicator"), ("entities", "entity"),
        ("scores", "score"), ("aggregates", "aggregate"), ("statistics", "statistic"),
        ("metrics", "metric"), ("sources", "source"), ("coverage", "coverage"))}
    bounds.update({
        "ranking_entries": most("rankingentry", "year, cohort, indicator_code"),
        "claims_per_figure": most("claim", "figure_kind, figure_id"),
        "scores_per_entity": most("score", "entity_code"),
        "figures_per_entity_indicator": most("score", "entity_code, indicator_code"),
        "statistics_per_entity": most("statistic", "entity_code"),
        "scores_per_source": most("claim", "source_id", "WHERE figure_kind = 'score'"),
        "indicators_per_framework": most("indicator", "framework_id"),
        "children_per_indicator": most("indicator", "framework_id, level, parent_code"),
        "predecessors_per_entity": most("entitylink", "new_code"),
        "successors_per_entity": most("entitylink", "old_code"),
        "ranking_entries_all": one("SELECT COUNT(*) FROM rankingentry"),
        "ranking_editions": one("SELECT COUNT(*) FROM ranking"),
        "merger_links": one("SELECT COUNT(*) FROM entitylink"),
        "checks_per_framework": most("weightcheck", "framework_id"),
    })
    return {k: max(v, 1) for k, v in bounds.items()}
