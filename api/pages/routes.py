"""Pages for people and the files they load: the landing page, the API docs (Swagger UI),
the explorer, static assets and the dataset's own READMEs; each a declaration for the one
endpoint wrapper, cached like every answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.app_meta import DATA_DOCUMENTS
from api.charts import render as chart_render
from api.charts.kinds import LICENCE_LINK
from api.errors import not_found
from api.http.assets import Assets
from api.http.endpoint import Body, Call, Doc, Document, Endpoint
from api.http.formats import FORMATS
from api.http.representation import RenderedResponse
from api.pages import compare, entity, explore, home, notes
from api.pages.docs import INIT, swagger_ui_dir
from api.pages.docs import PAGE as DOCS_PAGE
from api.pages.site import HEADERS
from api.release.catalog import catalog_of
from api.services import geo, whatif
from api.services.catalog import EntityFilter
from api.services.charts import RadarChart
from api.services.context import QueryContext, one_year
from api.services.params import Param, code, enum
from api.services.registry import index
from models import public as pub
from models.vocab import COHORTS

STATIC = Path(__file__).resolve().parent / "static"
YEAR = Param(one_year, "Edition year (default: the latest with complete values)",
             {"type": "integer", "minimum": 1990, "maximum": 2100})
COHORT = enum(COHORTS, "Cohort (default: the provinces; ministries-... for the ministries)")
RANKING = {"year": YEAR, "cohort": COHORT,
           "indicator": Param(code, "Indicator code (default DTI)",
                              {"type": "string", "pattern": r"^[A-Za-z0-9_.|-]{1,64}$"}),
           "view": enum(explore.VIEWS, "How provinces are drawn: map (default) or tiles")}
ONE = Param(lambda v: code(v) if v else None, "One entity, as the page's form sends it "
            "(empty: none)",
            {"type": "string", "pattern": r"^[A-Za-z0-9_.|-]{0,64}$"})
COMPARE = {"entity": Param(RadarChart.PARAMS["entity"].parse, "Entity codes, "
                           "comma-separated, 2 to 4", RadarChart.PARAMS["entity"].schema),
           **{f"e{i}": ONE for i in range(1, 5)}}
SEARCH = {"q": EntityFilter.PARAMS["q"]}
CODE = {"code": ("Entity code", "48")}
UNOFFICIAL = (b"dti-unofficial", b"what-if: recomputed with the weights asked for; not a "
              b"published ranking")
HTML = {"text/html": {"schema": {"type": "string"}}}


def files(max_age: int) -> dict[str, Assets]:
    """The static files under each prefix (only these are reachable)."""
    swagger = swagger_ui_dir()
    return {
        "assets": Assets({"site.css": STATIC / "site.css", "favicon.svg": STATIC / "favicon.svg",
                          "favicon.ico": STATIC / "favicon.svg", "chart.js": STATIC / "chart.js",
                          "vega-embed.js": chart_render.bundle}, max_age),
        "docs": Assets({"swagger-ui.css": swagger / "swagger-ui.css",
                        "swagger-ui-bundle.js": swagger / "swagger-ui-bundle.js",
                        "init.js": lambda: INIT}, max_age),
        "page": Assets({"docs.html": lambda: DOCS_PAGE}, max_age),
    }


def serve_file(prefix: str, name: str | None = None) -> Callable[[Call], Any]:
    async def handle(call: Call) -> RenderedResponse:
        found = call.state.part(StaticFiles).prefixes[prefix]
        return RenderedResponse(found.rendered(name or call.path.get("name", "")))
    return handle


class StaticFiles:
    """The app's static files, read and gzipped once each (a Part of the app)."""

    def __init__(self, max_age: int) -> None:
        self.prefixes = files(max_age)

    def start(self) -> None: ...

    def stop(self) -> None: ...


async def landing(call: Call) -> Document | Body:
    """HTML for browsers that ask for it; the /v1 index for every other client."""
    state = call.state
    if call.fmt == "json":
        return Document(index(state.db.version, state.db.built_at, state.db.synthetic))
    coverage, graph, image = await state.run(lambda ctx: (
        home.coverage_rows(ctx), catalog_of(state, ctx), home.preview(ctx)))
    return Body(home.render_page(state.settings.public_url, state.db.version,
                                 state.db.built_at, coverage, graph, image))


async def data_document(call: Call) -> Body:
    """A README as Markdown, or as an HTML page for browsers."""
    name = call.path["name"]
    if name not in DATA_DOCUMENTS:
        raise not_found(f"no document {name!r}; there are {', '.join(DATA_DOCUMENTS)}")
    if call.fmt == "markdown":
        return Body(notes.markdown(name))
    return Body(notes.notes_page(call.state.settings.public_url, call.lang, name), HEADERS)


Make = Callable[[QueryContext, str, Call], bytes]


def explorer(make: Make, headers: list[tuple[bytes, bytes]] = HEADERS
             ) -> Callable[[QueryContext, Call], Body]:
    def query(ctx: QueryContext, call: Call) -> Body:
        return Body(make(ctx, call.state.settings.public_url, call), headers)
    return query


def _codes(call: Call) -> list[str]:
    chosen = [*call.params.get("entity", ()), *(call.params.get(f"e{i}") for i in range(1, 5))]
    return [c for c in chosen if c]


def _explore(path: str, operation: str, summary: str, make: Make,
             params: dict[str, Param] | None = None, **doc: Any) -> Endpoint:
    mapped = path in ("/explore", "/explore/ranking")
    return Endpoint(path, operation, summary, query=explorer(
        make, [*HEADERS, LICENCE_LINK] if mapped else HEADERS), params=params or {},
        formats=("html",), lang=True, tag="explorer",
        variant=geo.version if mapped else None, doc=Doc(schema=HTML, **doc))


def _ranking(ctx: QueryContext, base: str, c: Call) -> bytes:
    p = c.params
    return explore.ranking_page(ctx, base, c.lang, p.get("year"), p.get("cohort"),
                                p.get("indicator"), p.get("view"))


ENDPOINTS = [
    Endpoint("/", "get_home", "What this is, in Vietnamese and English (HTML for browsers, "
             "the /v1 index otherwise)", handle=landing, formats=("json", "html"), lang=True,
             tag="service", doc=Doc(pub.ServiceIndex, responses=(406,))),
    Endpoint("/docs", "get_docs", "Interactive API documentation (Swagger UI)",
             handle=serve_file("page", "docs.html"), formats=(), tag="service",
             cache=False, doc=Doc(schema=HTML)),
    Endpoint("/docs/assets/{name}", "get_docs_asset", "Swagger UI's files",
             handle=serve_file("docs"), formats=(), cache=False, contract=False),
    Endpoint("/assets/{name}", "get_asset", "The pages' stylesheet, scripts and icons",
             handle=serve_file("assets"), formats=(), cache=False, contract=False),
    Endpoint("/favicon.ico", "get_favicon", "The icon", formats=(), cache=False,
             handle=serve_file("assets", "favicon.ico"), contract=False),
    Endpoint("/data/{name}", "get_data_document", "The dataset's READMEs: what each file "
             "holds and lacks (Markdown; an HTML page for browsers)", handle=data_document,
             formats=("markdown", "html"), lang=True, tag="service", doc=Doc(
                 path_params={"name": ("Document", DATA_DOCUMENTS[0])}, responses=(404,))),
    _explore("/explore", "get_explore_home", "The explorer (the ranking view)", _ranking,
             RANKING, responses=(404,)),
    _explore("/explore/ranking", "get_explore_ranking", "A ranking for people: the map, the "
             "table with ties, changes, conflicts and sources, how the values spread",
             _ranking, RANKING, responses=(404,)),
    Endpoint("/explore/what-if", "get_explore_what_if", "Unofficial: the ranking "
             "recomputed with your weights of the main indicators, beside the official one",
             query=explorer(lambda ctx, base, c: explore.what_if_page(
                 ctx, base, c.lang, c.params["year"], c.params.get("cohort"),
                 c.params.get("weights")), [*HEADERS, UNOFFICIAL]),
             params=whatif.WhatIfRequest.PARAMS, formats=("html",), lang=True,
             tag="explorer", doc=Doc(schema=HTML, responses=(404,))),
    _explore("/explore/province/{code}", "get_explore_province", "One entity: series, rank "
             "history, main-indicator radar, nearest scores, every figure and its sources",
             lambda ctx, base, c: entity.entity_page(ctx, base, c.lang, c.path["code"]),
             path_params=CODE, responses=(404,)),
    _explore("/explore/compare", "get_explore_compare", "2 to 4 entities side by side",
             lambda ctx, base, c: compare.compare_page(ctx, base, c.lang, _codes(c)),
             COMPARE, responses=(404,)),
    _explore("/explore/search", "get_explore_search", "Find an entity by name (case and "
             "diacritics ignored)", lambda ctx, base, c: compare.search_page(
                 ctx, base, c.lang, c.params.get("q")), SEARCH),
    _explore("/explore/coverage", "get_explore_coverage", "How complete each year is",
             lambda ctx, base, c: explore.coverage_page(ctx, base, c.lang)),
]
assert all(f in FORMATS for e in ENDPOINTS for f in e.formats)
