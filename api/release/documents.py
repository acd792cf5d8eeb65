"""The release's documents: datapackage.json, the data dictionary (README.md) and
CITATION.cff, all made from the resources' Table Schemas and the database."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, select

from api.app_meta import ATTRIBUTION, LICENCE_CODE
from api.release.identity import Identity
from api.services.bulk import COVERAGE, PANEL_COHORTS
from api.services.scores import SOURCE
from api.services.tables import RESOURCES

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
                sources: list[dict[str, str]], public_url: str) -> dict[str, Any]:
    """The Frictionless Data Package descriptor (tabular-data-package, v1 with the
    descriptions in both languages)."""
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
    package["resources"] = [{
        "name": r.name, "path": f"data/{r.name}.csv", "profile": "tabular-data-resource",
        "title": f"{r.title_en} / {r.title_vi}", "format": "csv", "mediatype": "text/csv",
        "encoding": "utf-8", "bytes": stats[r.name]["bytes"],
        "hash": f"sha256:{stats[r.name]['hash']}", "schema": r.table_schema(),
    } for r in RESOURCES if r.in_package]
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
           f"- `{who.name}.sqlite`: the same data as one SQLite database",
           "- `CITATION.cff`: how to cite this release",
           "- `SHA256SUMS`: checksums of every file (`sha256sum -c SHA256SUMS`)", "",
           "## Loading with the right types", "",
           "Codes are text (`01` is Hà Nội, not 1); ranks are integers that may be empty; "
           "`value_text` is the figure as printed. Read the types from the schema:", "",
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


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def citation(who: Identity, public_url: str) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for this release."""
    lines = ["cff-version: 1.2.0",
             "message: " + _yaml("If you use this dataset, cite this release and the "
                                 "source of each figure you use (data/sources.csv)."),
             "type: dataset",
             f"title: {_yaml(f'{TITLE_EN} (dataset version {who.version})')}",
             f"version: {_yaml(who.version)}",
             f"date-released: {who.created[:10]}",
             "authors:", f"  - name: {_yaml(AUTHOR)}",
             f"abstract: {_yaml(ABOUT_EN)}",
             "keywords:", *(f"  - {_yaml(k)}" for k in KEYWORDS)]
    if public_url:
        lines.append(f"url: {_yaml(public_url)}")
    return "\n".join(lines) + "\n"
