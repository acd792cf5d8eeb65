"""Text shared by every layer: folding for search, and the one rule for bilingual names."""

from __future__ import annotations

import unicodedata
from typing import Any

# Every vi/en pair of a read model and the `name` field chosen from it by language.
NAME_PAIRS = (("name_vi", "name_en", "name"),
              ("entity_name_vi", "entity_name_en", "entity_name"),
              ("old_name_vi", "old_name_en", "old_name"),
              ("new_name_vi", "new_name_en", "new_name"))


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics, so 'da nang' matches 'Đà Nẵng'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def in_language(vi: str, en: str, lang: str) -> str:
    """The text in `lang` (vi or en): the one way a bilingual string is chosen."""
    return en if lang == "en" else vi


def localise(item: Any, lang: str) -> Any:
    """Add `name` (and `entity_name`...) in `lang` next to every vi/en pair, recursively.

    In place: services build fresh read models for every call, and this runs on them
    once, just before rendering. The rows of one list are read models of one shape, so
    the first row says which pairs to fill and which keys may hold nested rows.
    """
    rows = item if type(item) is list else [item] if type(item) is dict else None
    if not rows or type(rows[0]) is not dict:
        return item
    first = rows[0]
    index = 0 if lang == "vi" else 1
    pairs = [(name, (vi, en)[index]) for vi, en, name in NAME_PAIRS
             if vi in first and en in first]
    nested = [k for k, v in first.items() if type(v) is list or type(v) is dict]
    for row in rows:
        for name, source in pairs:
            row[name] = row[source]
        for key in nested:
            value = row.get(key)
            if value and (type(value) is dict or type(value[0]) is dict):
                localise(value, lang)
    return item


def columns(model: type) -> list[str]:
    """The flat columns of a read model (CSV, Parquet, the release): its fields, less the
    nested tree links, plus the `name` chosen for each vi/en pair."""
    fields = [k for k in model.__annotations__ if k not in ("children", "parent")]
    return fields + [name for vi, en, name in NAME_PAIRS if vi in fields and en in fields]
