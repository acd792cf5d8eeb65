"""Tool arguments: each one's JSON Schema comes from the service layer's parameter (the one
parser REST and GraphQL use, which also checks it), with a description for a model."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import WithJsonSchema

from api.services import catalog, rankings
from api.services.context import YEARS
from api.services.params import CODE_SCHEMA, Param, integer

Limit = integer(1, 100)  # entries in one ranking answer
MAX_COMPARED = 8


def arg(param: Param | None, description: str, **schema: Any) -> WithJsonSchema:
    """The argument's schema: the parameter's, with a description for a model."""
    return WithJsonSchema({**(param.schema if param else {}), **schema,
                           "description": description})


ENTITY_DOC = ("Entity code, as find_entity returns it: a 2-digit code for a pre-2025 "
              "province (48 = Đà Nẵng, 22 = Quảng Ninh), M-<name> for a post-2025 province "
              "(M-da-nang), a ministry code (mof, mic) or VN for the nation.")
EntityCode = Annotated[str, arg(None, ENTITY_DOC, **CODE_SCHEMA)]
Year = Annotated[int, arg(rankings.RankingRequest.PARAMS["year"],
                          "Edition year: the year assessed (the 2024 edition was announced "
                          "in 2025).")]
Indicator = Annotated[str, arg(rankings.RankingRequest.PARAMS["indicator"],
                               "Indicator code: DTI (the index), its pillars GOV, ECO, SOC, "
                               "or a main indicator such as INFRASTRUCTURE; get_framework "
                               "lists them.")]
Cohort = Annotated[str | None, arg(rankings.RankingRequest.PARAMS["cohort"],
                                   "Who is ranked: provinces-63 (the default up to 2024), "
                                   "provinces-34 (from the 2024 edition's second ranking "
                                   "on), ministries-public-services, "
                                   "ministries-no-public-services, nation.")]
Years = Annotated[str | int | None, arg(YEARS, "Years: one (2022), a list (2020,2022) or "
                                              "a range (2020:2024); default every year.")]
Level = Annotated[str, arg(catalog.IndicatorFilter.PARAMS["level"],
                           "Which framework: province, ministry or national.")]
