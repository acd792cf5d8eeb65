"""Whole-collection exports streamed straight from one query, for CSV of any size."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlalchemy import Connection, select

from api.services.driver import cursor_batches
from api.services.paging import order_by
from api.services.scores import (
    CY,
    DEFAULT_SCORE_SORT,
    ENTITY,
    SCORE,
    ScoreFilter,
    score_sort_keys,
    score_where,
)

S, E = SCORE.c, ENTITY.c
_NEEDS_QUOTES = re.compile(r'[,"\r\n]').search


def _quote(text: str | None) -> str:
    """One CSV cell, quoted exactly as the csv module's default dialect would."""
    if text is None:
        return ""
    if _NEEDS_QUOTES(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def score_lines(conn: Connection, f: ScoreFilter, sort: tuple[str, ...],
                lang: str) -> Iterator[str]:
    """Every score matching `f`, in the collection's order, as CSV text (lines in chunks).

    The columns are those of the Score read model with sources and conflicts as
    ';'-joined source ids, plus `entity_name` in `lang`: the same bytes as the paged
    path writes (a test holds them equal). Entity and cohort cells are rendered once
    per entity, not per row; codes go out unquoted (seed validation keeps every code to
    letters, digits and `_.|-`); a million rows stream in steady memory.
    """
    names, name_of = {}, {}
    for code, vi, en, kind in conn.execute(select(E.code, E.name_vi, E.name_en, E.kind)):
        names[code] = f"{_quote(vi)},{_quote(en)},{kind}"
        name_of[code] = _quote(vi if lang == "vi" else en)
    sizes = {(cohort, year): "" if size is None else str(size) for cohort, year, size in
             conn.execute(select(CY.cohort, CY.year, CY.size))}
    stmt = (select(S.id, S.year, S.entity_code, S.indicator_code, S.cohort, S.value,
                   S.value_text, S.rank, S.rank_basis, S.qualifier, S.conflict_status, S.note,
                   S.source_id, S.source_ids, S.conflict_ids)
            .where(score_where(f))
            .order_by(*order_by(score_sort_keys(sort or DEFAULT_SCORE_SORT))))
    notes: dict[str | None, str] = {}  # notes repeat (synthetic rows share one)

    def note_cell(note: str | None) -> str:
        cell = notes.get(note)
        if cell is None:
            cell = _quote(note)
            if len(notes) < 10_000:
                notes[note] = cell
        return cell

    for batch in cursor_batches(conn, stmt, server_side=True):
        yield "".join([
            f"{id_},{year},{code},{names[code]},{indicator},{cohort},{sizes[cohort, year]},"
            f"{'' if value is None else value},{'' if text is None else text},"
            f"{'' if rank is None else rank},{basis or ''},{qualifier or ''},{status},"
            f"{note_cell(note)},{source},{sources},{conflicts},{name_of[code]}\n"
            for (id_, year, code, indicator, cohort, value, text, rank, basis, qualifier,
                 status, note, source, sources, conflicts) in batch])
