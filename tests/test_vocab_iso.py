"""ISO 3166-2 codes on the provinces (issue 21), and vocabularies defined once (issue 23)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pycountry
import pytest

from models.text import fold
from seed.build import load
from seed.rows import SeedInvalid
from tests.test_parity import gql

ROOT = Path(__file__).resolve().parents[1]


def _name(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text).replace("-", " ")).strip()


def test_the_63_provinces_carry_their_iso_codes_as_pycountry_has_them(client: Any) -> None:
    provinces = [e for e in client.get("/v1/entities?cohort=provinces-63&limit=100")
                 .json()["data"]]
    assert len(provinces) == 63
    iso = {s.code: s for s in pycountry.subdivisions.get(country_code="VN")}
    assert {e["iso_code"] for e in provinces} == set(iso)  # each code once, none missing
    for entity in provinces:
        assert _name(iso[entity["iso_code"]].name) == _name(entity["name_vi"]), entity["code"]
    by_code = {e["code"]: e["iso_code"] for e in provinces}
    assert by_code["54"] == "VN-32"  # Phú Yên (a boundary file says VN-38: that is wrong)
    assert by_code["01"] == "VN-HN" and by_code["79"] == "VN-SG"


def test_post_merger_units_have_a_code_only_where_iso_lists_the_same_unit(client: Any
                                                                        ) -> None:
    merged = client.get("/v1/entities?cohort=provinces-34&limit=100").json()["data"]
    assert len(merged) == 34
    coded = {e["code"]: e["iso_code"] for e in merged if e["iso_code"]}
    for entity in merged:
        before = [p["code"] for p in entity["predecessors"]]
        if len(before) == 1:  # not arranged in 2025: the same subdivision, the same code
            old = client.get(f"/v1/entities/{before[0]}").json()["data"]
            assert entity["iso_code"] == old["iso_code"]
        else:  # ISO has published no code for the merged units: null, not a guess
            assert entity["iso_code"] is None
    assert len(coded) == 11
    lines = client.get("/v1/entities?kind=province,municipality&format=csv").text.splitlines()
    header = lines[0].split(",")
    assert "iso_code" in header
    g = gql(client, '{ entity(code: "54") { isoCode } }')
    assert g["entity"] == {"isoCode": "VN-32"}


def test_a_malformed_iso_code_stops_the_load(seed_copy: Path, tmp_path: Path) -> None:
    path = seed_copy / "iso_3166_2.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("54,VN-32", "54,VN-3"),
                    encoding="utf-8")
    with pytest.raises(SeedInvalid) as error:
        load(seed_copy, f"sqlite:///{tmp_path / 'iso.sqlite'}")
    assert "iso_3166_2.csv" in str(error.value) and "VN-3" in str(error.value)


def test_an_unknown_cohort_stops_the_load(seed_copy: Path, tmp_path: Path) -> None:
    with (seed_copy / "cohorts.csv").open("a", encoding="utf-8") as f:
        f.write("provinces-99,province,X,X,99,true,provinces,sx_nhandan_2024,\n")
    with pytest.raises(SeedInvalid) as error:
        load(seed_copy, f"sqlite:///{tmp_path / 'cohort.sqlite'}")
    assert "unknown cohort 'provinces-99'" in str(error.value)


# A vocabulary or cohort group written out as a literal tuple anywhere but models/vocab.py.
PAIRS = (("provinces-63", "provinces-34"), ("official", "government"),
         ("stated", "list_order"), ("none", "resolved_by_tier"), ("province", "ministry"),
         ("province", "municipality"), ("membership", "stated"))
SPELLED_OUT = re.compile("|".join(rf"""[({{]\s*["']{a}["'],\s*["']{b}["']"""
                                  for a, b in PAIRS))


def test_vocabularies_and_cohort_groups_are_defined_once() -> None:
    found = []
    for path in [*ROOT.glob("api/**/*.py"), *ROOT.glob("seed/*.py"), *ROOT.glob("models/*.py")]:
        if path.name == "vocab.py":
            continue
        found += [f"{path.relative_to(ROOT)}: {m[0]}"
                  for m in SPELLED_OUT.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
    assert not (ROOT / "api" / "services" / "vocab.py").exists()
