"""Charts as resources: honest specifications, every format, the collections' errors."""

from __future__ import annotations

import json
import re
import struct
from typing import Any

import anyio
import pytest

from api.charts.render import Renderer
from api.errors import ApiError


def vl(client: Any, url: str) -> dict[str, Any]:
    response = client.get(url + "&format=vl")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.vegalite+json"
    return response.json()  # type: ignore[no-any-return]


def test_the_2022_ranking_spec_has_63_rows_ties_and_no_zero_for_missing(client: Any) -> None:
    spec = vl(client, "/v1/charts/ranking?year=2022&lang=en")
    rows = spec["data"]["values"]
    assert len(rows) == 63 and rows[0]["name"] == "Da Nang" and rows[0]["rank"] == 1
    ranks = [r["rank"] for r in rows]
    at = ranks.index(15)
    assert ranks[at:at + 3] == [15, 15, 17]
    assert [r["rank_label"] for r in rows[at:at + 2]] == ["=15", "=15"]
    valued = client.get("/v1/rankings?year=2022").json()["meta"]["with_value"]  # 7, then 63
    missing = [r for r in rows if r["value"] is None]
    assert len(missing) == 63 - valued
    assert all(r["shown"] == "not in this dataset" for r in missing)
    # every layer drawing `value` keeps only rows that have one; the rest say so in text
    for layer in spec["layer"]:
        x = layer["encoding"].get("x", {})
        if x.get("field") == "value":
            assert layer["transform"] == [{"filter": "isValid(datum.value)"}]
    assert spec["title"]["subtitle"][0].startswith(
        f"{valued} of 63 have a published value; 63 ranked")
    assert "Ties share a rank" in spec["title"]["subtitle"][0]
    assert spec["title"]["subtitle"][1].startswith("Source: Bộ TT&TT (dti.gov.vn)")
    assert spec["usermeta"]["data_url"] == ("/v1/rankings?year=2022&indicator=DTI"
                                            "&limit=1000")
    assert client.get(spec["usermeta"]["data_url"]).json()["meta"]["total"] == 63
    # the chart in words, for alt text and screen readers: what it shows, not its name
    assert spec["description"].startswith(spec["title"]["text"] + f". {valued} of 63 have")
    assert "Top: 1 Da Nang 0.8002; 2 Ho Chi Minh City 0.7163" in spec["description"]


def test_the_svg_draws_a_bar_only_where_a_value_was_published(client: Any) -> None:
    response = client.get("/v1/charts/ranking?year=2021")  # 6 values of 63
    assert response.headers["content-type"] == "image/svg+xml"
    svg = response.text
    bars = re.search(r'<g class="mark-rect role-mark layer_0_marks"[^>]*>(.*?)</g>', svg, re.S)
    valued = client.get("/v1/rankings?year=2021").json()["meta"]["with_value"]
    assert bars is not None and bars.group(1).count("<path") == valued
    assert "Đà Nẵng" in svg  # names in vi by default
    assert ("không có trong bộ dữ liệu" in svg) == (valued < 63)  # gaps said, not drawn
    assert 'aria-label' in svg or "<title>" in svg or "role=" in svg


def test_unknown_cohort_size_is_said_not_guessed(client: Any) -> None:
    spec = vl(client, "/v1/charts/ranking?year=2022&cohort=ministries-no-public-services"
                      "&lang=en")
    assert "cohort size not published" in spec["title"]["subtitle"][0]


def test_series_breaks_its_line_at_a_missing_year(client: Any) -> None:
    spec = vl(client, "/v1/charts/series?entity=01,48&year=2020:2024")
    hanoi = [r for r in spec["data"]["values"] if r["entity_code"] == "01"]
    assert [r["year"] for r in hanoi] == [2020, 2021, 2022, 2023, 2024]
    assert hanoi[1]["value"] is None and hanoi[1]["rank"] is None  # 2021: nothing published
    assert hanoi[0]["rank_segment"] != hanoi[2]["rank_segment"]  # no line across the gap
    da_nang = [r for r in spec["data"]["values"] if r["entity_code"] == "48"]
    assert len({r["value_segment"] for r in da_nang}) == 1  # 2020-2024, unbroken
    assert spec["usermeta"]["data_url"].startswith("/v1/scores?entity=01%2C48")
    rank_axis = spec["vconcat"][1]["layer"][0]["encoding"]["y"]["axis"]
    ranks = {r["rank"] for r in spec["data"]["values"] if r["rank"] is not None}
    assert rank_axis["values"] == sorted(ranks)  # whole ranks only, never "1, 2, 2"


def test_profile_and_coverage(client: Any) -> None:
    profile = vl(client, "/v1/charts/profile?entity=48&year=2022&lang=en")
    bars = profile["data"]["values"]
    assert [b["indicator"] for b in bars[:3]] == ["GOV", "ECO", "SOC"]
    assert profile["title"]["text"] == "Da Nang 2022: DTI 0.8002"
    if any(b["mean"] is not None for b in bars):  # the ticks are explained
        assert "orange tick: the cohort's published mean" in profile["title"]["subtitle"][0]
    mean_2024 = vl(client, "/v1/charts/profile?entity=48&year=2024&lang=vi")
    assert any(b["mean"] is not None for b in mean_2024["data"]["values"])
    assert "vạch cam: trung bình nhóm" in mean_2024["title"]["subtitle"][0]
    coverage = vl(client, "/v1/charts/coverage?year=2020:2024&lang=en")
    rows = {(r["cohort"][:2], r["year"], r["measure"]): r["count"]
            for r in coverage["data"]["values"]}
    valued = client.get("/v1/rankings?year=2022").json()["meta"]["with_value"]
    assert rows[("63", 2022, "With a rank")] == 63
    assert rows[("63", 2022, "With a value")] == valued


def test_formats_by_parameter_and_by_accept(client: Any) -> None:
    url = "/v1/charts/ranking?year=2022&top=5"
    png = client.get(url + "&format=png&scale=2")
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    one = client.get(url + "&format=png")
    width = struct.unpack(">I", one.content[16:20])[0]
    assert struct.unpack(">I", png.content[16:20])[0] == 2 * width
    assert client.get(url, headers={"Accept": "image/png"}).content[:4] == b"\x89PNG"
    page = client.get(url, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors *" in page.headers["content-security-policy"]
    assert "<svg" in page.text and "<table" in page.text and 'data-spec="' in page.text
    refused = client.get(url, headers={"Accept": "application/json"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"
    assert len(vl(client, url)["data"]["values"]) == 5


def test_chart_errors_are_the_collections_errors(client: Any) -> None:
    for url, status, parameter in (
            ("/v1/charts/ranking", 400, "year"),
            ("/v1/charts/ranking?year=2022&scale=9", 400, "scale"),
            ("/v1/charts/ranking?year=2022&cohort=planets", 400, "cohort"),
            ("/v1/charts/series?entity=01,02,04,06,08,10,11,12,14", 400, "entity"),
            ("/v1/charts/ranking?year=2022&colour=red", 400, "colour")):
        response = client.get(url)
        assert response.status_code == status, url
        assert response.headers["content-type"] == "application/problem+json"
        assert parameter in json.dumps(response.json()["errors"]), url
    for url in ("/v1/charts/ranking?year=2019", "/v1/charts/series?entity=ZZ",
                "/v1/charts/profile?entity=48&year=2015"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"


def test_charts_are_cached_and_validated(client: Any) -> None:
    url = "/v1/charts/coverage?year=2022"
    first = client.get(url)
    assert "max-age" in first.headers["cache-control"]
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_renders_beyond_the_queue_are_refused() -> None:
    """One render at a time and none waiting: a second concurrent render is a 503."""
    renderer = Renderer(limit=1, queue=0)
    spec = {"data": {"values": [{"a": i} for i in range(3000)]}, "mark": "point",
            "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    outcomes: list[Any] = []

    async def draw() -> None:
        try:
            outcomes.append(len(await renderer.render(spec, "svg")))
        except ApiError as error:
            outcomes.append(error.status)

    async def main() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(draw)
            await anyio.sleep(0.01)
            await draw()

    import threading  # its own thread: the session may already run an event loop in this one
    runner = threading.Thread(target=anyio.run, args=(main,))
    runner.start()
    runner.join(30)
    assert outcomes[0] == 503 and outcomes[1] > 1000  # refused at once; the first drew


@pytest.mark.parametrize("lang,name", [("vi", "Đà Nẵng"), ("en", "Da Nang")])
def test_names_follow_lang(client: Any, lang: str, name: str) -> None:
    rows = vl(client, f"/v1/charts/ranking?year=2022&top=1&lang={lang}")["data"]["values"]
    assert rows[0]["name"] == name


@pytest.mark.slow
def test_render_processes_end_with_the_api_process(tmp_path: Any) -> None:
    """A killed API process leaves no render process behind."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    script = tmp_path / "parent.py"
    script.write_text(
        "import anyio, os, time\n"
        "from api.charts.render import Renderer\n"
        "if __name__ == '__main__':\n"
        "    r = Renderer(1, 1)\n"
        "    anyio.run(r.render, {'mark': 'point', 'data': {'values': [{'a': 1}]}}, 'svg')\n"
        "    print(os.getpid(), flush=True)\n"
        "    time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                              cwd=os.getcwd(), text=True)
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    children = [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                               text=True).stdout.split()]
    assert children
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    def running(pid: int) -> bool:  # not gone, not a zombie waiting to be reaped
        try:
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(running(c) for c in children):
        time.sleep(0.2)
    alive = [c for c in children if running(c)]
    assert not alive, alive


def complete_tables(client: Any) -> dict[tuple[int, str], set[str]]:
    """(year, cohort) -> indicators whose every member has a value, from /v1/coverage."""
    rows = client.get("/v1/coverage?limit=1000").json()["data"]
    found: dict[tuple[int, str], set[str]] = {}
    for r in rows:
        if r["cohort_size"] and r["with_value"] == r["cohort_size"]:
            found.setdefault((r["year"], r["cohort"]), set()).add(r["indicator"])
    return found


def test_radar_axes_are_the_complete_main_indicators(client: Any, ctx: Any) -> None:
    from api.services.charts import complete_mains

    tables = complete_tables(client)
    for year, cohort in ((2022, "provinces-63"), (2024, "provinces-34"),
                         (2024, "provinces-63")):
        mains = [code for code, _, _ in complete_mains(ctx, year, cohort)]
        assert set(mains) <= tables.get((year, cohort), set()), (year, cohort)
    mains_2024 = complete_mains(ctx, 2024, "provinces-34")
    answer = client.get("/v1/charts/radar?entity=M-ha-noi&year=2024&format=vl&lang=en")
    if len(mains_2024) < 3:  # today's data: no complete table, said with where to look
        assert answer.status_code == 404
        assert "/v1/coverage?year=2024&cohort=provinces-34" in answer.json()["detail"]
        return
    spec = answer.json()  # issue 19's data: the whole 2024 34-province table
    assert len(mains_2024) == 8
    axes = [t for layer in spec["layer"] if layer.get("name", "").startswith("axes_")
            for t in layer["data"]["values"]]
    assert len(axes) == 8
    outline = [r for r in next(layer for layer in spec["layer"]
                               if layer.get("name") == "outlines")["data"]["values"]
               if r["series"] == "Ha Noi"]
    assert len(outline) == 9 and outline[0]["x"] == outline[-1]["x"]  # closed
    assert "computed from 34 values" in json.dumps(spec)


def test_a_radar_draws_any_complete_table_it_is_given() -> None:
    """The spec alone, on a made-up complete table of three indicators (a test fixture,
    never served): every axis named, every outline closed, mean and best labelled."""
    from api.charts.radar import radar

    names = [("A", "Một", "One"), ("B", "Hai", "Two"), ("C", "Ba", "Three")]
    data = {"year": 2024, "cohort": "x", "publishers": ["P"],
            "entities": [{"code": "e1", "name_vi": "E1", "name_en": "E1"},
                         {"code": "e2", "name_vi": "E2", "name_en": "E2"}],
            "indicators": [{"indicator": c, "name_vi": vi, "name_en": en, "members": 2,
                            "mean": 0.5, "best": 0.9,
                            "entities": {"e1": {"value": 0.9, "value_text": "0.9",
                                                "rank": 1, "rank_basis": "stated"},
                                         "e2": {"value": 0.1, "value_text": "0.1",
                                                "rank": 2, "rank_basis": "stated"}}}
                           for c, vi, en in names]}
    spec = radar(data, "en", "v", "/u", "/u")
    series = next(layer for layer in spec["layer"]
                  if layer["name"] == "outlines")["encoding"]["color"]["scale"]["domain"]
    assert series == ["E1", "E2", "Cohort mean (computed from 2 values)", "Best in the cohort"]
    rows = next(layer for layer in spec["layer"] if layer["name"] == "outlines")["data"]["values"]
    assert len(rows) == 4 * 4  # four outlines of three points, each closed
    assert len(spec["data"]["values"]) == 6  # the data table: entity x indicator
    assert "E1: One 0.9; Two 0.9; Three 0.9" in spec["description"]


def test_distribution_counts_every_value_once_and_says_the_rest(client: Any) -> None:
    spec = vl(client, "/v1/charts/distribution?year=2022&lang=en")
    meta = client.get("/v1/rankings?year=2022").json()["meta"]
    assert sum(r["count"] for r in spec["data"]["values"]) == meta["with_value"]
    missing = meta["total"] - meta["with_value"]
    said = f"{missing} members not in this dataset" in spec["title"]["subtitle"][0]
    assert said == (missing > 0)  # never drawn; said when there are any
    assert all(r["count"] > 0 or r["names"] == "" for r in spec["data"]["values"])


@pytest.mark.parametrize("url", [
    "/v1/charts/ranking?year=2022", "/v1/charts/ranking?year=2022&top=10",
    "/v1/charts/series?entity=48,01,79,92", "/v1/charts/profile?entity=48&year=2022",
    "/v1/charts/coverage?lang=en", "/v1/charts/map?year=2024&cohort=provinces-34",
    "/v1/charts/map?year=2022&lang=en", "/v1/charts/tiles?year=2022",
    "/v1/charts/distribution?year=2022"])
def test_an_embed_frame_holds_the_whole_drawing(client: Any, url: str) -> None:
    """frame() from the spec alone: the drawing, scaled to the frame's width if wider,
    and the caption fit in the frame's height."""
    from api.charts.frame import PAGE, frame

    kind = url.split("/")[3].split("?")[0]
    width, height = frame(kind, vl(client, url))
    svg = client.get(url).text
    drawn = re.search(r'<svg[^>]*width="([\d.]+)"[^>]*height="([\d.]+)"', svg)
    assert drawn is not None
    w, h = float(drawn.group(1)), float(drawn.group(2))
    shown = h * min(1.0, (width - PAGE) / w)
    assert shown + PAGE <= height, (url, (w, h), (width, height))
    assert width <= 760 and width >= min(w, 760) * 0.8  # not far narrower than drawn
