"""Errors as a page, for browsers: the same problem (status, title, detail, each bad
parameter) that API clients get as application/problem+json, in the reader's language,
with a way back. Only a request that prefers HTML to JSON gets it."""

from __future__ import annotations

from typing import Any

from api.http.negotiate import parse_accept
from api.pages import words
from api.pages.site import Page, render


def prefers_html(accept: str) -> bool:
    """True when Accept ranks text/html above every JSON type (a browser's navigation);
    `*/*` alone, or no Accept, is an API client."""
    html = json = 0.0
    for media, q in parse_accept(accept):
        if media in ("text/html", "application/xhtml+xml"):
            html = max(html, q)
        elif media in ("application/json", "application/problem+json", "application/*"):
            json = max(json, q)
    return html > json


def error_page(problem: dict[str, Any], lang: str) -> bytes:
    status = problem["status"]
    title = words.STATUS.get(status, (problem["title"], problem["title"]))[lang == "en"]
    page = Page(lang, problem.get("instance") or "/", "", f"{status} · {title}")
    return render("error.html", page, problem=problem)
