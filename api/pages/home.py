"""/ : what the service is, in Vietnamese and English, with coverage at a glance.

Browsers that ask for HTML get the page; every other client gets the /v1 index as JSON.
Both are representations like any other (ETag, Cache-Control, the response cache).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from api.app_meta import DATA_DOCUMENTS
from api.pages.layout import both, page
from api.services import figures
from api.services.context import QueryContext
from api.services.paging import PageRequest
from models.vocab import PROVINCE_COHORTS as COHORTS

LINKS = (
    ("/explore", "Khám phá: xếp hạng, tỉnh, độ phủ", "Explore: rankings, provinces, coverage"),
    ("/v1", "Chỉ mục API (JSON)", "API index (JSON)"),
    ("/docs", "Tài liệu API tương tác", "Interactive API docs"),
    ("/openapi.json", "Hợp đồng OpenAPI 3.1", "OpenAPI 3.1 contract"),
    ("/graphql", "GraphiQL: truy vấn GraphQL", "GraphiQL: GraphQL explorer"),
    ("/v1/rankings?year=2022", "Bảng xếp hạng DTI 2022", "DTI 2022 ranking"),
    ("/v1/scores?format=csv", "Mọi số liệu (CSV)", "Every figure (CSV)"),
    ("/v1/coverage", "Mức độ đầy đủ của dữ liệu", "How complete the data is"),
    ("/v1/sources", "Nguồn của từng số liệu", "The source of every figure"),
    *((f"/data/{name}", f"Mô tả dữ liệu: {name}", f"Data notes: {name}")
      for name in DATA_DOCUMENTS),
    ("#licence", "Giấy phép", "Licence"),
    ("#cite", "Cách trích dẫn", "How to cite"),
)


def coverage_rows(ctx: QueryContext) -> list[dict[str, Any]]:
    """Per year: provinces with a published DTI value and with a rank, of the cohort."""
    f = figures.CoverageFilter(cohorts=COHORTS, indicators=("DTI",))
    return figures.coverage(ctx, f, PageRequest(1000)).items  # type: ignore[return-value]


def render(version: str, built_at: str, coverage: list[dict[str, Any]],
           catalog: dict[str, Any]) -> bytes:
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
    links = "".join(f'<li><a href="{href}">{both(vi, en)}</a></li>'
                    for href, vi, en in (*downloads, *LINKS))
    rows = "".join(
        f'<tr><td>{c["year"]}</td><td>{escape(c["cohort"])}</td>'
        f'<td class="num">{c["with_value"]}</td><td class="num">{c["with_rank"]}</td>'
        f'<td class="num">{c["cohort_size"]}</td></tr>' for c in coverage)
    body = f"""
<h1>DTI Open Data</h1>
<p class="lead" lang="vi">Chỉ số chuyển đổi số (DTI) của Việt Nam dưới dạng dữ liệu mở: điểm và
thứ hạng của các tỉnh, thành phố, bộ, ngành và quốc gia từ năm 2020, kèm nguồn công khai của
từng số liệu. Số liệu thiếu để trống, không bao giờ ước đoán.</p>
<p class="lead" lang="en">Vietnam's Digital Transformation Index (DTI) as open data: scores and
ranks of provinces, ministries and the nation since 2020, every figure with the public page it
was read from. Missing figures are left empty, never estimated.</p>
<p>{both("Phiên bản dữ liệu", "Dataset version")}: <code>{escape(version)}</code>
 · {both("Ngày tạo", "Built")}: <time datetime="{escape(built_at)}">{escape(built_at)}</time></p>
<h2>{both("Bắt đầu", "Start here")}</h2>
<ul class="links">{links}</ul>
<h2>{both("Mức độ đầy đủ", "Coverage at a glance")}</h2>
<p>{both("Số tỉnh có điểm DTI công bố và có thứ hạng, theo năm.",
         "Provinces with a published DTI value and with a rank, per year.")}</p>
<table><caption class="visually-hidden">DTI coverage</caption>
<thead><tr><th scope="col">{both("Năm", "Year")}</th><th scope="col">{both("Nhóm", "Cohort")}</th>
<th scope="col" class="num">{both("Có điểm", "With value")}</th>
<th scope="col" class="num">{both("Có hạng", "With rank")}</th>
<th scope="col" class="num">{both("Tổng số", "Cohort size")}</th></tr></thead>
<tbody>{rows}</tbody></table>
<h2 id="licence">{both("Giấy phép", "Licence")}</h2>
<p lang="vi">Mã nguồn theo giấy phép MIT. Số liệu thuộc về các cơ quan và báo chí đã công bố;
mỗi số liệu ghi rõ nguồn tại <a href="/v1/sources">/v1/sources</a>.</p>
<p lang="en">Code under the MIT licence. The figures belong to the bodies and press that
published them; each names its source at <a href="/v1/sources">/v1/sources</a>.</p>
<h2 id="cite">{both("Cách trích dẫn", "How to cite")}</h2>
<p lang="en">Cite the dataset and, for each figure, its source:</p>
<pre>DTI Open Data, release dti-open-data-{escape(version)}.
Vietnam's Digital Transformation Index as open data. Figures from the sources at /v1/sources.</pre>
<p>{both("Tệp CITATION.cff của bản phát hành có đủ thông tin trích dẫn.",
         "The release's CITATION.cff has the full citation.")}</p>
"""
    graph = json.dumps(catalog, ensure_ascii=False).replace("</", "<\\/")
    head = f'<script type="application/ld+json">{graph}</script>'
    return page("DTI Open Data — Chỉ số chuyển đổi số", body, head)
