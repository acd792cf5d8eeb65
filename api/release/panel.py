"""The wide panel: one row per entity, year and cohort, every indicator that has a
published figure as three columns (value, rank, rank basis). Its columns come from the
data (a new indicator with figures is a new column group), so its Table Schema is made
here, from the descriptions the fixed panel's columns already have."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from api.services import bulk
from api.services.fields import column
from models.vocab import RANK_BASES

NAME = "panel_wide"
TITLE_EN = "Wide panel: one row per entity and year, every indicator's value, rank and basis"
TITLE_VI = ("Dữ liệu bảng rộng: mỗi dòng một đơn vị và năm, giá trị, thứ hạng và căn cứ của "
            "mọi chỉ số")
BASE = ("entity_code", "entity_name_vi", "entity_name_en", "entity_kind", "year", "cohort",
        "cohort_size", "framework_id")
KEY = ("entity_code", "year", "cohort")
FOREIGN = (("entity_code", "entities", "code"), ("cohort", "cohorts", "code"),
           ("framework_id", "frameworks", "id"))


def _fields(code: str, en: str, vi: str) -> list[dict[str, Any]]:
    name = code.lower()
    label = f"{en} ({code})"
    return [
        {"name": f"{name}_value", "type": "number",
         "description": f"{label}: value as published (empty where unpublished) / {vi}: "
                        "giá trị đã công bố (trống nếu chưa công bố)"},
        {"name": f"{name}_rank", "type": "integer", "constraints": {"minimum": 1},
         "description": f"{label}: rank as published in the row's cohort (empty where "
                        f"unpublished) / {vi}: thứ hạng đã công bố trong nhóm (trống nếu "
                        "chưa công bố)"},
        {"name": f"{name}_rank_basis", "type": "string",
         "constraints": {"enum": list(RANK_BASES)},
         "description": f"{label}: what the rank rests on (stated, list_order, "
                        f"leads_wording) / {vi}: căn cứ của thứ hạng"}]


class WidePanel:
    """The wide panel of one database: its indicators, Table Schema and rows."""

    name, title_en, title_vi = NAME, TITLE_EN, TITLE_VI

    def __init__(self, conn: Connection) -> None:
        self.indicators = bulk.panel_indicators(conn)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _, _ in self.indicators)

    def fields(self) -> list[str]:
        return [f["name"] for f in self.table_schema()["fields"]]

    def table_schema(self) -> dict[str, Any]:
        fields = [column("panel", name).schema(name) for name in BASE]
        for code, en, vi in self.indicators:
            fields += _fields(code, en, vi)
        return {"fields": fields, "missingValues": [""], "primaryKey": list(KEY),
                "foreignKeys": [{"fields": [local], "reference": {"resource": resource,
                                                                   "fields": [remote]}}
                                for local, resource, remote in FOREIGN]}

    def rows(self, conn: Connection) -> Iterator[dict[str, Any]]:
        return bulk.wide_panel(conn, self.codes)
