"""What every page's shell needs: its language, its canonical address, how it is shared
(Open Graph and Twitter cards with a PNG preview), and the one template environment.

Absolute addresses (canonical, og:image, embed snippets) are built from DTI_PUBLIC_URL
only. A Host header is never written into a page: answers are cached and shared by every
client whatever Host it sent, and the Host a proxy passes may be anyone's. Without the
setting, addresses stay relative and the embed panel says so (chart.js completes them
with the page's own origin where scripts run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader

from api.pages import words

# The pages' policy: scripts from this origin (vega-embed compiles expressions, hence
# 'unsafe-eval', and sets inline styles), forms sent here, no framing.
CSP = ("default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' "
       "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode())]
TEMPLATES = Environment(loader=PackageLoader("api.pages"), autoescape=True,
                        trim_blocks=True, lstrip_blocks=True)


def url(path: str, **params: Any) -> str:
    """A relative URL with the parameters that have a value, in a fixed order."""
    kept = {k: v for k, v in sorted(params.items()) if v not in (None, "", ())}
    return f"{path}?{urlencode(kept, safe=',:')}" if kept else path


@dataclass(frozen=True)
class Page:
    lang: str
    path: str  # this page's path
    base: str  # DTI_PUBLIC_URL (no trailing slash) or ""
    title: str
    query: dict[str, Any] = field(default_factory=dict)  # what defines this view
    description: str = ""
    image: str | None = None  # the chart whose PNG previews this page when shared

    @property
    def other(self) -> str:
        return "en" if self.lang == "vi" else "vi"

    def absolute(self, address: str) -> str:
        return self.base + address if self.base and address.startswith("/") else address

    @property
    def canonical(self) -> str:
        return self.absolute(url(self.path, **self.query, lang=self.lang))

    @property
    def switch(self) -> str:
        return url(self.path, **self.query, lang=self.other)

    @property
    def preview(self) -> str | None:
        """og:image: the page's chart as PNG."""
        return self.absolute(f"{self.image}&format=png") if self.image else None

    def t(self, key: str) -> str:
        return words.t(key, self.lang)

    def link(self, path: str, **params: Any) -> str:
        """A link to another explorer page in this page's language."""
        return url(path, **params, lang=self.lang)


def render(template: str, page: Page, **context: Any) -> bytes:
    helpers: dict[str, Callable[..., str]] = {
        "kind": lambda v: words.kind(v, page.lang),
        "region": lambda v: words.region(v, page.lang),
        "basis": lambda v: words.basis(v, page.lang)}
    return TEMPLATES.get_template(template).render(
        page=page, t=page.t, lang=page.lang, **helpers, **context).encode()
