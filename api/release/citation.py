"""How to cite a release: CITATION.cff (Citation File Format 1.2.0, valid against its
schema), and the same reference as BibTeX and APA for /v1/releases/latest/citation.

The author is an entity: no person is named as the dataset's author anywhere in the
project, and a name we cannot justify would be worse than none. Licences are stated
apart: the code and the compilation are MIT; each figure belongs to its publisher and is
cited with it (data/sources.csv); the map boundaries in geo/ are CC BY-SA 4.0.
"""

from __future__ import annotations

from importlib import metadata

from api.release.documents import ABOUT_EN, AUTHOR, DATA_LICENCE, KEYWORDS, TITLE_EN
from api.release.identity import Identity

MESSAGE = ("If you use this dataset, cite this release (preferred-citation) and the source "
           "of each figure you use (data/sources.csv; /v1/sources/{id}).")
FORMATS = ("bibtex", "apa", "cff")


def repository() -> str:
    """The code repository, from the package's Project-URL metadata (empty if unset)."""
    try:
        urls = metadata.metadata("dti-open-data").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return ""
    found = dict(u.split(", ", 1) for u in urls if ", " in u)
    return str(found.get("Repository", found.get("Source", "")))


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def title(who: Identity) -> str:
    return f"{TITLE_EN} (dataset version {who.version})"


def cff(who: Identity, public_url: str) -> str:
    """CITATION.cff for this release."""
    url, code = public_url, repository()
    links = ([f"url: {_q(url)}"] if url else []) + \
        ([f"repository-code: {_q(code)}"] if code else [])
    reference = [
        "  type: data", f"  title: {_q(title(who))}", "  authors:",
        f"    - name: {_q(AUTHOR)}", f"  version: {_q(who.version)}",
        f"  date-released: {who.created[:10]}", f"  year: {who.created[:4]}",
        f"  notes: {_q(DATA_LICENCE)}", "  license: MIT",
        *(f"  {line}" for line in links)]
    if url:
        reference.append(f"  identifiers:\n    - type: url\n      value: "
                         f"{_q(f'{url}/v1/releases/{who.version}/{who.name}.zip')}\n"
                         "      description: \"The release's zip file\"")
    lines = ["cff-version: 1.2.0", f"message: {_q(MESSAGE)}", "type: dataset",
             f"title: {_q(title(who))}", f"version: {_q(who.version)}",
             f"date-released: {who.created[:10]}", "authors:", f"  - name: {_q(AUTHOR)}",
             f"abstract: {_q(ABOUT_EN + ' ' + DATA_LICENCE)}", "license: MIT", *links,
             "keywords:", *(f"  - {_q(k)}" for k in KEYWORDS),
             "preferred-citation:", *reference]
    return "\n".join(lines) + "\n"


def _bib(text: str) -> str:
    return "".join("\\" + c if c in "{}&%$#_" else c for c in text)


def bibtex(who: Identity, public_url: str) -> str:
    """A BibTeX @misc entry (biblatex readers take it as @dataset via `type`)."""
    fields = [("title", "{" + _bib(title(who)) + "}"), ("author", "{" + _bib(AUTHOR) + "}"),
              ("year", who.created[:4]), ("version", who.version), ("type", "Dataset"),
              ("note", _bib(DATA_LICENCE))]
    if public_url:
        fields.append(("url", f"{public_url}/v1/releases/{who.version}"))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@misc{{dti_open_data_{who.version},\n{body}\n}}\n"


def apa(who: Identity, public_url: str) -> str:
    """An APA (7th edition) reference for a dataset."""
    date = who.created[:10]
    where = f" {public_url}/v1/releases/{who.version}" if public_url else ""
    return (f"{AUTHOR}. ({date[:4]}). {TITLE_EN} (Version {who.version}) [Data set]. "
            f"Released {date}.{where}\n")
