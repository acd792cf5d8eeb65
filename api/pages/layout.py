"""The shell every page shares: one stylesheet, no inline script or style, both languages."""

from __future__ import annotations

from html import escape

NAV = (("/", "Trang chủ", "Home"), ("/v1", "Chỉ mục API", "API index"),
       ("/docs", "Tài liệu API", "API docs"), ("/graphql", "GraphiQL", "GraphiQL"))


def both(vi: str, en: str) -> str:
    """A label in Vietnamese with its English beside it."""
    return f'<span lang="vi">{escape(vi)}</span> · <span lang="en">{escape(en)}</span>'


def page(title: str, body: str, head: str = "") -> bytes:
    nav = "".join(f'<li><a href="{href}">{both(vi, en)}</a></li>' for href, vi, en in NAV)
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><link rel="icon" href="/assets/favicon.svg">
<link rel="stylesheet" href="/assets/site.css">{head}</head>
<body><header><nav aria-label="DTI Open Data"><ul>{nav}</ul></nav></header>
<main id="main">{body}</main>
<footer><p>{both("Mã nguồn: MIT. Dữ liệu: thuộc các nguồn công bố, xem /v1/sources.",
                 "Code: MIT. Data: belongs to its publishers, see /v1/sources.")}</p></footer>
</body></html>""".encode()
