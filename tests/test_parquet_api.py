"""format=parquet on every collection: the whole filtered result, typed by the collection's
Table Schema, read back by pandas, pyarrow and duckdb as a researcher would."""

from __future__ import annotations

import io
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from api.services.registry import COLLECTIONS

PARQUET = "application/vnd.apache.parquet"


def urls() -> list[str]:
    query = {"/v1/rankings": "?year=2022", "/v1/rankings/history": "?entity=48,49,01",
             "/v1/rankings/what-if": "?year=2024&cohort=provinces-34"}
    return [c.path.replace("{code}", "48") + query.get(c.path, "") for c in COLLECTIONS
            if c.many]


@pytest.mark.parametrize("url", urls())
def test_every_collection_answers_parquet_with_its_csv_columns(client: Any, url: str) -> None:
    joiner = "&" if "?" in url else "?"
    response = client.get(f"{url}{joiner}format=parquet")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == PARQUET
    assert response.headers["content-disposition"].endswith('.parquet"')
    assert "content-encoding" not in response.headers  # compressed already: no gzip
    table = pq.read_table(io.BytesIO(response.content))
    csv = client.get(f"{url}{joiner}format=csv")
    header = csv.text.splitlines()[0].split(",")
    assert table.schema.names == header
    assert table.num_rows == len(pd.read_csv(io.StringIO(csv.text), dtype=str))
    meta = {k.decode(): v.decode() for k, v in table.schema.metadata.items()}
    assert meta["dti:version"] and "MIT" in meta["dti:licence"]


def test_codes_stay_text_ranks_integers_nulls_null(client: Any) -> None:
    response = client.get("/v1/rankings?year=2021", headers={"Accept": PARQUET})
    assert response.headers["content-type"] == PARQUET
    frame = pd.read_parquet(io.BytesIO(response.content))
    assert str(frame["entity_code"].dtype) == "string" and str(frame["rank"].dtype) == "Int64"
    hcmc = frame[frame.entity_code == "79"]
    assert hcmc["rank"].tolist() == [3] and hcmc["value"].isna().all()  # a rank, no value
    assert frame["value_text"].isna().sum() == frame["value"].isna().sum() > 0
    table = pq.read_table(io.BytesIO(response.content))
    assert str(table.schema.field("rank").type) == "int64"
    assert b"Rank" in table.schema.field("rank").metadata[b"description"]


def test_duckdb_reads_the_served_bytes(client: Any, tmp_path: Any) -> None:
    path = tmp_path / "scores.parquet"
    path.write_bytes(client.get("/v1/scores?format=parquet&year=2022").content)
    rows = duckdb.sql(f"SELECT entity_code, typeof(entity_code), value_text FROM '{path}' "
                      "WHERE entity_code = '01' AND indicator = 'DTI'").fetchall()
    assert rows == [("01", "VARCHAR", "0.6098")]


def test_the_arrow_export_and_the_row_path_write_the_same_table(client: Any) -> None:
    """Scores without a cursor come straight from the database as Arrow batches; with a
    cursor, page by page through the read models: the same typed rows either way."""
    whole = pq.read_table(io.BytesIO(client.get(
        "/v1/scores?year=2023&format=parquet&sort=-value").content))
    first = client.get("/v1/scores?year=2023&limit=1&sort=-value").json()
    cursor = first["links"]["next"].split("cursor=")[1]
    rest = pq.read_table(io.BytesIO(client.get(
        f"/v1/scores?year=2023&format=parquet&sort=-value&cursor={cursor}").content))
    assert whole.num_rows == rest.num_rows + 1 > 100
    assert whole.slice(1).equals(rest.cast(whole.schema))


def test_parquet_is_offered_only_where_rows_are(client: Any) -> None:
    assert client.get("/v1/entities/48?format=parquet").status_code == 400
    assert client.get("/v1/entities/48", headers={"Accept": PARQUET}).status_code == 406
