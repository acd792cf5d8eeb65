"""Pages for people and the files they load: the landing page, the API docs (Swagger UI),
the explorer, static assets and the dataset's own READMEs; each a declaration for the one
endpoint wrapper, cached like every answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.app_meta import DATA_DOCUMENTS
from api.charts import render as chart_render
from api.http.assets import Assets
from api.http.endpoint import Body, Call, Doc, Document, Endpoint
from api.http.formats import FORMATS
from api.http.representation import RenderedResponse
from api.pages import explore, home
from api.pages.docs import INIT, swagger_ui_dir
from api.pages.docs import PAGE as DOCS_PAGE
from api.release.catalog import catalog_of
from api.services.context import QueryContext, one_year
from api.services.params import Param, enum
from api.services.registry import index
from models import public as pub
from models.vocab import COHORTS

STATIC = Path(__file__).resolve().parent / "static"
SEED_DATA = Path(__file__).resolve().parents[2] / "seed" / "data"
YEAR = Param(one_year, "Edition year", {"type": "integer", "minimum": 1990, "maximum": 2100})
COHORT = enum(COHORTS, "Cohort")
CODE = {"code": ("Entity code", "48")}
HTML = {"text/html": {"schema": {"type": "string"}}}
MARKDOWN = {"text/markdown": {"schema": {"type": "string"}}}


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
        "data": Assets({name: SEED_DATA / name for name in DATA_DOCUMENTS}, max_age),
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
    coverage, graph = await state.run(lambda ctx: (home.coverage_rows(ctx),
                                                   catalog_of(state, ctx)))
    return Body(home.render(state.db.version, state.db.built_at, coverage, graph))


def explorer(make: Callable[[QueryContext, Call], bytes]) -> Callable[[QueryContext, Call], Body]:
    def query(ctx: QueryContext, call: Call) -> Body:
        return Body(make(ctx, call), explore.HEADERS)
    return query


def _name(doc: str, names: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    return {"name": (doc, names[0])}


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
             "holds and lacks", handle=serve_file("data"), formats=(), cache=False,
             tag="service", doc=Doc(path_params=_name("Document", DATA_DOCUMENTS),
                                    responses=(404,), schema=MARKDOWN)),
    *(Endpoint(path, operation, summary, query=explorer(make), params=params,
               formats=("html",), lang=True, tag="explorer", doc=Doc(
                   schema=HTML, path_params=path_params, responses=responses))
      for path, operation, summary, params, make, path_params, responses in (
          ("/explore", "get_explore_home", "The explorer (the ranking view)",
           {"year": YEAR, "cohort": COHORT},
           lambda ctx, c: explore.ranking_page(ctx, c.lang, c.params.get("year"),
                                               c.params.get("cohort")), {}, ()),
          ("/explore/ranking", "get_explore_ranking",
           "A ranking for people: ties, changes, conflicts, sources",
           {"year": YEAR, "cohort": COHORT},
           lambda ctx, c: explore.ranking_page(ctx, c.lang, c.params.get("year"),
                                               c.params.get("cohort")), {}, ()),
          ("/explore/province/{code}", "get_explore_province",
           "One province: charts, every figure, sources, the merger", {},
           lambda ctx, c: explore.province_page(ctx, c.lang, c.path["code"]), CODE, (404,)),
          ("/explore/coverage", "get_explore_coverage", "How complete each year is", {},
           lambda ctx, c: explore.coverage_page(ctx, c.lang), {}, ()))),
]
assert all(f in FORMATS for e in ENDPOINTS for f in e.formats)
