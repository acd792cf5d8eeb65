"""A wheel (a non-editable install) serves the API with its contract and assets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from api.openapi import OPENAPI_PATH

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys
from starlette.testclient import TestClient
import api
from api.app import create_app
from api.release.identity import RELEASES
from api.settings import Settings
from seed.build import DEFAULT_DATA, load
load(DEFAULT_DATA, sys.argv[1])
client = TestClient(create_app(Settings(database_url=sys.argv[1])))
print(json.dumps({
    "api": api.__file__, "data": str(DEFAULT_DATA),
    "openapi": client.get("/openapi.json").text,
    "ranking": client.get("/v1/rankings?year=2022").json()["meta"]["total"],
    "graphiql": client.get("/graphql/assets/graphiql.min.js").status_code,
    "docs": client.get("/docs/assets/swagger-ui-bundle.js").status_code,
    "pages": [client.get(p).status_code for p in ("/assets/site.css", "/assets/chart.js",
                                                    "/assets/vega-embed.js")],
    "release": RELEASES.is_file(),
}))
"""


@pytest.mark.slow
def test_a_wheel_serves_the_api_with_its_contract(tmp_path: Path) -> None:
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(ROOT)], check=True, capture_output=True,
                   cwd=tmp_path)
    (wheel,) = wheels.glob("dti_open_data-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    # The installed copy comes first on the path, ahead of this checkout's editable one.
    done = subprocess.run([sys.executable, "-c", PROBE, f"sqlite:///{tmp_path / 'w.sqlite'}"],
                          cwd=tmp_path, capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin",
                               "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["api"].startswith(str(target)) and found["data"].startswith(str(target))
    assert found["openapi"] == OPENAPI_PATH.read_text(encoding="utf-8")
    assert found["ranking"] == 63 and found["graphiql"] == 200 and found["docs"] == 200
    assert found["pages"] == [200, 200, 200] and found["release"] is True


def test_vendored_assets_match_their_manifest() -> None:
    from api.graphql.vendor import MANIFEST, STATIC, sha256

    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    named = {entry["file"] for entry in manifest["files"]}
    for entry in manifest["files"]:
        assert sha256(STATIC / entry["file"]) == entry["sha256"], entry["file"]
        assert entry["licence"] and (STATIC / entry["licence_file"]).is_file()
    ours = {"README.md", "MANIFEST.json", "explorer.js", "explorer.css"}
    assert {p.name for p in STATIC.iterdir()} == named | ours
