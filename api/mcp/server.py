"""The MCP server: task-named, read-only tools over the service layer; the dataset's
documentation and coverage table as resources; a prompt to answer with citations."""

from __future__ import annotations

import csv
import inspect
import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resources import FileResource
from mcp.types import CallToolResult, InputRequiredResult, Tool, ToolAnnotations
from pydantic import Field

from api.app_meta import API_VERSION, DATA_DOCUMENTS
from api.http.state import AppState
from api.mcp import dataset_tools, figure_tools
from api.mcp.provenance import CITE
from api.services import figures
from api.services.context import QueryContext
from api.services.paging import MAX_LIMIT, PageRequest
from seed.build import DEFAULT_DATA

TOOLS = (dataset_tools.find_entity, figure_tools.get_ranking, figure_tools.get_entity_profile,
         figure_tools.compare_entities, dataset_tools.get_coverage, figure_tools.get_figure,
         dataset_tools.get_framework, dataset_tools.about_dataset)
# Every tool only reads this dataset: no side effects, the same answer for the same call.
READ_ONLY = dict(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                 open_world_hint=False)
INSTRUCTIONS = ("DTI Open Data: Vietnam's Digital Transformation Index (DTI) for provinces "
                "(63 until the 2025 merger, 34 after), ministries and the nation, per edition "
                "since 2020, every figure with the public page it was read from. Start with "
                "find_entity for codes and get_coverage for what is known. " + CITE)
PROMPT = "\n".join((
    "Answer the question below with DTI Open Data's tools.", "", "Rules:",
    "- Use only figures the tools return. A figure they do not have is not in this "
    "dataset: say so; never estimate, interpolate or fill it in.",
    "- After every figure, cite the source it is served from: publisher, title, URL, date.",
    "- Give DTI values as 0..1 fractions to 4 decimals and ranks as rank N of the cohort "
    "size; say when a rank is computed, not published, and when sources disagree "
    "(conflict_status other than none).",
    "- End with the dataset version and the REST link of the data you used.", "",
    "Question: {question}"))
COVERAGE_COLUMNS = ("year", "cohort", "indicator", "cohort_size", "cohort_size_basis",
                    "with_value", "with_rank", "figures", "unresolved")
ARGUMENTS = {tool.__name__: frozenset(inspect.signature(tool).parameters) - {"ctx"}
             for tool in TOOLS}


class DtiServer(MCPServer[AppState]):
    """MCPServer that refuses arguments a tool does not take: a misspelt one would
    otherwise be dropped silently and the call answer something else."""

    async def list_tools(self) -> list[Tool]:
        tools = await super().list_tools()
        for tool in tools:
            tool.input_schema["additionalProperties"] = False
        return tools

    async def call_tool(self, name: str, arguments: dict[str, Any],
                        context: Context[AppState, Any] | None = None
                        ) -> CallToolResult | InputRequiredResult:
        unknown = sorted(set(arguments) - ARGUMENTS.get(name, frozenset(arguments)))
        if unknown:
            raise ToolError(f"Error executing tool {name}: unknown argument "
                            f"{', '.join(u[:64] for u in unknown[:10])}; it takes "
                            f"{', '.join(sorted(ARGUMENTS[name])) or 'none'}")
        return await super().call_tool(name, arguments, context)


def coverage_csv(query: QueryContext) -> str:
    """The whole coverage table (/v1/coverage) as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COVERAGE_COLUMNS)
    cursor = None
    while True:
        page = figures.coverage(query, figures.CoverageFilter(), PageRequest(MAX_LIMIT, cursor))
        writer.writerows([row[c] for c in COVERAGE_COLUMNS] for row in page.items)  # type: ignore[literal-required]
        cursor = page.next_cursor
        if not cursor:
            return out.getvalue()


def build_server(state: AppState) -> DtiServer:
    """The server over this application's state (its database and settings)."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        yield state  # every request's context carries it

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    server = DtiServer("dti-open-data", title="DTI Open Data", instructions=INSTRUCTIONS,
                       version=API_VERSION, lifespan=lifespan, log_level="WARNING")
    # MCPServer calls logging.basicConfig; the process's logging is the app's to set.
    root.handlers[:], root.level = handlers, level
    for tool in TOOLS:
        title = tool.__name__.replace("_", " ").capitalize()
        server.add_tool(tool, title=title, annotations=ToolAnnotations(title=title, **READ_ONLY))
    for name in DATA_DOCUMENTS:
        server.add_resource(FileResource(
            uri=f"dti://data/{name}", path=DEFAULT_DATA / name, name=name,
            mime_type="text/markdown", description="The dataset's documentation: what each "
            "file holds, what is complete and what is missing (also at /data/" + name + ")."))

    @server.resource("dti://coverage", name="coverage.csv", mime_type="text/csv",
                     description="How complete each edition is: per year, cohort and "
                                 "indicator, members with a value and with a rank against the "
                                 "cohort size (the table /v1/coverage serves).")
    async def coverage() -> str:
        return await state.run(coverage_csv)

    @server.prompt(name="answer_with_citations", title="Answer with citations from DTI Open "
                   "Data", description="Answer a question about Vietnam's DTI with figures "
                   "from this dataset only, each cited with its source.")
    def answer_with_citations(
            question: Annotated[str, Field(description="The question to answer",
                                           max_length=2000)]) -> str:
        return PROMPT.format(question=question)

    return server
