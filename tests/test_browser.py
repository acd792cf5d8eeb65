"""What a person sees, in a real browser: /docs, GraphiQL and the landing page."""

from __future__ import annotations

import re
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
