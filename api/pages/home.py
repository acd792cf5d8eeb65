"""/ : what the service is, in Vietnamese and English, with coverage at a glance.

Browsers that ask for HTML get the page; every other client gets the /v1 index as JSON.
Both are representations like any other (ETag, Cache-Control, the response cache).
"""

from __future__ import annotations

from typing import Any

from api.app_meta import DATA_DOCUMENTS
from api.pages.panels import PROVINCES, choose, editions
from api.pages.site import Page, render, url
from api.services import figures
from api.services.context import QueryContext
from api.services.paging import PageRequest

LINKS = (
    ("/explore", "Khám phá: bản đồ, xếp hạng, tỉnh, so sánh",
     "Explore: maps, rankings, provinces, comparisons"),
    ("/v1", "Chỉ mục API (JSON)", "API index (JSON)"),
    ("/docs", "Tài liệu API tương tác", "Interactive API docs"),
    ("/openapi.json", "Hợp đồng OpenAPI 3.1", "OpenAPI 3.1 contract"),
    ("/graphql", "GraphiQL: truy vấn GraphQL", "GraphiQL: GraphQL explorer"),
    ("/v1/rankings?year=2022", "Bảng xếp hạng DTI 2022", "DTI 2022 ranking"),
    ("/v1/scores?format=csv", "Mọi số liệu (CSV)", "Every figure (CSV)"),
    ("/v1/coverage", "Mức độ đầy đủ của dữ liệu", "How complete the data is"),
    ("/v1/sources", "Nguồn của từng số liệu", "The source of every figure"),
    ("/v1/geo", "Ranh giới bản đồ (TopoJSON, CC BY-SA 4.0)",
     "Map boundaries (TopoJSON, CC BY-SA 4.0)"),
    *((f"/data/{name}", f"Mô tả dữ liệu: {name}", f"Data notes: {name}")
      for name in DATA_DOCUMENTS),
    ("#licence", "Giấy phép", "Licence"),
    ("#cite", "Cách trích dẫn", "How to cite"),
)


def coverage_rows(ctx: QueryContext) -> list[dict[str, Any]]:
    """Per year: provinces with a published DTI value and with a rank, of the cohort."""
    f = figures.CoverageFilter(cohorts=PROVINCES, indicators=("DTI",))
    return figures.coverage(ctx, f, PageRequest(1000)).items  # type: ignore[return-value]


def preview(ctx: QueryContext) -> str:
    """The map the explorer opens on: the landing page's preview when shared."""
    year, cohort = choose(editions(ctx, PROVINCES, "DTI"), None, None, PROVINCES)
    return url("/v1/charts/map", year=year, cohort=cohort, lang="vi")


def render_page(base: str, version: str, built_at: str, coverage: list[dict[str, Any]],
                catalog: dict[str, Any], image: str) -> bytes:
    """The page; `catalog` (DCAT and schema.org JSON-LD) goes in its head for harvesters."""
    release = f"/v1/releases/{version}"
    downloads = (
        (f"{release}/dti-open-data-{version}.zip", "Tải toàn bộ dữ liệu (zip: CSV, SQLite, "
         "gói dữ liệu Frictionless)", "Download everything (zip: CSV, SQLite, Frictionless "
         "data package)"),
        (f"{release}/README.md", "Từ điển dữ liệu", "Data dictionary"),
        (f"{release}/CITATION.cff", "Trích dẫn (CITATION.cff)", "Citation (CITATION.cff)"),
        ("/v1/releases", "Các bản phát hành, kích thước và SHA-256",
         "Releases, sizes and SHA-256"))
    page = Page("vi", "/", base, "DTI Open Data — Chỉ số chuyển đổi số",
                description="Chỉ số chuyển đổi số (DTI) của Việt Nam dưới dạng dữ liệu mở · "
                            "Vietnam's Digital Transformation Index as open data",
                image=image)
    return render("home.html", page, version=version, built_at=built_at, coverage=coverage,
                  links=(*downloads, *LINKS), catalog=catalog)
