"""What a person sees, in a real browser: /docs, GraphiQL, the landing page, the explorer's
main views and every page's contrast (tests/test_browser_explorer.py: maps, radar,
compare, phones, embeds)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser
RANKING = ("{ ranking(year: 2022, first: 3) { entries { edges { node { rank "
           "entity { code name } } } } } }")


def test_docs_show_every_operation(visit: Any) -> None:
    seen = visit("/docs")
    page = seen.page
    page.wait_for_selector(".opblock", state="visible")
    assert "Unable to render" not in page.inner_text("body")
    operation = page.locator(".opblock-summary-operation-id",
                             has_text=re.compile(r"^get_ranking$"))
    assert operation.count() == 1 and operation.is_visible()
    assert page.locator(".opblock").count() >= 25
    assert page.locator(".info .title").inner_text().startswith("DTI Open Data")
    page.locator(".opblock-summary", has=operation).click()
    page.wait_for_selector("text=Cohort (default provinces-63")
    seen.assert_clean()


def test_graphiql_runs_a_ranking_query(visit: Any) -> None:
    seen = visit("/graphql#query=" + quote(RANKING))
    page = seen.page
    page.wait_for_selector(".graphiql-execute-button")
    page.click(".graphiql-execute-button")
    result = page.locator(".result-window")
    result.get_by_text("Đà Nẵng").wait_for()
    text = result.inner_text()
    assert '"rank": 1' in text and '"code": "48"' in text
    seen.assert_clean()


def test_the_landing_page_says_what_this_is_in_both_languages(visit: Any) -> None:
    seen = visit("/")
    page = seen.page
    assert page.title().startswith("DTI Open Data")
    for vi, en in (("Tài liệu API tương tác", "Interactive API docs"),
                   ("Giấy phép", "Licence"), ("Cách trích dẫn", "How to cite")):
        assert page.get_by_role("link", name=f"{vi} · {en}").is_visible()
    lead = page.locator("p.lead")
    assert lead.nth(0).get_attribute("lang") == "vi" and lead.nth(1).get_attribute("lang") == "en"
    rows = page.locator("table tbody tr")
    assert rows.count() >= 5
    y2022 = rows.filter(has_text="2022").filter(has_text="provinces-63")
    assert y2022.locator("td").nth(3).inner_text() == "63"  # every province ranked in 2022
    page.get_by_role("link", name="Tài liệu API tương tác · Interactive API docs").click()
    page.wait_for_selector(".opblock")
    seen.assert_clean()


def test_explorer_ranking_shows_the_2022_table_and_its_map(visit: Any) -> None:
    seen = visit("/explore/ranking?year=2022&lang=vi")
    page = seen.page
    table = page.locator("section.ranking table")
    rows = table.locator("tbody tr")
    assert rows.count() == 63
    first = rows.nth(0).locator("td")
    assert first.nth(0).inner_text() == "1" and first.nth(1).inner_text() == "Đà Nẵng"
    ties = [rows.nth(i).locator("td").nth(0).inner_text() for i in range(63)]
    assert ties.count("=15") == 2 and "16" not in ties
    assert page.locator("p.badge").first.inner_text().endswith("63 có hạng · đầy đủ")
    # the map in words, carried from the server drawing's alt text to the live chart
    words = page.locator(".chart-live").first.get_attribute("aria-label")
    assert "Đà Nẵng 0.8002" in words and "geoBoundaries" in words
    # the map: drawn by the server, redrawn by vega-embed with a region per province
    page.wait_for_selector(".chart-live svg g.layer_2_marks path")
    assert page.locator(".chart-live svg g.layer_2_marks path").count() == 63
    assert page.locator("#use").is_visible()
    assert "/v1/rankings?year=2022&cohort=provinces-63" in page.locator("dl.use").inner_text()
    seen.assert_clean()


def test_explorer_province_has_its_series_chart_and_sources(visit: Any) -> None:
    seen = visit("/explore/province/48?lang=en")
    page = seen.page
    assert page.locator("h1").inner_text() == "Da Nang"
    page.wait_for_selector(".chart-live svg .mark-line path")
    assert page.locator(".chart-live svg .mark-symbol path").count() >= 5  # 2020-2024
    sources = page.get_by_role("link", name="dti-gov-vn-xep-hang-2022")
    assert sources.count() >= 1
    assert page.get_by_role("link", name="Da Nang").first.get_attribute("href") == \
        "/explore/province/M-da-nang?lang=en"  # across the 2025 merger
    seen.assert_clean()


def test_explorer_language_switch_changes_the_names(visit: Any) -> None:
    seen = visit("/explore/ranking?year=2022&lang=en")
    page = seen.page
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("section.ranking tbody tr").first.locator("td").nth(1).inner_text() \
        == "Da Nang"
    page.locator("a.switch").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("section.ranking tbody tr").first.locator("td").nth(1).inner_text() \
        == "Đà Nẵng"
    assert page.locator("a.switch").inner_text() == "English"
    seen.assert_clean()


def test_explorer_works_by_keyboard_without_scripts(chromium: Any, live_server: str) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/explore/ranking?year=2024&cohort=provinces-34&lang=vi")
    # the server's drawings and the table, readable with scripts off
    assert page.locator("section.ranking").count() == 1
    assert page.locator("img.chart-svg").count() == 2  # the map and the distribution
    assert "Hà Nội 0.8241" in page.locator("img.chart-svg").nth(0).get_attribute("alt")
    assert all(page.locator("img.chart-svg").nth(i).evaluate("i => i.naturalWidth") > 100
               for i in range(2))
    assert page.get_by_role("link", name="63 tỉnh/thành phố (trước sáp nhập 2025)").count() == 1
    page.goto(live_server + "/explore?lang=vi")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.locator("#year").select_option("2022")
    page.locator("form.pick button").click()
    assert page.locator("section.ranking tbody tr").count() == 63
    context.close()


def test_a_chart_url_in_an_img_renders_in_a_plain_page(chromium: Any, live_server: str,
                                                      tmp_path: Any) -> None:
    """What a newsroom does: one <img> (or <iframe>) tag in a page of its own site, here
    a second loopback server (another origin)."""
    import functools
    import http.server
    import threading

    chart = f"{live_server}/v1/charts/ranking?year=2022&top=10"
    (tmp_path / "story.html").write_text(
        f'<!doctype html><html><body><p>DTI</p><img id="c" alt="DTI 2022" src="{chart}">'
        f'<iframe id="f" src="{chart}&format=html" width="640" height="480"></iframe>'
        "</body></html>", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    newsroom = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=newsroom.serve_forever, daemon=True).start()
    context = chromium.new_context(locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{newsroom.server_port}/story.html",
                  wait_until="networkidle")
        size = page.evaluate("[document.getElementById('c').naturalWidth, "
                             "document.getElementById('c').naturalHeight]")
        assert size[0] > 300 and size[1] > 150
        inner = page.frame_locator("#f")
        assert inner.locator("figcaption").inner_text().startswith("Chỉ số chuyển đổi số")
        assert inner.locator("table.data tbody tr").count() == 10
    finally:
        context.close()
        newsroom.shutdown()
        newsroom.server_close()


# WCAG 2.x contrast of every piece of visible text, as the browser computed its colours:
# 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold); chart text (SVG fill) likewise.
CONTRAST = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ["/", "/explore/ranking?year=2024&lang=vi",
                                  "/explore/province/48?lang=en", "/explore/coverage?lang=vi",
                                  "/explore/province/M-ha-noi?lang=vi",
                                  "/explore/compare?entity=48,01,79&lang=en",
                                  "/explore/ranking?cohort=ministries-public-services",
                                  "/explore/search?q=ha", "/data/README.md"])
def test_text_contrast_passes_wcag_aa(visit: Any, path: str) -> None:
    seen = visit(path)
    seen.page.wait_for_load_state("networkidle")
    if path.startswith("/explore/") and "search" not in path:
        seen.page.wait_for_selector(".chart-live svg text")  # the charts' own text too
    result = seen.page.evaluate(CONTRAST)
    assert result["count"] > 50, result
    assert not result["bad"], result["bad"]
    seen.assert_clean()
