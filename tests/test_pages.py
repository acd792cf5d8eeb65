"""The landing page and the documents, over HTTP: negotiation, caching, what they link."""

from __future__ import annotations

from typing import Any

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


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


def test_data_documents_and_favicon(client: Any) -> None:
    readme = client.get("/data/README_merger.md")
    assert readme.headers["content-type"] == "text/markdown; charset=utf-8"
    assert "merger" in readme.text.lower()
    assert client.get("/data/cohorts.csv").status_code == 404
    assert client.get("/data/..%2Fbuild.py").status_code == 404
    assert client.get("/favicon.ico").headers["content-type"] == "image/svg+xml"
