"""The explorer in Debian's Chromium, at 1280 and 375 CSS pixels, as a person sees it:
maps with a region per unit and a colour per collected figure, the island groups, the
legend's "no data" class, the radar's axes, the compared provinces, pages that never
scroll sideways on a phone, embed snippets that render on another site, previews that are
PNGs. Every visit ends clean: no console error, no failed or off-origin request.

Set DTI_TEST_SCREENSHOTS=<dir> to keep full-page screenshots of what was checked."""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest

from api.charts.maps import NO_DATA, SCHEME

pytestmark = pytest.mark.browser
WIDTHS = (1280, 375)
LIVE = ".chart-live svg"


def api(origin: str, url: str) -> Any:
    with urlopen(origin + url, timeout=30) as answer:
        return json.loads(answer.read())


def keep(seen: Any, name: str) -> None:
    """A full-page screenshot, when asked for (to look at what the test saw)."""
    folder = os.environ.get("DTI_TEST_SCREENSHOTS")
    if folder:
        width = seen.page.viewport_size["width"]
        seen.page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)


def fits_the_screen(seen: Any, width: int) -> None:
    """Nothing scrolls the page sideways; wide tables and charts scroll in their box; no
    chart text is shown smaller than 8 px (a phone shows charts at their drawn size)."""
    page = seen.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    boxes = page.evaluate("""[...document.querySelectorAll('main table')].map(t => {
        const box = t.closest('.scroll');
        return box ? box.getBoundingClientRect().right : 1e9; })""")
    assert all(right <= width for right in boxes), boxes
    scales = page.evaluate("""[...document.querySelectorAll('.chart-live svg text')]
        .filter(t => t.getBBox().width > 0 && t.textContent.trim())
        .map(t => { const m = t.getScreenCTM();
                    return [parseFloat(getComputedStyle(t).fontSize), Math.hypot(m.a, m.b)]; })""")
    assert scales, "no chart text"
    smallest = min(size * scale for size, scale in scales)  # as the screen shows it
    assert smallest >= 8, (smallest, width)


def map_fills(page: Any) -> list[str]:
    """The fill of every unit the map draws (its main layer of shapes)."""
    page.wait_for_selector(f".visual {LIVE} g.layer_2_marks path")
    return page.evaluate(f"""[...document.querySelector('.visual {LIVE}')
        .querySelectorAll('g.mark-shape.layer_2_marks path')].map(p => p.getAttribute('fill'))""")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("year, cohort", [(2024, "provinces-34"), (2024, "provinces-63"),
                                          (2022, "provinces-63")])
def test_the_map_draws_every_unit_and_colours_every_figure(
        visit: Any, live_server: str, width: int, year: int, cohort: str) -> None:
    seen = visit(f"/explore/ranking?year={year}&cohort={cohort}&lang=vi", width=width)
    page = seen.page
    meta = api(live_server, f"/v1/rankings?year={year}&cohort={cohort}")["meta"]
    fills = map_fills(page)
    assert len(fills) == meta["cohort_size"]  # 34 regions, or 63
    coloured = [f for f in fills if f != NO_DATA]
    assert len(coloured) == meta["with_value"] and set(coloured) <= set(SCHEME)
    if meta["with_value"] == meta["cohort_size"]:  # issue 19's data: every unit filled
        assert NO_DATA not in fills
    svg = page.locator(f".visual {LIVE}").first
    legend = svg.locator("g.role-legend text").all_text_contents()
    assert "Không có số liệu" in legend and len(legend) >= 3  # classes, then no data
    islands = svg.locator("g.mark-shape.layer_0_marks path")  # outlined under their unit
    assert islands.count() == 2 and min(p.bounding_box()["width"] for p in islands.all()) > 10
    labels = " ".join(svg.locator("g.mark-text text").all_text_contents())
    assert "Quần đảo Hoàng Sa" in labels and "Quần đảo Trường Sa" in labels
    assert "geoBoundaries, CC BY-SA 4.0" in labels
    assert page.locator("section.ranking tbody tr").count() == meta["total"]
    fits_the_screen(seen, width)
    keep(seen, f"ranking-{year}-{cohort}")
    seen.assert_clean()


def main_indicators(origin: str, year: int, cohort: str) -> set[str]:
    """The main indicators of the edition whose cohort table is complete (by coverage)."""
    framework = api(origin, f"/v1/rankings?year={year}&cohort={cohort}")["meta"]["framework_id"]
    mains = {i["code"] for i in api(origin, f"/v1/indicators?framework={framework}&kind=main"
                                            "&limit=1000")["data"]}
    rows = api(origin, f"/v1/coverage?year={year}&cohort={cohort}&limit=1000")["data"]
    return {r["indicator"] for r in rows if r["indicator"] in mains
            and r["cohort_size"] and r["with_value"] == r["cohort_size"]}


@pytest.mark.parametrize("width", WIDTHS)
def test_a_2024_unit_has_its_radar_where_the_table_is_complete(
        visit: Any, live_server: str, width: int) -> None:
    seen = visit("/explore/province/M-ha-noi?lang=vi", width=width)
    page = seen.page
    complete = main_indicators(live_server, 2024, "provinces-34")
    page.wait_for_selector(LIVE)
    if len(complete) >= 3:  # issue 19's data: the whole table, its 8 main indicators
        assert len(complete) == 8
        radar = page.locator(f"figure:has({LIVE} g.spokes_marks) {LIVE}")
        assert radar.locator("g.spokes_marks line, g.spokes_marks path").count() == 8
        axes = radar.locator("g[class*='axes_'] text").all_text_contents()
        assert len(axes) == 8
        legend = radar.locator("g.role-legend text").all_text_contents()
        assert "Hà Nội" in legend and any("Trung bình nhóm" in t for t in legend)
    else:  # today: said so, and the pillar bars instead
        assert page.get_by_text("Chưa vẽ được biểu đồ hồ sơ").is_visible()
        assert page.locator("img[src*='/v1/charts/profile'], figure[data-spec*="
                            "'/v1/charts/profile']").count() == 1
    assert page.locator("h2", has_text="Lịch sử thứ hạng").is_visible()
    fits_the_screen(seen, width)
    keep(seen, "province-M-ha-noi")
    seen.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_compare_page_shows_the_chosen_provinces(visit: Any, width: int) -> None:
    seen = visit("/explore/compare?entity=48,01,79&lang=vi", width=width)
    page = seen.page
    chosen = page.locator("ul.chosen li a").all_inner_texts()
    assert chosen == ["Đà Nẵng", "Hà Nội", "Hồ Chí Minh"]
    assert [page.locator(f"#e{i}").input_value() for i in range(1, 5)] == ["48", "01", "79", ""]
    header = page.locator("table.compare thead th").all_inner_texts()
    assert header[1:] == chosen
    page.wait_for_selector(f"{LIVE} g.role-legend")
    legend = page.locator(LIVE).first.locator("g.role-legend text").all_text_contents()
    assert sorted(legend) == sorted(chosen)
    fits_the_screen(seen, width)
    keep(seen, "compare")
    page.locator("#e3").select_option("")  # without scripts too: a plain form
    page.locator("form.compare button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("ul.chosen li a").all_inner_texts() == ["Đà Nẵng", "Hà Nội"]
    seen.assert_clean()


@pytest.mark.parametrize("path", ["/explore/coverage?lang=vi", "/explore/search?q=ha%20noi",
                                  "/explore/ranking?cohort=ministries-public-services"])
def test_other_pages_fit_a_phone(visit: Any, path: str) -> None:
    seen = visit(path, width=375)
    seen.page.wait_for_load_state("networkidle")
    if "search" in path:
        assert seen.page.locator("ul.results a", has_text="Hà Nội").count() >= 2  # 01, M-
    else:
        seen.page.wait_for_selector(LIVE)
        fits_the_screen(seen, 375)
    assert seen.page.evaluate("document.documentElement.scrollWidth") <= 375
    seen.assert_clean()


class Snippets(HTMLParser):
    """The text of every embed snippet on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "code" and "snippet" in (dict(attrs).get("class") or ""):
            self.inside = True
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        self.inside = self.inside and tag != "code"

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.found[-1] += data


def snippets_of(origin: str, path: str) -> list[str]:
    request = Request(origin + path, headers={"Accept": "text/html"})
    with urlopen(request, timeout=60) as answer:
        parser = Snippets()
        parser.feed(answer.read().decode())
    return parser.found


@pytest.fixture
def newsroom(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A second loopback origin serving a folder: someone else's site."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_every_embed_snippet_renders_on_another_site(chromium: Any, public_server: str,
                                                      newsroom: tuple[Path, str]) -> None:
    """What a newsroom does: paste the snippets, as the explorer shows them, into a page
    of its own site (another origin); each image loads and each frame shows its chart
    whole."""
    folder, site = newsroom
    pasted = [s for path in ("/explore/ranking?year=2022&lang=vi", "/explore/province/48",
                             "/explore/province/M-ha-noi?lang=en",
                             "/explore/compare?entity=48,01", "/explore/coverage?lang=en",
                             "/explore/ranking?cohort=ministries-public-services")
              for s in snippets_of(public_server, path)]
    assert len(pasted) >= 20 and all(public_server + "/v1/charts/" in s for s in pasted)
    (folder / "story.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Story</title>"
        "<link rel='icon' href='data:,'></head><body>"
        + "".join(f"<section>{s}</section>" for s in pasted) + "</body></html>",
        encoding="utf-8")
    context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        elsewhere: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
        page.on("request", lambda r: r.url.startswith((site, public_server, "data:", "blob:",
                                                       "about:")) or elsewhere.append(r.url))
        page.goto(f"{site}/story.html", wait_until="networkidle")
        images = page.locator("section > img")
        frames = page.locator("section > iframe")
        assert images.count() + frames.count() == len(pasted)
        for i in range(images.count()):
            images.nth(i).scroll_into_view_if_needed()
            page.wait_for_function("i => i.complete", arg=images.nth(i).element_handle())
            assert images.nth(i).evaluate("i => i.naturalWidth") > 100, i
        for i in range(frames.count()):
            frame = frames.nth(i)
            frame.scroll_into_view_if_needed()
            inner = frame.content_frame
            drawing = inner.locator("figure.chart svg").first
            drawing.wait_for()
            box = drawing.evaluate("s => { const r = s.getBoundingClientRect(); "
                                   "return [r.right, r.bottom, innerWidth, innerHeight]; }")
            assert box[0] <= box[2] + 1 and box[1] <= box[3] + 1, (frame.get_attribute("src"),
                                                                  box)
        assert not errors, errors
        assert not elsewhere, elsewhere
    finally:
        context.close()


def test_shared_links_preview_a_png(visit_public: Any, public_server: str) -> None:
    for path in ("/explore/ranking?year=2022&lang=vi", "/explore/province/48?lang=en",
                 "/explore/compare?entity=48,01", "/explore/coverage", "/"):
        seen = visit_public(path)
        page = seen.page
        image = page.locator("meta[property='og:image']").get_attribute("content")
        canonical = page.locator("link[rel='canonical']").get_attribute("href")
        assert image.startswith(public_server + "/v1/charts/") and canonical.startswith(
            public_server + "/")
        assert page.locator("meta[name='twitter:card']").get_attribute("content") == \
            "summary_large_image"
        with urlopen(image, timeout=60) as answer:
            assert answer.headers["content-type"] == "image/png"
            assert answer.read(8) == b"\x89PNG\r\n\x1a\n"
        seen.assert_clean()


def test_an_unknown_province_is_a_page_for_a_person(visit: Any) -> None:
    seen = visit("/explore/province/ZZ?lang=vi")
    page = seen.page
    assert page.locator("h1").inner_text() == "404 · Không tìm thấy"
    assert page.get_by_role("link", name="Về trang khám phá").is_visible()
    assert seen.failed == [f"404 {seen.origin}/explore/province/ZZ?lang=vi"]
    assert not seen.console_errors or all("404" in e for e in seen.console_errors)
