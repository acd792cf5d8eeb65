"""The tables a researcher needs, each with its Table Schema: what the release holds and
what describes every CSV the API serves. Most are a collection exported whole (the same
bytes as `/v1/<collection>?format=csv`), declared with the collection in the registry;
claims, cohorts, all rankings and the panel are tables no single collection serves,
declared here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from api.services import bulk
from api.services.fields import column
from api.services.registry import (
    BY_OPERATION,
    COHORT_FK,
    COLLECTIONS,
    ENTITY_FK,
    FK,
    FRAMEWORK_FK,
    INDICATOR_FK,
    SOURCE_FK,
    Collection,
    Table,
    fk,
)
from models import public as pub
from models.text import NAME_PAIRS, columns

Rows = Callable[[Connection], Iterator[dict[str, Any]]]

@dataclass(frozen=True)
class Resource:
    name: str
    title_en: str
    title_vi: str
    primary_key: tuple[str, ...]
    foreign_keys: tuple[FK, ...] = ()
    operation_id: str | None = None  # the collection this is, exported whole
    model: type | None = None  # else: rows of this read model...
    rows: Rows | None = None  # ...from this function
    columns: tuple[str, ...] = ()  # or rows with these columns
    in_package: bool = True  # False: only the schema of a CSV the API serves

    def fields(self) -> list[str]:
        if self.columns:
            return list(self.columns)
        assert self.model is not None, self.name
        return columns(self.model)

    @property
    def collection(self) -> Collection | None:
        return BY_OPERATION[self.operation_id] if self.operation_id else None

    def table_schema(self) -> dict[str, Any]:
        """The Table Schema: typed, described (en / vi), keyed and constrained."""
        schema: dict[str, Any] = {
            "fields": [column(self.name, name).schema(name) for name in self.fields()],
            "missingValues": [""]}
        if self.primary_key:
            schema["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": list(local), "reference": {"resource": resource,
                                                      "fields": list(remote)}}
                for local, resource, remote in self.foreign_keys]
        return schema


def _localised(rows: Rows) -> Rows:
    """Rows with `name` columns in Vietnamese, as the vi CSV exports have them."""
    def wrapped(conn: Connection) -> Iterator[dict[str, Any]]:
        for row in rows(conn):
            for vi, _, name in NAME_PAIRS:
                if vi in row:
                    row[name] = row[vi]
            yield row
    return wrapped


# Tables no single collection serves.
BULK: tuple[Resource, ...] = (
    Resource("cohorts", "Cohorts: the groups ranked together", "Nhóm xếp hạng", ("code",),
             (SOURCE_FK,), rows=_localised(bulk.cohorts),
             columns=(*bulk.COHORT_COLUMNS, "name")),
    Resource("claims", "Claims: what every source says, conflicts included",
             "Trích dẫn: mỗi nguồn nêu gì, kể cả khi mâu thuẫn", ("id",),
             (fk("score_id", "scores", "id"), fk("aggregate_id", "aggregates", "id"),
              SOURCE_FK), rows=bulk.claims, columns=bulk.CLAIM_COLUMNS),
    Resource("rankings", "Rankings: every edition, with ties and year-on-year change",
             "Bảng xếp hạng: mọi kỳ, có đồng hạng và thay đổi so với năm trước",
             ("year", "cohort", "indicator", "entity_code"),
             (ENTITY_FK, INDICATOR_FK, COHORT_FK, FRAMEWORK_FK), model=pub.RankingEntry,
             rows=_localised(bulk.ranking_entries)),  # type: ignore[arg-type]
    Resource("panel", "Panel: one row per entity and year, DTI and pillars as columns",
             "Dữ liệu bảng: mỗi dòng một đơn vị và năm, DTI và các trụ cột theo cột",
             ("entity_code", "year", "cohort"), (ENTITY_FK, COHORT_FK, FRAMEWORK_FK),
             rows=bulk.panel, columns=bulk.PANEL_COLUMNS),
)


def _of(c: Collection) -> Resource:
    """The table a collection declares, exported whole."""
    t = c.table
    assert isinstance(t, Table), c.operation_id
    return Resource(t.name, t.title_en, t.title_vi, t.primary_key, t.foreign_keys,
                    operation_id=c.operation_id, model=c.model, in_package=t.in_package)


RESOURCES: tuple[Resource, ...] = (
    *(_of(c) for c in COLLECTIONS if isinstance(c.table, Table)), *BULK)
BY_NAME = {r.name: r for r in RESOURCES}
