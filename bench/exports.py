"""Whole-collection exports against the machine's practical limit: the `sqlite3` shell
writing the same rows and columns as CSV (C from the query to the bytes), measured in the
same run as our CSV and Parquet downloads of all of /v1/scores."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench import servers as sv

# The columns of /v1/scores?format=csv (lang vi), in its order, from the same tables.
SHELL_QUERY = """
SELECT s.id, s.year, s.entity_code, e.name_vi AS entity_name_vi, e.name_en AS entity_name_en,
       e.kind AS entity_kind, s.indicator_code AS indicator, s.cohort, cy.size AS cohort_size,
       s.value, s.value_text, s.rank, s.rank_basis, s.qualifier, s.conflict_status, s.note,
       s.source_id, s.source_ids AS sources, s.conflict_ids AS conflicts,
       e.name_vi AS entity_name
FROM score s JOIN entity e ON e.code = s.entity_code
LEFT JOIN cohortyear cy ON cy.cohort = s.cohort AND cy.year = s.year
ORDER BY s.year, s.entity_code, s.indicator_code, s.id;
"""


def shell_csv(sqlite_file: Path) -> dict[str, float]:
    """The anchor: sqlite3 -csv writing every score row to a pipe we count."""
    if not shutil.which("sqlite3"):
        return {}
    start = time.perf_counter()
    rows = -1
    with subprocess.Popen(["sqlite3", "-readonly", "-csv", "-header", str(sqlite_file),
                           SHELL_QUERY], stdout=subprocess.PIPE) as shell:
        assert shell.stdout is not None
        while chunk := shell.stdout.read(1 << 20):
            rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - start
    return {"rows": rows, "seconds": elapsed, "rows_per_s": rows / elapsed}


def download(server: sv.Server, query: str, rows_in: Any = None) -> dict[str, float]:
    """Stream one download of /v1/scores; rows/s (lines, or `rows_in(body)`) and the
    server's RSS growth while it streams."""
    before, _ = server.memory()
    peak = [before]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], server.memory()[0])
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    start = time.perf_counter()
    url = f"{server.base}/v1/scores?{query}"
    lines, size, kept = -1, 0, bytearray()
    if shutil.which("curl"):  # a C client: Python's chunked decoding would be the bottleneck
        with subprocess.Popen(["curl", "-sS", url], stdout=subprocess.PIPE) as client:
            assert client.stdout is not None
            while chunk := client.stdout.read(1 << 20):
                lines += chunk.count(b"\n")
                size += len(chunk)
                if rows_in is not None:
                    kept += chunk
    else:
        with urllib.request.urlopen(url, timeout=600) as r:
            while chunk := r.read(1 << 20):
                lines += chunk.count(b"\n")
                size += len(chunk)
                if rows_in is not None:
                    kept += chunk
    elapsed = time.perf_counter() - start
    done.set()
    watcher.join()
    rows = rows_in(bytes(kept)) if rows_in is not None else lines
    return {"rows": rows, "bytes": size, "seconds": elapsed, "rows_per_s": rows / elapsed,
            "rss_growth_mb": (peak[0] - before) / 2**20}


def parquet_rows(body: bytes) -> int:
    import io

    import pyarrow.parquet as pq

    return int(pq.ParquetFile(io.BytesIO(body)).metadata.num_rows)
