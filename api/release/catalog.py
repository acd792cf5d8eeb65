"""Catalog metadata for harvesters: one JSON-LD graph that is both a DCAT (DCAT-AP
style) catalog, for data portals such as CKAN's DCAT harvester, and a schema.org
`Dataset`, for dataset search engines. Served at /v1/catalog.jsonld and embedded in the
landing page. Its context is inline, so no processor needs the network to read it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from api.app_meta import ATTRIBUTION
from api.http.state import AppState
from api.release import panel
from api.release.documents import ABOUT_EN, ABOUT_VI, AUTHOR, KEYWORDS, TITLE_EN, TITLE_VI
from api.release.identity import identity
from api.services.context import QueryContext
from api.services.scores import SCORE
from api.services.tables import RESOURCES

CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
           "foaf": "http://xmlns.com/foaf/0.1/", "schema": "https://schema.org/",
           "xsd": "http://www.w3.org/2001/XMLSchema#"}
IANA = "http://www.iana.org/assignments/media-types/"
TABLES = [*((r.name, r.title_en) for r in RESOURCES if r.in_package),
          (panel.NAME, panel.TITLE_EN)]  # each one a CSV and a Parquet file
MIT = "https://opensource.org/licenses/MIT"


def years(conn: Connection) -> tuple[int, int]:
    """The DTI editions the data covers."""
    s = SCORE.c
    low, high = conn.execute(select(func.min(s.year), func.max(s.year))
                             .where(s.indicator_code == "DTI")).one()
    return int(low), int(high)


def _text(en: str, vi: str) -> list[dict[str, str]]:
    return [{"@value": en, "@language": "en"}, {"@value": vi, "@language": "vi"}]


def _distribution(url: str, title: str, media: str) -> dict[str, Any]:
    return {"@id": url, "@type": ["dcat:Distribution", "schema:DataDownload"],
            "dct:title": title, "schema:name": title,
            "dcat:downloadURL": {"@id": url}, "dcat:accessURL": {"@id": url},
            "schema:contentUrl": url, "dcat:mediaType": {"@id": IANA + media},
            "schema:encodingFormat": media, "dct:license": {"@id": MIT}}


def catalog(base: str, version: str, created: str, span: tuple[int, int]) -> dict[str, Any]:
    """The graph. `base` is the public URL (empty: IRIs relative to the document)."""
    release = f"{base}/v1/releases/{version}"
    name = f"dti-open-data-{version}"
    dataset = f"{base}/v1/catalog.jsonld#dataset"
    downloads = [
        _distribution(f"{release}/{name}.zip", "Everything, zipped (Frictionless Data "
                      "Package, CSV, SQLite, data dictionary, citation)", "zip"),
        _distribution(f"{release}/{name}.sqlite", "SQLite database", "vnd.sqlite3"),
        _distribution(f"{release}/datapackage.json", "Frictionless Data Package descriptor",
                      "json"),
        *(_distribution(f"{release}/data/{name}.{ext}", f"{title} ({ext_title})", media)
          for name, title in TABLES
          for ext, ext_title, media in (("csv", "CSV", "csv"),
                                        ("parquet", "Parquet", "vnd.apache.parquet")))]
    api = {"@id": f"{base}/v1#api", "@type": ["dcat:Distribution"],
           "dct:title": "REST and GraphQL API", "dcat:accessURL": {"@id": f"{base}/v1"},
           "dcat:accessService": {
               "@id": f"{base}/v1#service", "@type": "dcat:DataService",
               "dct:title": "DTI Open Data API", "dcat:endpointURL": {"@id": f"{base}/v1"},
               "dcat:endpointDescription": {"@id": f"{base}/openapi.json"}}}
    agent = {"@id": f"{base}/#publisher", "@type": ["foaf:Agent", "schema:Organization"],
             "foaf:name": AUTHOR, "schema:name": AUTHOR}
    issued = {"@value": created[:10], "@type": "xsd:date"}
    temporal = f"{span[0]}/{span[1]}"
    return {"@context": CONTEXT, "@graph": [
        {"@id": f"{base}/v1/catalog.jsonld#catalog", "@type": "dcat:Catalog",
         "dct:title": _text("DTI Open Data catalog", "Danh mục Dữ liệu mở DTI"),
         "dct:publisher": {"@id": agent["@id"]}, "dcat:dataset": {"@id": dataset},
         "dcat:service": {"@id": f"{base}/v1#service"}},
        {"@id": dataset, "@type": ["dcat:Dataset", "schema:Dataset"],
         "dct:title": _text(TITLE_EN, TITLE_VI), "schema:name": TITLE_EN,
         "dct:description": _text(ABOUT_EN, ABOUT_VI), "schema:description": ABOUT_EN,
         "dct:identifier": name, "schema:identifier": name,
         "dcat:version": version, "schema:version": version,
         "dct:issued": issued, "schema:datePublished": issued,
         "dct:license": {"@id": MIT}, "schema:license": {"@id": MIT},
         "dct:rights": ATTRIBUTION, "schema:creditText": ATTRIBUTION,
         "dcat:keyword": KEYWORDS, "schema:keywords": KEYWORDS,
         "dct:publisher": agent, "schema:creator": {"@id": agent["@id"]},
         "dct:spatial": {"@id": "http://sws.geonames.org/1562822/"},
         "schema:spatialCoverage": "Việt Nam / Viet Nam",
         "dct:temporal": temporal, "schema:temporalCoverage": temporal,
         "dct:language": [{"@id": "http://id.loc.gov/vocabulary/iso639-1/vi"},
                          {"@id": "http://id.loc.gov/vocabulary/iso639-1/en"}],
         "schema:inLanguage": ["vi", "en"], "schema:isAccessibleForFree": True,
         "dcat:landingPage": {"@id": f"{base}/"}, "schema:url": f"{base}/",
         "dcat:distribution": [{"@id": d["@id"]} for d in [*downloads, api]],
         "schema:distribution": [{"@id": d["@id"]} for d in downloads]},
        *downloads, api]}


def catalog_of(state: AppState, ctx: QueryContext) -> dict[str, Any]:
    """The DCAT / schema.org graph of this dataset version (needs no built release)."""
    who = identity(state)
    return catalog(state.settings.public_url, who.version, who.created, years(ctx.conn))
