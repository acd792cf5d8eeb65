"""The dataset's READMEs (/data/{name}): Markdown as written for tools, an HTML page for
browsers (CommonMark with tables; raw HTML in the Markdown is shown as text, not run)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from markupsafe import Markup

from api.pages.site import Page, render

SEED_DATA = Path(__file__).resolve().parents[2] / "seed" / "data"


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown(name: str) -> bytes:
    return (SEED_DATA / name).read_bytes()


def notes_page(base: str, lang: str, name: str) -> bytes:
    text = markdown(name).decode()
    title = next((line.lstrip("# ").strip() for line in text.splitlines()
                  if line.startswith("#")), name)
    page = Page(lang, f"/data/{name}", base, title)
    # markdown-it escapes every text and attribute it writes, and html=False escapes
    # any HTML in the source: its output is markup we trust
    return render("notes.html", page, name=name, body=Markup(_parser().render(text)))
