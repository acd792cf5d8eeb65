"""Markup in the data or in a request is shown as text on every page, never run: a seed
copy names a province, a post-merger unit, a cohort and an indicator with markup, and
query parameters carry quotes and angle brackets."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from seed.build import DEFAULT_DATA, load
from tests.conftest import make_app

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(2)>'
SHOWN = {"vi": "&lt;script&gt;alert(1)&lt;/script&gt;", "en": "&lt;img src=x onerror=alert(2)&gt;"}
RAW = ("<script>alert(", "<img src=x", "<svg onload", '"><b>')
BROWSER = {"Accept": "text/html"}


def rewrite(path: Path, key: str, value: str, changes: dict[str, str]) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    hit = [r for r in rows if r[key] == value]
    assert hit, (path.name, value)
    for row in hit:
        row.update(changes)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from starlette.testclient import TestClient

    data = tmp_path_factory.mktemp("evil") / "data"
    shutil.copytree(DEFAULT_DATA, data)
    names = {"name_vi": SCRIPT, "name_en": ATTRIBUTE}
    rewrite(data / "provinces.csv", "code", "48", names)
    rewrite(data / "merged_provinces.csv", "code", "M-da-nang", names)
    rewrite(data / "cohorts.csv", "code", "provinces-63", names)
    rewrite(data / "indicators.csv", "framework_id", "DTI_922_2022", {})  # it is there
    with (data / "indicators.csv").open(encoding="utf-8") as f:
        text = f.read()
    (data / "indicators.csv").write_text(text.replace(
        "Chỉ số chuyển đổi số cấp tỉnh (PDTI)", SCRIPT), encoding="utf-8")
    url = f"sqlite:///{data.parent / 'evil.sqlite'}"
    load(data, url)
    with TestClient(make_app(url, public_url='https://x.example/"><b>'),
                    raise_server_exceptions=False) as c:
        yield c


PAGES = [
    "/explore/ranking?year=2022", "/explore/ranking?year=2022&view=tiles&lang=en",
    "/explore/ranking?year=2024&cohort=provinces-34", "/explore/province/48",
    "/explore/province/48?lang=en", "/explore/province/M-da-nang",
    "/explore/province/49", "/explore/compare?entity=48,01",
    "/explore/compare?e1=48&e2=M-da-nang&lang=en", "/explore/search?q=alert",
    "/explore/search?q=" + quote(SCRIPT), "/explore/search?q=" + quote(ATTRIBUTE),
    "/explore/coverage", "/", "/data/README.md",
    "/v1/charts/ranking?year=2022&format=html",
    "/v1/charts/map?year=2022&format=html&lang=en",
    "/v1/charts/series?entity=48,01&format=html",
]
ERRORS = [
    "/explore/ranking?year=" + quote(ATTRIBUTE), "/explore/province/" + quote(SCRIPT),
    "/explore/search?q=" + quote("\x01" + SCRIPT), "/v1/rankings?year=2022&" + quote(SCRIPT)
    + "=1", "/explore/compare?entity=48," + quote(ATTRIBUTE),
]


def shows_as_text(body: str) -> None:
    for raw in RAW:
        assert raw not in body, raw


@pytest.mark.parametrize("url", PAGES)
def test_markup_in_names_and_parameters_is_text(client: Any, url: str) -> None:
    answer = client.get(url, headers=BROWSER)
    assert answer.status_code == 200, (url, answer.text[:300])
    shows_as_text(answer.text)
    if "48" in url or "ranking" in url or "q=alert" in url or "map" in url:
        lang = "en" if "lang=en" in url else "vi"
        assert SHOWN[lang] in answer.text, url  # the name is there, escaped


@pytest.mark.parametrize("url", ERRORS)
def test_markup_in_a_bad_request_is_text_on_the_error_page(client: Any, url: str) -> None:
    answer = client.get(url, headers=BROWSER)
    assert answer.status_code in (400, 404), url
    assert answer.headers["content-type"].startswith("text/html")
    shows_as_text(answer.text)


def test_the_pages_have_no_manual_escaping_left() -> None:
    """Escaping is the templates' job: no page module calls escape() itself."""
    root = Path(__file__).resolve().parents[1] / "api"
    for module in [*(root / "pages").glob("*.py"), *(root / "charts").glob("*.py")]:
        text = module.read_text(encoding="utf-8")
        assert "escape(" not in text and "from html import" not in text, module.name
