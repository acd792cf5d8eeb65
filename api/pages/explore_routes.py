"""HTTP for the explorer: parameters parsed like the API's, pages cached like answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from api.http.negotiate import MEDIA, language_of
from api.http.representation import not_modified
from api.http.state import app_state
from api.pages import explore
from api.rest.params import parse_query
from api.services.context import QueryContext, one_year
from api.services.params import Param, enum
from models.vocab import COHORTS

YEAR = Param(one_year, "Edition year", {"type": "integer"})
COHORT = enum(COHORTS, "Cohort")


async def _page(request: Request, spec: dict[str, Param],
                make: Callable[[QueryContext, str, dict[str, Any]], bytes]) -> ASGIApp:
    state = app_state(request)
    params = parse_query(request.query_params, spec, paged=False, collection=False)
    lang = params.pop("lang", None) or language_of(request.headers.get("accept-language", ""))
    early = not_modified(request.scope, state.etag(request.scope), state.settings.cache_max_age)
    if early:
        return early
    body = await state.run(make, lang, {**params, **request.path_params})
    return state.respond(request.scope, body, MEDIA["html"], headers=explore.HEADERS)


async def ranking(request: Request) -> ASGIApp:
    return await _page(request, {"year": YEAR, "cohort": COHORT},
                       lambda ctx, lang, p: explore.ranking_page(ctx, lang, p.get("year"),
                                                                 p.get("cohort")))


async def province(request: Request) -> ASGIApp:
    return await _page(request, {},
                       lambda ctx, lang, p: explore.province_page(ctx, lang, p["code"]))


async def coverage(request: Request) -> ASGIApp:
    return await _page(request, {}, lambda ctx, lang, _: explore.coverage_page(ctx, lang))


ROUTES: list[BaseRoute] = [
    Route("/explore", ranking, methods=["GET"]),
    Route("/explore/ranking", ranking, methods=["GET"]),
    Route("/explore/province/{code}", province, methods=["GET"]),
    Route("/explore/coverage", coverage, methods=["GET"]),
]
