"""The tables a researcher needs, each with its Table Schema: what the release holds and
what describes every CSV the API serves. Most are a collection exported whole (the same
bytes as `/v1/<collection>?format=csv`); claims, cohorts, all rankings and the panel are
tables no single collection serves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from api.services import bulk
from api.services.fields import column
from api.services.registry import BY_OPERATION, Collection
from models import method_public as mp
from models import public as pub
from models.text import NAME_PAIRS, columns

Rows = Callable[[Connection], Iterator[dict[str, Any]]]
FK = tuple[tuple[str, ...], str, tuple[str, ...]]  # local fields, resource, its fields


def fk(local: str, resource: str, remote: str) -> FK:
    return (local,), resource, (remote,)


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


SOURCE = fk("source_id", "sources", "id")
ENTITY = fk("entity_code", "entities", "code")
INDICATOR = fk("indicator", "indicators", "code")
COHORT = fk("cohort", "cohorts", "code")
FRAMEWORK = fk("framework_id", "frameworks", "id")

RESOURCES: tuple[Resource, ...] = (
    Resource("entities", "Entities: provinces (63 and 34), ministries, the nation",
             "Đơn vị: tỉnh (63 và 34), bộ, quốc gia", ("code",), (SOURCE,),
             operation_id="list_entities", model=pub.Entity),
    Resource("merger", "The 2025 merger: old province to new province",
             "Sáp nhập 2025: tỉnh cũ sang tỉnh mới", ("old_code", "new_code"),
             (fk("old_code", "entities", "code"), fk("new_code", "entities", "code"), SOURCE),
             operation_id="list_merger", model=pub.MergerLink),
    Resource("frameworks", "Framework editions (decisions and levels)",
             "Các bộ chỉ số (quyết định và cấp)", ("id",), (SOURCE,),
             operation_id="list_frameworks", model=pub.Framework),
    Resource("indicators", "Indicators: the tree of each framework (parent_code)",
             "Chỉ số: cây chỉ số của từng bộ (parent_code)", ("framework_id", "level", "code"),
             (FRAMEWORK, SOURCE), operation_id="list_indicators", model=pub.Indicator),
    Resource("cohorts", "Cohorts: the groups ranked together", "Nhóm xếp hạng", ("code",),
             (SOURCE,), rows=_localised(bulk.cohorts),
             columns=(*bulk.COHORT_COLUMNS, "name")),
    Resource("scores", "Scores: one row per published figure (value and rank)",
             "Điểm số: mỗi dòng một số liệu đã công bố (giá trị và thứ hạng)", ("id",),
             (ENTITY, INDICATOR, COHORT, SOURCE), operation_id="list_scores",
             model=pub.Score),
    Resource("claims", "Claims: what every source says, conflicts included",
             "Trích dẫn: mỗi nguồn nêu gì, kể cả khi mâu thuẫn", ("id",),
             (fk("score_id", "scores", "id"), fk("aggregate_id", "aggregates", "id"),
              SOURCE), rows=bulk.claims, columns=bulk.CLAIM_COLUMNS),
    Resource("rankings", "Rankings: every edition, with ties and year-on-year change",
             "Bảng xếp hạng: mọi kỳ, có đồng hạng và thay đổi so với năm trước",
             ("year", "cohort", "indicator", "entity_code"),
             (ENTITY, INDICATOR, COHORT, FRAMEWORK), model=pub.RankingEntry,
             rows=_localised(bulk.ranking_entries)),  # type: ignore[arg-type]
    Resource("aggregates", "Aggregates: published means, minima, maxima of a cohort",
             "Số liệu tổng hợp: trung bình, thấp nhất, cao nhất của nhóm", ("id",),
             (COHORT, SOURCE), operation_id="list_aggregates",
             model=pub.Aggregate),
    Resource("statistics", "Public-service statistics of provinces and ministries",
             "Số liệu dịch vụ công của tỉnh và bộ", ("id",),
             (ENTITY, fk("metric", "metrics", "code"), SOURCE),
             operation_id="list_statistics", model=pub.Statistic),
    Resource("metrics", "Metrics the statistics measure", "Các chỉ tiêu thống kê", ("code",),
             operation_id="list_metrics", model=pub.Metric),
    Resource("sources", "Sources: every public page a figure was read from",
             "Nguồn: mọi trang công khai đã đọc số liệu", ("id",),
             operation_id="list_sources", model=pub.Source),
    Resource("coverage", "Coverage: per year, cohort and indicator, how complete",
             "Độ phủ: theo năm, nhóm và chỉ số, dữ liệu đầy đủ đến đâu",
             ("year", "cohort", "indicator"), (INDICATOR, COHORT),
             operation_id="list_coverage", model=pub.Coverage),
    Resource("panel", "Panel: one row per entity and year, DTI and pillars as columns",
             "Dữ liệu bảng: mỗi dòng một đơn vị và năm, DTI và các trụ cột theo cột",
             ("entity_code", "year", "cohort"), (ENTITY, COHORT, FRAMEWORK),
             rows=bulk.panel, columns=bulk.PANEL_COLUMNS),
    Resource("stability", "Rank stability: each rank over perturbed weights (derived)",
             "Độ ổn định thứ hạng khi trọng số thay đổi (suy ra)",
             ("year", "cohort", "entity_code"), (ENTITY, COHORT),
             operation_id="list_rank_stability", model=mp.StabilityEntry),
    Resource("what-if", "Unofficial what-if ranking with the weights asked for",
             "Xếp hạng giả định không chính thức theo trọng số yêu cầu", (),
             operation_id="get_ranking_what_if", model=mp.WhatIfEntry, in_package=False),
    Resource("series", "One entity's figures over time", "Số liệu của một đơn vị theo thời "
             "gian", (), operation_id="get_entity_series", model=pub.SeriesPoint,
             in_package=False),
)
BY_NAME = {r.name: r for r in RESOURCES}
