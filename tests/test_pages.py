"""The pages over HTTP: the landing page, the explorer's views, the dataset's notes,
errors as pages for browsers, and how pages are shared (canonical address, Open Graph,
embed snippets with absolute addresses only from DTI_PUBLIC_URL)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.conftest import make_app

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PUBLIC = "https://dti.example.org"


def html(client: Any, url: str, status: int = 200, **headers: str) -> str:
    answer = client.get(url, headers={"Accept": BROWSER, **headers})
    assert answer.status_code == status, (url, answer.text[:500])
    assert answer.headers["content-type"].startswith("text/html"), url
    return str(answer.text)


class Parsed(HTMLParser):
    """Meta tags, links, selected options and table rows of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.selected: dict[str, str] = {}
        self.hidden: dict[str, str] = {}
        self.rows, self.select = 0, ""
        self.snippets: list[str] = []
        self._snippet = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta":
            self.meta[a.get("property") or a.get("name", "")] = a.get("content", "")
        elif tag == "link":
            self.links[a.get("rel", "")] = a.get("href", "")
        elif tag == "select":
            self.select = a.get("id", "")
        elif tag == "option" and "selected" in a:
            self.selected[self.select] = a.get("value", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a.get("name", "")] = a.get("value", "")
        elif tag == "tr":
            self.rows += 1
        elif tag == "code" and "snippet" in a.get("class", ""):
            self._snippet = True
            self.snippets.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self._snippet = False

    def handle_data(self, data: str) -> None:
        if self._snippet:
            self.snippets[-1] += data


@pytest.fixture(scope="module")
def public(sqlite_url: str) -> Any:
    """The app as deployed behind a public address (DTI_PUBLIC_URL set)."""
    from starlette.testclient import TestClient

    with TestClient(make_app(sqlite_url, public_url=PUBLIC),
                    raise_server_exceptions=False) as c:
        yield c


def test_the_host_answers_html_to_browsers_and_json_to_clients(client: Any) -> None:
    page = client.get("/", headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'href="/docs"' in page.text and 'href="/graphql"' in page.text
    assert 'href="/data/README.md"' in page.text and 'id="cite"' in page.text
    version = client.get("/version").json()["dataset_version"]
    assert version in page.text
    for accept in ("", "*/*", "application/json"):
        index = client.get("/", headers={"Accept": accept})
        assert index.headers["content-type"] == "application/json"
        assert index.json() == client.get("/v1").json()
    assert client.get("/", headers={"Accept": "application/xml"}).status_code == 406


def test_pages_are_cached_representations(client: Any) -> None:
    first = client.get("/", headers={"Accept": BROWSER})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = client.get("/", headers={"Accept": BROWSER, "If-None-Match": etag})
    assert again.status_code == 304
    json_etag = client.get("/").headers["etag"]
    assert json_etag.strip('"').removesuffix("-gzip") != etag.strip('"').removesuffix("-gzip")


def test_data_notes_are_markdown_for_tools_and_a_page_for_browsers(client: Any) -> None:
    readme = client.get("/data/README_merger.md")
    assert readme.headers["content-type"] == "text/markdown; charset=utf-8"
    assert "merger" in readme.text.lower() and readme.text.lstrip().startswith("#")
    assert client.get("/data/README.md?format=markdown").text.lstrip().startswith("#")
    page = html(client, "/data/README.md?lang=en")
    assert "<h1>" in page and "<table>" in page and "<td>" in page  # rendered, tables too
    assert "text/markdown" not in page and 'href="/data/README.md?format=markdown"' in page
    assert client.get("/data/cohorts.csv").status_code == 404
    assert client.get("/data/..%2Fbuild.py").status_code == 404
    assert client.get("/favicon.ico").headers["content-type"] == "image/svg+xml"


def expected_edition(client: Any) -> tuple[int, str]:
    """The edition the explorer should open on, worked out from /v1/coverage alone: the
    latest year whose values are complete, else whose ranks are, else the latest."""
    rows = client.get("/v1/coverage?cohort=provinces-63,provinces-34&indicator=DTI"
                      "&limit=1000").json()["data"]
    rows = [r for r in rows if r["with_value"] or r["with_rank"]]

    def full(r: dict[str, Any], key: str) -> bool:
        return bool(r["cohort_size"]) and r[key] == r["cohort_size"]

    for key in ("with_value", "with_rank", None):
        found = [r for r in rows if key is None or full(r, key)]
        if found:
            year = max(r["year"] for r in found)
            break
    same = [r for r in rows if r["year"] == year]
    best = max(same, key=lambda r: (full(r, "with_value"), full(r, "with_rank"),
                                    r["with_value"], r["with_rank"],
                                    r["cohort"] == "provinces-34"))
    return year, best["cohort"]


def test_the_explorer_opens_on_the_latest_year_with_complete_figures(client: Any) -> None:
    year, cohort = expected_edition(client)
    page = Parsed(html(client, "/explore?lang=en"))
    assert page.selected["year"] == str(year) and "cohort" not in page.hidden
    total = client.get(f"/v1/rankings?year={year}&cohort={cohort}").json()["meta"]["total"]
    assert page.rows == total + 1  # the ranking table: a header row and every member
    assert page.links["canonical"] == (f"/explore/ranking?cohort={cohort}&indicator=DTI"
                                       f"&lang=en&year={year}")


def test_a_ministries_cohort_is_shown_not_ignored(client: Any) -> None:
    text = html(client, "/explore/ranking?cohort=ministries-public-services&lang=en")
    page = Parsed(text)
    assert page.hidden["cohort"] == "ministries-public-services"
    year = int(page.selected["year"])
    ranking = client.get(f"/v1/rankings?year={year}&cohort=ministries-public-services").json()
    assert page.rows == ranking["meta"]["total"] + 1
    assert ranking["data"][0]["entity_name_en"] in text
    assert "/v1/charts/map" not in text  # ministries have no boundaries: a bar chart
    assert "/v1/charts/ranking?cohort=ministries-public-services" in text
    html(client, "/explore/ranking?cohort=un-member-states&year=2016", 404)


def test_gaps_say_not_in_this_dataset_and_link_coverage(client: Any) -> None:
    rows = client.get("/v1/coverage?cohort=provinces-63&indicator=DTI").json()["data"]
    gappy = max((r for r in rows if r["with_rank"] or r["with_value"]),
                key=lambda r: r["cohort_size"] - r["with_value"])
    year, missing = gappy["year"], gappy["cohort_size"] - gappy["with_value"]
    assert missing > 0
    for lang, words in (("vi", "không có trong bộ dữ liệu"), ("en", "not in this dataset")):
        text = html(client, f"/explore/ranking?year={year}&cohort=provinces-63&lang={lang}")
        assert text.count(words) >= missing  # every member without a collected value
        assert re.search(r'<a class="missing" href="/explore/coverage\?lang=' + lang, text)
        for page in (text, html(client, f"/explore/province/01?lang={lang}")):
            assert "chưa công bố" not in page and "not published" not in page


def test_the_vietnamese_page_speaks_vietnamese(client: Any) -> None:
    page = html(client, "/explore/province/48?lang=vi")
    # what a reader sees above the "use this data" panel (codes stay in its snippets)
    text = re.sub(r"<[^>]+>", " ", page.split("<main")[1].split('id="use"')[0])
    assert "thành phố trực thuộc trung ương" in text and "municipality" not in text
    assert "Bắc Trung Bộ và duyên hải miền Trung" in text  # the region, translated
    assert "North Central" not in text and "provinces-63" not in text  # cohorts by name


def test_the_province_page_has_history_peers_and_a_profile(client: Any) -> None:
    text = html(client, "/explore/province/48?lang=en")
    assert "Rank history" in text and "Nearest scores" in text
    assert "/v1/charts/series?entity=48" in text
    coverage = client.get("/v1/coverage?cohort=provinces-63,provinces-34&limit=1000").json()
    complete = [r for r in coverage["data"] if r["cohort_size"]
                and r["with_value"] == r["cohort_size"] and r["indicator"] != "DTI"]
    if complete:  # issue 19's data: a complete main-indicator table somewhere
        assert "/v1/charts/radar?" in html(client, "/explore/province/M-da-nang?lang=en")
    else:  # today: said, and the pillar bars instead
        assert "No profile radar" in text and "/v1/charts/profile?entity=48" in text
    history = client.get("/v1/rankings/history?entity=48").json()["data"]
    assert all(f">{e['year']}</a>" in text for e in history)


def test_compare_shows_each_chosen_entity(client: Any) -> None:
    text = html(client, "/explore/compare?entity=48,01&lang=en")
    assert "Da Nang · Ha Noi" in text  # in the order chosen
    assert "/v1/charts/series?entity=48,01" in text
    by_form = html(client, "/explore/compare?e1=48&e2=79&e3=&e4=&lang=en")
    assert "Da Nang · Ho Chi Minh City" in by_form
    html(client, "/explore/compare?entity=01,02,04,06,08", 400)
    html(client, "/explore/compare?entity=48,ZZ", 404)
    assert "Choose 2 to 4" in html(client, "/explore/compare?lang=en")


def test_search_ignores_case_and_diacritics(client: Any) -> None:
    text = html(client, "/explore/search?q=DA%20NANG&lang=vi")
    assert 'href="/explore/province/48?lang=vi">Đà Nẵng</a>' in text
    assert 'href="/explore/province/M-da-nang?lang=vi">Đà Nẵng</a>' in text
    assert "Không tìm thấy" in html(client, "/explore/search?q=atlantis&lang=vi")


def test_errors_are_pages_for_browsers_and_problems_for_clients(client: Any) -> None:
    page = html(client, "/explore/province/ZZ?lang=en", 404)
    assert "<h1>404 · Not found</h1>" in page and "no entity with code" in page
    assert "application/problem+json" in page and 'href="/explore?lang=en"' in page
    bad = html(client, "/v1/rankings?year=abc&colour=red", 400)
    assert "<code>year</code>" in bad and "<code>colour</code>" in bad
    assert "Yêu cầu không hợp lệ" in bad  # Vietnamese by default
    for accept in ("", "*/*", "application/json", "text/html;q=0.5,application/json"):
        answer = client.get("/v1/entities/ZZ", headers={"Accept": accept})
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json", accept
    assert client.get("/no/such/page", headers={"Accept": BROWSER}).headers[
        "content-type"].startswith("text/html")


def test_pages_carry_a_canonical_address_and_a_png_preview(public: Any) -> None:
    for url in ("/explore/ranking?year=2022&lang=en", "/explore/province/48?lang=vi",
                "/explore/compare?entity=48,01&lang=vi", "/explore/coverage?lang=en", "/"):
        page = Parsed(html(public, url))
        assert page.links["canonical"].startswith(PUBLIC + "/"), url
        assert page.meta["og:url"] == page.links["canonical"]
        image = page.meta["og:image"]
        assert image.startswith(PUBLIC + "/v1/charts/") and image.endswith("format=png")
        assert page.meta["twitter:card"] == "summary_large_image"
        assert page.meta["og:title"] and page.meta["description"] == page.meta["og:description"]
        png = public.get(image.removeprefix(PUBLIC))
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n", url


def test_embed_snippets_are_absolute_only_from_the_setting(client: Any, public: Any) -> None:
    url = "/explore/ranking?year=2022&lang=en"
    snippets = Parsed(html(public, url)).snippets
    assert len(snippets) == 6  # map, tiles, distribution: an image and a frame each
    for snippet in snippets:
        src = re.search(r'src="([^"]+)"', snippet)
        assert src and src.group(1).startswith(PUBLIC + "/v1/charts/"), snippet
    frames = [s for s in snippets if s.startswith("<iframe")]
    assert all(re.search(r'width="\d+" height="\d+"', f) for f in frames)
    assert all("&amp;format=html" in f for f in frames)
    relative = html(client, url, **{"Host": "evil.example"})
    assert "evil.example" not in relative  # a Host header is never written into a page
    assert all(re.search(r'src="/v1/charts/', s) for s in Parsed(relative).snippets)
    assert "DTI_PUBLIC_URL" in relative
    coverage = Parsed(html(public, "/explore/coverage?lang=en")).snippets
    assert coverage and not any("?&" in s or "coverage?\"" in s for s in coverage)


def test_explorer_pages_answer_like_the_api(client: Any) -> None:
    page = client.get("/explore/ranking?year=2024&lang=en", headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "form-action 'self'" in page.headers["content-security-policy"]
    assert 'rel="license"' in page.headers["link"]  # the page draws the boundaries
    assert client.get("/explore/ranking?year=2024&lang=en", headers={
        "Accept": BROWSER, "If-None-Match": page.headers["etag"]}).status_code == 304
    for url, status in (("/explore/ranking?year=abc", 400), ("/explore/province/ZZ", 404),
                        ("/explore/coverage?colour=1", 400),
                        ("/explore/ranking?year=2019", 404)):
        answer = client.get(url)
        assert answer.status_code == status, url
        assert answer.headers["content-type"] == "application/problem+json"


def test_computed_ranks_show_labelled_and_what_if_is_unofficial(client: Any) -> None:
    """2023: 16 ranks published, 47 computed from the values and labelled so; the what-if
    page says it is unofficial in its body and in a header."""
    page = client.get("/explore/ranking?year=2023&cohort=provinces-63&lang=en").text
    assert "47 ranks computed from values" in page
    assert page.count("(computed from values)") == 47
    mapped = client.get("/explore/ranking?year=2024&cohort=provinces-34&lang=en").text
    assert "/explore/what-if?" in mapped  # the one complete main-indicator table
    answer = client.get("/explore/what-if?year=2024&cohort=provinces-34&lang=vi")
    assert answer.status_code == 200 and "dti-unofficial" in answer.headers
    assert "Không chính thức" in answer.text and answer.text.count("<tr>") == 35
    refused = client.get("/explore/what-if?year=2023", headers={"Accept": "text/html"})
    assert refused.status_code == 400 and refused.headers["content-type"].startswith("text/html")
