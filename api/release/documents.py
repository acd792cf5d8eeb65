"""The release's documents: datapackage.json, the data dictionary (README.md) and
CITATION.cff, all made from the resources' Table Schemas and the database."""

from __future__ import annotations

import hashlib
import platform
import sqlite3
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import pyarrow
from sqlalchemy import Connection, select

from api.app_meta import ATTRIBUTION, LICENCE_CODE
from api.http.arrow import MEDIA_TYPE as PARQUET
from api.release.identity import Identity
from api.services.bulk import COVERAGE, PANEL_COHORTS
from api.services.scores import SOURCE

TITLE_EN = "DTI Open Data: Vietnam's Digital Transformation Index"
TITLE_VI = "Dữ liệu mở DTI: Chỉ số chuyển đổi số của Việt Nam"
ABOUT_EN = ("Scores and ranks of Vietnam's Digital Transformation Index (DTI) for every "
            "province, ministry and the nation since 2020, the indicator framework of each "
            "edition, published averages, public-service statistics and the 2025 merger of "
            "63 provinces into 34, every figure with the public page it was read from. "
            "Missing figures are empty, never estimated.")
ABOUT_VI = ("Điểm và thứ hạng Chỉ số chuyển đổi số (DTI) của các tỉnh, bộ và quốc gia từ "
            "năm 2020, bộ chỉ số của từng kỳ, các số trung bình đã công bố, số liệu dịch vụ "
            "công và việc sáp nhập 63 tỉnh thành 34 năm 2025; mỗi số liệu kèm trang công khai "
            "đã đọc. Số liệu chưa công bố để trống, không ước tính.")
TIER_RULE = ("When sources disagree, every value is kept (claims.csv) and the served one "
             "comes from the best kind of source: official (the ministry in charge of the "
             "DTI: dti.gov.vn, mic.gov.vn, mst.gov.vn) > government portals > the press > "
             "third-party compilations; within a kind, the value more sources give. "
             "`conflict_status` says which rule decided, and `unresolved` marks a tie.")
KEYWORDS = ["Vietnam", "Việt Nam", "digital transformation", "chuyển đổi số", "DTI",
            "provinces", "ministries", "e-government", "open data"]
AUTHOR = "DTI Open Data developers"
DATA_LICENCE = ("Code and compilation: MIT. The figures belong to their publishers (chiefly "
                "the Ministry of Information and Communications / Ministry of Science and "
                "Technology, dti.gov.vn, and the Vietnamese press): cite the source of each "
                "figure you use, as data/sources.csv and every figure's source_id give it. "
                "Province boundaries used for maps (geoBoundaries, Runfola et al. 2020, from "
                "Open Development Mekong), in geo/ with their own data package, are "
                "CC BY-SA 4.0, and anything drawn from them is shared under CC BY-SA 4.0.")



class Table(Protocol):
    """A table of the release (a Resource, or the wide panel)."""

    @property
    def name(self) -> str: ...
    @property
    def title_en(self) -> str: ...
    @property
    def title_vi(self) -> str: ...

    def table_schema(self) -> dict[str, Any]: ...


def tools() -> str:
    """What wrote the bytes: a rebuild with other versions of these may differ in the
    SQLite header and the Parquet footer (never in the CSV files)."""
    return (f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"pyarrow {pyarrow.__version__}")


def parquet_metadata(who: Identity, public_url: str) -> dict[str, str]:
    """Key-value metadata of every Parquet file of the release."""
    return {"dti:title": TITLE_EN, "dti:version": who.version, "dti:created": who.created,
            "dti:licence": DATA_LICENCE, "dti:source": public_url or "DTI Open Data",
            "dti:sources": "data/sources.csv: the public page of every figure"}


def publishers(conn: Connection) -> list[dict[str, str]]:
    """Each publisher once, with the site its pages are on (Data Package `sources`)."""
    s = SOURCE.c
    found: dict[str, str] = {}
    for publisher, url in conn.execute(select(s.publisher, s.url).order_by(s.publisher, s.id)):
        if url and publisher not in found:
            parts = urlsplit(url)
            found[publisher] = f"{parts.scheme}://{parts.netloc}/"
        found.setdefault(publisher, "")
    return [{"title": p, **({"path": u} if u else {})} for p, u in found.items()]


def coverage_table(conn: Connection) -> list[tuple[int, str, int | None, int, int]]:
    """Per year and assessed cohort: cohort size, entities with a DTI value and rank."""
    c = COVERAGE.c
    order = {code: i for i, code in enumerate(PANEL_COHORTS)}
    rows = conn.execute(select(c.year, c.cohort, c.cohort_size, c.with_value, c.with_rank)
                        .where(c.indicator_code == "DTI", c.cohort.in_(PANEL_COHORTS))).all()
    return sorted(((r[0], r[1], r[2], r[3], r[4]) for r in rows),
                  key=lambda r: (r[0], order[r[1]]))


def datapackage(who: Identity, stats: dict[str, dict[str, Any]],
                sources: list[dict[str, str]], public_url: str, tables: list[Table],
                root: Path) -> dict[str, Any]:
    """The Frictionless Data Package descriptor (tabular-data-package, v1 with the
    descriptions in both languages). Each table is a CSV resource; its Parquet copy is
    named beside it (`parquet`: path, bytes, hash), a property Frictionless keeps as is."""
    package: dict[str, Any] = {
        "profile": "tabular-data-package", "name": "dti-open-data", "id": who.name,
        "version": who.version, "created": who.created,
        "title": f"{TITLE_EN} / {TITLE_VI}", "description": f"{ABOUT_EN}\n\n{ABOUT_VI}",
        "i18n": {"en": {"title": TITLE_EN, "description": ABOUT_EN},
                 "vi": {"title": TITLE_VI, "description": ABOUT_VI}},
        "keywords": KEYWORDS,
        "licenses": [
            {"name": LICENCE_CODE, "path": "https://opensource.org/licenses/MIT",
             "title": "Code and compilation: MIT"},
            {"path": "data/sources.csv", "title": f"Figures: their publishers'. {ATTRIBUTION}"}],
        "contributors": [{"title": AUTHOR, "role": "author"}],
        "sources": sources,
    }
    if public_url:
        package["homepage"] = public_url
    package["resources"] = []
    for t in tables:
        parquet = root / "data" / f"{t.name}.parquet"
        package["resources"].append({
            "name": t.name, "path": f"data/{t.name}.csv", "profile": "tabular-data-resource",
            "title": f"{t.title_en} / {t.title_vi}", "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "bytes": stats[t.name]["bytes"],
            "hash": f"sha256:{stats[t.name]['hash']}", "schema": t.table_schema(),
            "parquet": {"path": f"data/{t.name}.parquet", "mediatype": PARQUET,
                        "bytes": parquet.stat().st_size,
                        "hash": f"sha256:{hashlib.sha256(parquet.read_bytes()).hexdigest()}"}})
    return package


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def readme(who: Identity, package: dict[str, Any], stats: dict[str, dict[str, Any]],
           coverage: list[tuple[int, str, int | None, int, int]]) -> str:
    """The data dictionary: what is in the release, how complete, every field."""
    out = [f"# {TITLE_EN}", f"# {TITLE_VI}", "",
           f"Release `{who.name}`: dataset version `{who.version}`, created {who.created}"
           + ("" if who.released else " (a local build: no release of this version is "
                                      "recorded in seed/releases.csv)") + ".", "",
           ABOUT_EN, "", ABOUT_VI, "",
           "## Files", "",
           "- `datapackage.json`: the Frictionless Data Package (types, keys, constraints)",
           "- `data/*.csv`: the tables below (UTF-8, comma-separated, empty = missing)",
           "- `data/*.parquet`: the same tables as Parquet, typed by the Table Schema "
           "(codes as text, ranks as nullable integers), each column described and the "
           "dataset version, licence and sources in the file's metadata",
           f"- `{who.name}.sqlite`: the same data as one SQLite database",
           "- `CITATION.cff`: how to cite this release",
           "- `CHANGES.md`: rows added, removed and changed per table since the previous "
           "release",
           "- `geo/`: the province boundaries (63, and the 34 units dissolved from them with "
           "the merger) as TopoJSON and the tile grids as CSV, keyed by the entity codes, "
           "with their own data package; derived from geoBoundaries (Runfola et al. 2020) "
           "and licensed **CC BY-SA 4.0**, apart from the figures: anything drawn from them "
           "is shared under CC BY-SA 4.0 with that attribution",
           "- `SHA256SUMS`: checksums of every file (`sha256sum -c SHA256SUMS`)", "",
           f"Built with {tools()}. The same data gives the same bytes: "
           "`dti-api release --verify SHA256SUMS` rebuilds this release from the seed files "
           "and compares every file (use the same versions of these for the SQLite and "
           "Parquet files; the CSV files do not depend on them).", "",
           "## Loading with the right types", "",
           "Codes are text (`01` is Hà Nội, not 1); ranks are integers that may be empty; "
           "`value_text` is the figure as printed. The Parquet files carry their types:", "",
           "```python",
           "import pandas as pd",
           "rankings = pd.read_parquet('data/rankings.parquet')",
           "```", "",
           "A CSV file (or an API CSV URL) in one line, with pandas, R (readr) and duckdb:",
           "", "```python",
           "pd.read_csv(url, dtype={'entity_code': 'string', 'value_text': 'string'}, "
           "keep_default_na=False, na_values=[''], dtype_backend='numpy_nullable')",
           "```", "", "```r",
           "readr::read_csv(url, col_types = readr::cols(entity_code = 'c', value_text = "
           "'c', .default = readr::col_guess()), na = '')",
           "```", "", "```sql",
           "SELECT * FROM read_csv('data/rankings.csv', types = {'entity_code': 'VARCHAR', "
           "'value_text': 'VARCHAR'});",
           "```", "",
           "Or every column by the schema:", "",
           "```python",
           "import json, pandas as pd",
           "package = json.load(open('datapackage.json', encoding='utf-8'))",
           "TYPES = {'string': 'string', 'integer': 'Int64', 'number': 'Float64',",
           "         'boolean': 'boolean'}",
           "def table(name):",
           "    r = next(r for r in package['resources'] if r['name'] == name)",
           "    types = {f['name']: TYPES[f['type']] for f in r['schema']['fields']}",
           "    return pd.read_csv(r['path'], dtype=types, keep_default_na=False,",
           "                       na_values=[''])",
           "scores = table('scores')",
           "```", "",
           "In R: `frictionless::read_resource(frictionless::read_package("
           "'datapackage.json'), 'scores')`.", "",
           "## Sources and conflicts", "", TIER_RULE, "",
           "## Coverage of the DTI per year", "",
           "| year | cohort | cohort size | with a value | with a rank |", "|---|---|---|---|---|"]
    out += [f"| {y} | {c} | {'unknown' if n is None else n} | {v} | {r} |"
            for y, c, n, v, r in coverage]
    out += ["", "## Tables", ""]
    for resource in package["resources"]:
        schema = resource["schema"]
        out += [f"### {resource['name']}: {resource['title']}", "",
                f"`{resource['path']}`: {stats[resource['name']]['rows']} rows, "
                f"{resource['bytes']} bytes, sha256 `{resource['hash'][7:]}`.", ""]
        if schema.get("primaryKey"):
            out.append(f"Key: {', '.join(schema['primaryKey'])}.")
        for key in schema.get("foreignKeys", []):
            ref = key["reference"]
            out.append(f"`{', '.join(key['fields'])}` refers to "
                       f"{ref['resource']}.{', '.join(ref['fields'])}.")
        out += ["", "| field | type | constraints | description |", "|---|---|---|---|"]
        for f in schema["fields"]:
            rules = ", ".join(f"{k}={v}" if k != "enum" else f"one of {'/'.join(v)}"
                              for k, v in f.get("constraints", {}).items())
            out.append(f"| `{f['name']}` | {f['type']} | {_cell(rules)} | "
                       f"{_cell(f['description'])} |")
        out.append("")
    return "\n".join(out)
