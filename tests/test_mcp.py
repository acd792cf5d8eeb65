"""The MCP server, driven by the SDK's own client: in process (fast), over streamable HTTP
against uvicorn, and over stdio against `dti-api mcp` (both `slow`).

Every tool is called with good arguments (its answer carries provenance and each figure
its served source) and with bad ones (a tool error that says what to change, never a
500 or a protocol error); a ranking's figures equal /v1/rankings; the front door's rate
limit and access log see MCP calls; /llms.txt is what its README sections make."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from starlette.testclient import TestClient

from api.mcp import llms
from api.mcp.provenance import CITE, NOT_HERE, rank_status
from api.mcp.server import TOOLS, build_server
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[1]
GOOD: dict[str, dict[str, Any]] = {
    "find_entity": {"name": "Quảng Ninh"},
    "get_ranking": {"year": 2022, "limit": 63},
    "get_entity_profile": {"entity": "22"},
    "compare_entities": {"entities": ["48", "22", "79"]},
    "get_coverage": {"year": 2022},
    "get_figure": {"entity": "79", "year": 2022, "indicator": "ECO"},
    "get_framework": {"year": 2022},
    "about_dataset": {},
}
# Each bad call and a word its error must name, so the model knows what to change.
BAD: list[tuple[str, dict[str, Any], str]] = [
    ("find_entity", {}, "name"),
    ("find_entity", {"name": "   "}, "name"),
    ("find_entity", {"name": "Huế", "kind": "city"}, "kind"),
    ("find_entity", {"name": "Huế", "limit": 0}, "limit"),
    ("get_ranking", {"year": "last year"}, "year"),
    ("get_ranking", {"year": 1850}, "year"),
    ("get_ranking", {"year": 2019}, NOT_HERE),
    ("get_ranking", {"year": 2022, "cohort": "provinces-99"}, "cohort"),
    ("get_ranking", {"year": 2022, "limit": 101}, "limit"),
    ("get_ranking", {"year": 2022, "yaer": 2021}, "yaer"),
    ("get_entity_profile", {"entity": "Quảng Ninh"}, "entity"),
    ("get_entity_profile", {"entity": "99"}, "find_entity"),
    ("get_entity_profile", {"entity": "22", "years": "2024:2020"}, "year"),
    ("compare_entities", {"entities": ["48"]}, "entities"),
    ("compare_entities", {"entities": ["48", "nowhere"]}, "nowhere"),
    ("compare_entities", {"entities": "48,22"}, "entities"),
    ("get_coverage", {"year": None}, "year"),
    ("get_coverage", {"year": 2022, "cohort": "everyone"}, "cohort"),
    ("get_figure", {"entity": "48"}, "year"),
    ("get_figure", {"entity": "48", "year": 2022, "indicator": "DTI;drop"}, "indicator"),
    ("get_framework", {"level": "district"}, "level"),
    ("get_framework", {"year": 2010}, NOT_HERE),
    ("get_framework", {"framework": "DTI_2099"}, NOT_HERE),
    ("about_dataset", {"verbose": True}, "verbose"),
    ("no_such_tool", {}, "no_such_tool"),
]


@pytest.fixture(scope="module")
def server(cached_app: Any) -> Any:
    return build_server(cached_app.state.api)


def run_async(main: Any) -> Any:
    """anyio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread for the whole session."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, main).result()


def run(connect: Any, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    """Open a client with `connect`, make each call, and return the results."""
    async def main() -> list[Any]:
        async with connect() as client:
            return [await client.call_tool(name, args) for name, args in calls]
    return run_async(main)


def in_process(server: Any) -> Any:
    return lambda: Client(server)


def text_of(result: Any) -> str:
    return "\n".join(c.text for c in result.content)


def served_figures(node: Any) -> Iterator[dict[str, Any]]:
    """Every figure in an answer: a dict with a served source and a conflict status."""
    if isinstance(node, dict):
        if "conflict_status" in node and "source" in node:
            yield node
        for value in node.values():
            yield from served_figures(value)
    elif isinstance(node, list):
        for value in node:
            yield from served_figures(value)


def check_good(name: str, result: Any, version: str) -> None:
    assert not result.is_error, (name, text_of(result)[:500])
    document = result.structured_content
    assert json.loads(text_of(result)) == document  # the text a model reads is the same
    assert document["provenance"]["dataset_version"] == version
    assert document["provenance"]["rest_url"].startswith("/v1")
    assert document["provenance"]["cite"] == CITE
    for found in served_figures(document):
        assert found["conflict_status"] in ("none", "resolved_by_tier",
                                            "resolved_by_agreement", "unresolved"), found
        assert found["source"]["url"].startswith("http"), found
        assert found["source"]["publisher"] and found["source"]["tier"], found


def test_every_tool_has_a_schema_a_description_and_is_read_only(server: Any) -> None:
    async def main() -> Any:
        async with Client(server) as client:
            return (await client.list_tools()).tools
    tools = run_async(main)
    assert [t.name for t in tools] == [t.__name__ for t in TOOLS] == list(GOOD)
    for tool in tools:
        assert len(tool.description) > 300, tool.name  # a paragraph written for a model
        schema = tool.input_schema
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        for name, prop in schema["properties"].items():
            assert prop.get("description"), (tool.name, name)
            assert "type" in prop or "anyOf" in prop, (tool.name, name)
        assert tool.output_schema["type"] == "object", tool.name
        assert "provenance" in tool.output_schema["required"], tool.name
        hints = tool.annotations
        assert hints.read_only_hint and hints.idempotent_hint and not hints.destructive_hint


def test_every_tool_answers_good_arguments_with_provenance(server: Any,
                                                           cached_app: Any) -> None:
    results = run(in_process(server), *GOOD.items())
    for (name, _), result in zip(GOOD.items(), results, strict=True):
        check_good(name, result, cached_app.state.api.db.version)


def test_bad_arguments_are_tool_errors_that_say_what_to_change(server: Any) -> None:
    results = run(in_process(server), *((name, args) for name, args, _ in BAD))
    for (name, args, word), result in zip(BAD, results, strict=True):
        assert result.is_error, (name, args, result.structured_content)
        text = text_of(result)
        assert word in text, (name, args, text)
        assert "Traceback" not in text and len(text) < 2000, text


def test_a_ranking_is_the_same_as_rest_and_cites_each_figure(server: Any,
                                                             client: Any) -> None:
    (result,) = run(in_process(server), ("get_ranking", {"year": 2022, "limit": 63}))
    ranking = result.structured_content
    rest = client.get("/v1/rankings?year=2022&limit=63").json()
    fields = ("entity_code", "rank", "rank_basis", "value", "value_text", "previous_rank",
              "rank_change", "value_change", "conflict_status")
    assert [{f: e[f] for f in fields} for e in ranking["entries"]] == \
        [{f: e[f] for f in fields} for e in rest["data"]]
    assert len(ranking["entries"]) == rest["meta"]["total"] == 63
    assert ranking["ranking"]["complete"] is rest["meta"]["complete"] is True
    first = ranking["entries"][0]
    assert first["source"]["url"] == "https://dti.gov.vn/xep-hang-2022"
    assert first["rank_status"] == "published" and first["gaps"] == []
    assert all(e["source"]["id"] in e_rest["source_ids"]
               for e, e_rest in zip(ranking["entries"], rest["data"], strict=True))
    # 2022 has every value now; 2021's ranking has ranks published without values
    (older,) = run(in_process(server), ("get_ranking", {"year": 2021, "limit": 63}))
    no_value = [e for e in older.structured_content["entries"]
                if e["value"] is None and e["rank"] is not None]
    assert no_value and all(e["gaps"] == [f"value: {NOT_HERE}"] for e in no_value)
    assert ranking["provenance"]["rest_url"] == \
        "/v1/rankings?cohort=provinces-63&indicator=DTI&year=2022"
    (short,) = run(in_process(server), ("get_ranking", {"year": 2022}))
    assert short.structured_content["shown"] == 20 and "20 of 63" in \
        short.structured_content["note"]


def test_computed_ranks_are_labelled_and_published_ones_are_not() -> None:
    assert rank_status(4, "computed_from_values") == "computed"
    assert rank_status(4, "stated") == rank_status(1, "leads_wording") == "published"
    assert rank_status(None, "computed_from_values") is None


def test_a_computed_rank_is_passed_through_and_labelled(sqlite_url: str,
                                                         tmp_path: Path) -> None:
    """What the ranking service gives is what the tool says: a rank it computed from
    values (rank_basis computed_from_values) is labelled computed, with a note."""
    copy = tmp_path / "computed.sqlite"
    shutil.copyfile(sqlite_url.removeprefix("sqlite:///"), copy)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE rankingentry SET rank_basis = 'computed_from_values' WHERE "
                   "year = 2023 AND cohort = 'provinces-63' AND indicator_code = 'DTI' "
                   "AND rank = 2")
    app = make_app(f"sqlite:///{copy}", public_url="https://dti.example")
    (result,) = run(in_process(build_server(app.state.api)), ("get_ranking", {"year": 2023}))
    ranking = result.structured_content
    labels = {e["rank"]: (e["rank_basis"], e["rank_status"]) for e in ranking["entries"]}
    assert labels[2] == ("computed_from_values", "computed")
    assert labels[1] == ("stated", "published")
    assert "computed" in ranking["note"]
    assert ranking["provenance"]["rest_url"].startswith("https://dti.example/v1/rankings?")
    assert ranking["entries"][0]["rest_url"].startswith("https://dti.example/v1/scores?")


def test_find_entity_ignores_diacritics_and_resolves_the_merger(server: Any) -> None:
    found = run(in_process(server), ("find_entity", {"name": "Bắc Giang"}),
                ("find_entity", {"name": "bac giang"}),
                ("find_entity", {"name": "Thành phố Đà Nẵng"}),
                ("find_entity", {"name": "Ministry of Finance"}),
                ("find_entity", {"name": "Atlantis"}))
    bac_giang, ascii_name, da_nang, finance, nowhere = (r.structured_content for r in found)
    assert [m["code"] for m in bac_giang["matches"]] == ["24", "M-bac-ninh"]
    assert bac_giang["matches"] == ascii_name["matches"]
    old, new = bac_giang["matches"]
    assert old["merged_into"][0]["code"] == "M-bac-ninh" and "2025" in old["status"]
    assert new["matched"].startswith("through the 2025 merger")
    assert {"24", "27"} == {r["code"] for r in new["formed_from"]}
    assert {m["code"] for m in da_nang["matches"]} == {"48", "M-da-nang"}
    assert [m["code"] for m in finance["matches"]] == ["mof"]
    assert nowhere["matches"] == [] and NOT_HERE in nowhere["note"]


def test_a_profile_states_its_gaps_and_invents_nothing(server: Any, client: Any) -> None:
    (result,) = run(in_process(server), ("get_entity_profile", {"entity": "22"}))
    profile = result.structured_content
    rest = client.get("/v1/scores?entity=22&indicator=DTI,GOV,ECO,SOC&limit=1000").json()
    assert [(f["year"], f["indicator"], f["value"], f["rank"]) for f in profile["figures"]] == \
        [(s["year"], s["indicator"], s["value"], s["rank"]) for s in rest["data"]]
    have = {(s["year"], s["indicator"]) for s in rest["data"]}
    coverage = client.get("/v1/coverage?cohort=provinces-63&indicator=DTI,GOV,ECO,SOC"
                          "&limit=1000").json()["data"]
    expected = {(c["year"], c["indicator"]) for c in coverage if c["figures"]} - have
    assert {(g["year"], g["indicator"]) for g in profile["gaps"]} == expected and expected
    assert all(g["note"].startswith(NOT_HERE) for g in profile["gaps"])


def test_a_comparison_names_the_years_an_entity_has_no_figure(server: Any) -> None:
    (result,) = run(in_process(server), ("compare_entities",
                                         {"entities": ["48", "22"], "years": "2020:2024"}))
    years = result.structured_content["years"]
    for year in years:
        named = {f["entity_code"] for f in year["figures"]} | {
            g["entity_code"] for g in year["gaps"]}
        assert named == {"48", "22"}, year
    assert any(g["note"] == NOT_HERE for y in years for g in y["gaps"])


def test_a_figure_shows_every_source_and_how_the_served_one_was_chosen(server: Any) -> None:
    (result, missing) = run(in_process(server),
                            ("get_figure", {"entity": "79", "year": 2022, "indicator": "ECO"}),
                            ("get_figure", {"entity": "22", "year": 2021,
                                            "indicator": "INFRASTRUCTURE"}))
    (figure,) = result.structured_content["figures"]
    assert figure["conflict_status"] == "resolved_by_tier"
    assert figure["conflicting"] and figure["agreeing"]
    assert figure["source"]["id"] == figure["agreeing"][0]["source"]["id"]
    assert figure["source"]["tier"] == "official" and "tier" in figure["how_chosen"]
    assert all(c["source"]["title"] and c["source"]["url"]
               for c in figure["agreeing"] + figure["conflicting"])
    assert missing.structured_content["figures"] == []
    assert NOT_HERE in missing.structured_content["note"]


def test_a_figure_without_a_published_rank_names_the_computed_one(server: Any,
                                                                 client: Any) -> None:
    """2024 on the 63-province basis: values published, ranks not. The figure says so and
    gives the rank the ranking service computed, labelled derived, never as its rank."""
    (result,) = run(in_process(server), ("get_figure", {"entity": "22", "year": 2024}))
    (figure,) = [f for f in result.structured_content["figures"]
                 if f["cohort"] == "provinces-63"]
    ranking = client.get("/v1/rankings?year=2024&cohort=provinces-63&limit=100").json()
    (entry,) = [e for e in ranking["data"] if e["entity_code"] == "22"]
    assert figure["rank"] is None and entry["computed_rank"] is not None
    (gap,) = [g for g in figure["gaps"] if g.startswith("rank:")]
    assert f"computed rank {entry['computed_rank']} of 63" in gap
    assert "not published" in gap and "/v1/rankings?" in gap


def test_resources_and_the_prompt(server: Any, client: Any) -> None:
    async def main() -> Any:
        async with Client(server) as c:
            listed = [str(r.uri) for r in (await c.list_resources()).resources]
            readme = await c.read_resource("dti://data/README.md")
            coverage = await c.read_resource("dti://coverage")
            prompts = (await c.list_prompts()).prompts
            prompt = await c.get_prompt("answer_with_citations",
                                        {"question": "Who led in 2022?"})
            return listed, readme, coverage, prompts, prompt
    listed, readme, coverage, prompts, prompt = run_async(main)
    assert listed == ["dti://data/README.md", "dti://data/README_catalog.md",
                      "dti://data/README_merger.md", "dti://coverage"]
    assert readme.contents[0].text == (ROOT / "seed/data/README.md").read_text("utf-8")
    rows = coverage.contents[0].text.splitlines()
    assert len(rows) - 1 == client.get("/v1/coverage?limit=1").json()["meta"]["total"]
    assert rows[0].startswith("year,cohort,indicator,cohort_size")
    assert [p.name for p in prompts] == ["answer_with_citations"]
    text = prompt.messages[0].content.text
    assert "Who led in 2022?" in text and "not in this dataset" in text and "URL" in text


def test_deadline_and_answer_size_are_bounded(sqlite_url: str) -> None:
    slow = build_server(make_app(sqlite_url, mcp_deadline_seconds=0.0).state.api)
    small = build_server(make_app(sqlite_url, mcp_max_result_bytes=2000).state.api)
    (timed_out,) = run(in_process(slow), ("get_ranking", {"year": 2022}))
    (too_big,) = run(in_process(small), ("get_ranking", {"year": 2022, "limit": 63}))
    assert timed_out.is_error and "longer than 0 s" in text_of(timed_out)
    assert too_big.is_error and "ask for less" in text_of(too_big)


def test_mcp_over_http_refuses_what_is_not_a_message_as_problems(client: Any) -> None:
    cases = [({"content-type": "text/plain"}, b'{"jsonrpc": "2.0"}', 400, "Content-Type"),
             ({}, b'{"jsonrpc": "2.0", "id": {}, "method": "tools/list"}', 400, "id"),
             ({}, b'[{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}]', 400, "body"),
             ({}, b'{"jsonrpc": "2.0", "id": 1, "method": "x", "params": "' + b"a" * 70000
              + b'"}', 413, "larger")]
    for headers, body, status, word in cases:
        answer = client.post("/mcp", content=body,
                             headers={"content-type": "application/json", **headers})
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert word in answer.text and answer.headers["x-request-id"]
    answer = client.post("/mcp", content=b"{", headers={"content-type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == -32700
    assert client.get("/mcp").status_code == 405


def test_mcp_can_be_turned_off(sqlite_url: str) -> None:
    with TestClient(make_app(sqlite_url, mcp=False)) as off:
        answer = off.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert off.get("/llms.txt").status_code == 200


def test_llms_txt_is_made_from_the_readme_route_table_and_tools(client: Any,
                                                                 sqlite_url: str) -> None:
    texts = {}
    for name, full in llms.FILES.items():
        made = llms.render(full, (ROOT / "README.md").read_text(encoding="utf-8"))
        served = client.get(f"/{name}")
        assert served.status_code == 200 and served.text == made
        assert served.headers["content-type"] == "text/plain; charset=utf-8"
        texts[name] = made
    short = texts["llms.txt"]
    assert short.startswith("# DTI Open Data\n\n> ") and CITE in short
    assert all(f"`{t.__name__}`" in short for t in TOOLS)
    assert "[/v1/rankings](/v1/rankings)" in short and "(/v1/entities/48)" in short
    assert len(short) < 16_000 and len(texts["llms-full.txt"].encode()) < 40_000
    readme = llms.sections((ROOT / "README.md").read_text(encoding="utf-8"))
    section = readme[llms.MCP_SECTION]
    assert CITE in " ".join(section.replace(">", " ").split())  # the rule, as written here
    assert all(f"`{t.__name__}`" in section for t in TOOLS)
    altered = llms.render(False, (ROOT / "README.md").read_text("utf-8").replace(
        "stateless\n(no session, no key)", "stateful"))
    assert altered != short  # the README is what it is made from
    with TestClient(make_app(sqlite_url, public_url="https://dti.example")) as public:
        assert "[/v1/rankings](https://dti.example/v1/rankings)" in public.get(
            "/llms.txt").text


@pytest.mark.postgres
def test_every_tool_answers_the_same_on_postgresql(seeded_postgres: str, server: Any) -> None:
    pg = make_app(seeded_postgres)
    try:
        on_pg = run(in_process(build_server(pg.state.api)), *GOOD.items())
    finally:
        pg.state.api.db.engine.dispose()
    on_sqlite = run(in_process(server), *GOOD.items())
    for (name, _), a, b in zip(GOOD.items(), on_pg, on_sqlite, strict=True):
        check_good(name, a, pg.state.api.db.version)
        if name != "about_dataset":  # its build time differs by design
            assert a.structured_content == b.structured_content, name


# Over the wire: the SDK's client against uvicorn (HTTP) and `dti-api mcp` (stdio).


async def exercise(session: Any, rest: dict[str, Any], version: str) -> None:
    tools = (await session.list_tools()).tools
    assert [t.name for t in tools] == list(GOOD)
    assert all(t.description and t.input_schema["properties"] is not None for t in tools)
    for name, args in GOOD.items():
        check_good(name, await session.call_tool(name, args), version)
    for name, args, word in BAD:
        result = await session.call_tool(name, args)
        assert result.is_error and word in text_of(result), (name, args)
    ranking = (await session.call_tool("get_ranking", {"year": 2022, "limit": 63})
               ).structured_content
    assert [(e["entity_code"], e["rank"], e["value"]) for e in ranking["entries"]] == \
        [(e["entity_code"], e["rank"], e["value"]) for e in rest["data"]]
    assert all(e["source"]["url"].startswith("https://") for e in ranking["entries"])


@pytest.mark.slow
def test_streamable_http_with_the_sdk_client(live_server: str) -> None:
    rest = httpx2.get(f"{live_server}/v1/rankings?year=2022&limit=63").json()
    version = httpx2.get(f"{live_server}/version").json()["dataset_version"]

    async def main() -> tuple[str, str]:
        async with streamable_http_client(f"{live_server}/mcp") as (read, write), \
                ClientSession(read, write) as session:
            started = await session.initialize()
            assert started.server_info.name == "dti-open-data"
            assert "not in this dataset" in (started.instructions or "")
            await exercise(session, rest, version)
            legacy = started.protocol_version
        async with Client(f"{live_server}/mcp") as modern:  # probes server/discover
            (await modern.list_tools())
            result = await modern.call_tool("get_ranking", {"year": 2022, "limit": 5})
            assert not result.is_error
            return legacy, modern.protocol_version
    legacy, modern = run_async(main)
    assert legacy < modern  # both the initialize handshake and the stateless protocol


@pytest.mark.slow
def test_stdio_with_the_sdk_client(sqlite_url: str, client: Any) -> None:
    rest = client.get("/v1/rankings?year=2022&limit=63").json()
    version = client.get("/version").json()["dataset_version"]
    command = Path(sys.executable).parent / "dti-api"
    params = StdioServerParameters(command=str(command),
                                   args=["mcp", "--database-url", sqlite_url],
                                   env={"PATH": os.environ.get("PATH", "")})

    async def main() -> None:
        with open(os.devnull, "w") as quiet:
            async with stdio_client(params, errlog=quiet) as (read, write), \
                    ClientSession(read, write) as session:
                await session.initialize()
                await exercise(session, rest, version)
    run_async(main)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_the_rate_limit_and_the_access_log_see_mcp_calls(sqlite_url: str,
                                                          tmp_path: Path) -> None:
    """`dti-api serve` with a small budget: each MCP call is charged by its size and
    logged, and a client past its budget is refused with 429 like any other."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "DTI_RATE_LIMIT": "60/minute", "DTI_RELEASE_DIR": str(tmp_path / "releases")}
    server = subprocess.Popen([str(Path(sys.executable).parent / "dti-api"), "serve",
                               "--port", str(port), "--database-url", sqlite_url],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx2.get(f"{url}/health").status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.1)
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "get_ranking", "arguments": {"year": 2022, "limit": 63}}}
        headers = {"accept": "application/json, text/event-stream",
                   "x-request-id": "mcp-test-1"}
        answers = [httpx2.post(f"{url}/mcp", json=call, headers=headers) for _ in range(3)]
        left = [int(re.search(r";r=(\d+);", a.headers["ratelimit"]).group(1))
                for a in answers]
        assert all(a.status_code == 200 for a in answers)
        assert not answers[0].json()["result"]["isError"]
        size = len(answers[0].json()["result"]["content"][0]["text"].encode())
        charged = 4 + -(-size // 50_000)  # 4 units plus 1 per 50 KB of answer
        assert left[0] - left[1] == left[1] - left[2] == charged and charged > 4

        async def until_refused() -> Exception:
            async with streamable_http_client(f"{url}/mcp") as (read, write), \
                    ClientSession(read, write) as session:
                await session.initialize()
                for _ in range(30):
                    try:
                        await session.call_tool("get_coverage", {"year": 2022})
                    except Exception as error:  # the HTTP 429 reaches the caller
                        return error
            raise AssertionError("never refused")
        assert run_async(until_refused) is not None
        refused = httpx2.post(f"{url}/mcp", json=call, headers=headers)
        assert refused.status_code == 429 and refused.headers["retry-after"]
        assert refused.headers["content-type"] == "application/problem+json"
        time.sleep(1.5)  # access lines are flushed every second
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=20)
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line["request_id"] == "mcp-test-1"]
    assert [line["status"] for line in mine] == [200, 200, 200, 429]
    assert all(line["path"] == "/mcp" and line["method"] == "POST" for line in mine)
    assert [line["route"] for line in mine[:3]] == ["/mcp"] * 3  # refused before routing
    assert mine[0]["graphql_cost"] == -(-size // 100) and mine[0]["ratelimit"]
    assert any(line["path"] == "/mcp" and line["status"] == 429
               for line in lines if line["request_id"] != "mcp-test-1")
