"""The one place the environment is read. Every setting has a default and is documented."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from seed.build import default_database_url

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = default_database_url()


def _flag(text: str) -> bool:
    if text.lower() in ("true", "1", "yes", "on"):
        return True
    if text.lower() in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


@dataclass(frozen=True)
class Settings:
    """Service settings; `from_env` reads `DTI_<NAME>` for each field."""

    database_url: str = field(default=DEFAULT_DATABASE_URL,
                              metadata={"doc": "SQLAlchemy URL of the database (SQLite or "
                                               "postgresql+psycopg://)."})
    cache_max_entries: int = field(default=4096, metadata={
        "doc": "Rendered responses kept in the server cache (0 disables it)."})
    cache_max_bytes: int = field(default=32 * 1024 * 1024, metadata={
        "doc": "Total body bytes the server cache may hold (bounds its memory)."})
    cache_max_age: int = field(default=3600, metadata={
        "doc": "Seconds sent in Cache-Control: public, max-age=...; also the longest an "
               "answer stays in the server cache."})
    cache_max_entry_bytes: int = field(default=1024 * 1024, metadata={
        "doc": "Largest answer the server cache keeps (a big PNG or page is answered, not "
               "kept, so a few cannot evict everything else)."})
    max_response_bytes: int = field(default=16 * 1024 * 1024, metadata={
        "doc": "Largest JSON or page answer; a larger one is a 413 problem asking for a "
               "smaller page or the bulk download (CSV, Parquet, the release)."})
    cursor_secret: str = field(default="", metadata={
        "doc": "Key that signs pagination cursors; replicas must share it (empty: a random "
               "key per `dti-api serve`, shared by its workers; set your own when replicas "
               "run on several machines). Cursors name their dataset version: one from a "
               "version no longer served is a 410."})
    version_check_seconds: float = field(default=1.0, metadata={
        "doc": "How often a process looks for a newly published dataset (PostgreSQL: "
               "public.dti_current); it serves the new one from then on."})
    pool_size: int = field(default=8, metadata={
        "doc": "Database connections per process."})
    pool_timeout: float = field(default=2.0, metadata={
        "doc": "Seconds a request waits for a free connection before a 503."})
    statement_timeout_ms: int = field(default=5000, metadata={
        "doc": "Longest a database statement may run (PostgreSQL statement_timeout; a "
               "progress deadline on SQLite); then 504."})
    lock_timeout_ms: int = field(default=1000, metadata={
        "doc": "Longest a PostgreSQL statement waits for a lock another session holds; "
               "then 503, so one lock cannot stall every request."})
    graphql_max_depth: int = field(default=12, metadata={
        "doc": "Deepest field nesting a GraphQL query may use."})
    graphql_max_aliases: int = field(default=15, metadata={
        "doc": "Aliases a GraphQL query may use."})
    graphql_max_tokens: int = field(default=2000, metadata={
        "doc": "Tokens a GraphQL document may have."})
    graphql_max_body_bytes: int = field(default=64 * 1024, metadata={
        "doc": "Largest GraphQL request body (or GET query string); larger is 413."})
    graphql_max_cost: int = field(default=50000, metadata={
        "doc": "Static cost budget of a GraphQL query: every field 1, lists times their "
               "upper bound (see README)."})
    graphql_parse_cache: int = field(default=256, metadata={
        "doc": "Parsed and validated GraphQL documents kept (each cache)."})
    graphql_deadline_seconds: float = field(default=5.0, metadata={
        "doc": "Longest a GraphQL request may take, parsing, validation and pricing "
               "included; it is stopped with a TIMEOUT error (and its work stops when the "
               "client goes away)."})
    graphql_max_response_bytes: int = field(default=8 * 1024 * 1024, metadata={
        "doc": "Largest GraphQL answer; a larger one is replaced by a RESPONSE_TOO_LARGE "
               "error."})
    rate_limit: str = field(default="3000/minute", metadata={
        "doc": "Budget of each client, in units per window (`limits` syntax, `;` between "
               "windows; empty disables). A cache hit or 304 costs 1, a computed answer 4, "
               "a download 20, a GraphQL answer 4 + its static cost / 500."})
    rate_limit_delay: float = field(default=1.0, metadata={
        "doc": "Seconds a client that keeps asking after a 429 waits for each further "
               "refusal (0: none)."})
    rate_limit_concurrency: int = field(default=1, metadata={
        "doc": "Pieces of one client's work (a query and its rendering, a GraphQL execution, "
               "a download's next chunk) run at once per process; more wait their turn. Its "
               "cache hits are not held up."})
    work_threads: int = field(default=4, metadata={
        "doc": "Worker threads per process, all clients together, in two lanes of half each: "
               "clients that kept threads busy lately work in one, everyone else in the other "
               "(api/http/turns.py). Fewer threads compute more under the GIL (uncached REST "
               "1.25x a plain handler with 2, 0.86x with 40); the lanes keep a client that "
               "asks now and then from queueing behind heavy ones."})
    rate_limit_storage: str = field(default="memory://", metadata={
        "doc": "Where budgets are counted: memory:// (one process) or "
               "async+redis://host:6379 (shared by every replica)."})
    trusted_proxies: str = field(default="", metadata={
        "doc": "Comma-separated addresses or networks of reverse proxies whose "
               "X-Forwarded-For names the client (empty: the peer is the client)."})
    access_log: bool = field(default=True, metadata={
        "doc": "One line per request on standard output."})
    log_format: str = field(default="json", metadata={
        "doc": "Access and error log lines: json (one object per line) or text."})
    limit_concurrency: int = field(default=512, metadata={
        "doc": "Requests a worker serves at once; beyond it, 503 (idle connections do not "
               "count: they are timed out instead)."})
    max_connections: int = field(default=4096, metadata={
        "doc": "Open connections a worker keeps; a new one beyond it is closed at once."})
    max_client_connections: int = field(default=64, metadata={
        "doc": "Open connections one client address may hold on a worker (trusted proxies "
               "exempt); more are closed at once."})
    read_timeout_seconds: float = field(default=10.0, metadata={
        "doc": "Seconds a connection may take to send a whole request (line, headers and "
               "body), from connecting or from its previous answer; then it is closed. A "
               "connection that never sends a byte is closed too."})
    keep_alive_seconds: int = field(default=5, metadata={
        "doc": "Seconds an idle keep-alive connection stays open."})
    stream_limit: int = field(default=4, metadata={
        "doc": "CSV/NDJSON/Parquet downloads streaming at once per process (more: 503, "
               "retry)."})
    stream_client_limit: int = field(default=2, metadata={
        "doc": "Downloads one client may stream at once per process (more: 503, retry)."})
    stream_send_timeout: float = field(default=30.0, metadata={
        "doc": "Seconds a download waits for a client that stopped reading before "
               "dropping it."})
    chart_renders: int = field(default=1, metadata={
        "doc": "Render processes per API process: charts drawn at once (a ranking takes "
               "about 0.3 s of one core); more wait their turn."})
    chart_queue: int = field(default=16, metadata={
        "doc": "Charts that may wait to be drawn per process; beyond it, 503 with "
               "Retry-After."})
    metrics: bool = field(default=True, metadata={
        "doc": "Serve Prometheus metrics (off the rate limit)."})
    metrics_port: int = field(default=0, metadata={
        "doc": "0: metrics at /metrics on the API's port; another port: there only (keep it "
               "off the public network)."})
    release_dir: str = field(default="", metadata={
        "doc": "Where the data release is built, once per dataset version (empty: "
               "`releases/` beside a SQLite database, else the system's temporary folder)."})
    mcp: bool = field(default=True, metadata={
        "doc": "Serve the Model Context Protocol endpoint at /mcp (streamable HTTP, "
               "stateless, JSON answers) for AI agents; false: /mcp is a 404."})
    mcp_max_body_bytes: int = field(default=64 * 1024, metadata={
        "doc": "Largest MCP request body; larger is 413."})
    mcp_deadline_seconds: float = field(default=10.0, metadata={
        "doc": "Longest an MCP tool call may run; then it answers a tool error."})
    mcp_max_result_bytes: int = field(default=512 * 1024, metadata={
        "doc": "Largest MCP tool result (JSON); a larger one is a tool error asking for "
               "less."})
    public_url: str = field(default="", metadata={
        "doc": "The service's public address (https://host), for absolute links in the "
               "catalog metadata, the release, MCP answers and llms.txt, and in the explorer's "
               "embed snippets, canonical URLs and preview images (og:image); empty: links "
               "relative to the document (a Host header is never trusted for them)."})

    def release_directory(self) -> Path:
        """The release directory: the setting, else beside a SQLite file, else /tmp."""
        if self.release_dir:
            return Path(self.release_dir)
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database:
            return Path(url.database).resolve().parent / "releases"
        return Path(tempfile.gettempdir()) / "dti-open-data-releases"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"DTI_{f.name.upper()}")
            if raw is not None and raw != "":
                parse: Any = {"int": int, "float": float, "bool": _flag}.get(str(f.type), str)
                values[f.name] = parse(raw)
        settings = cls(**values)
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def settings_table() -> str:
    """The README's table of settings, made from the fields above (a test compares)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in fields(Settings):
        default = f.default
        if f.name == "database_url":
            shown = "the embedded SQLite file (`var/dti.sqlite` in a checkout)"
        else:
            shown = f"`{default}`" if default != "" else "empty"
        rows.append(f"| `DTI_{f.name.upper()}` | {shown} | {f.metadata['doc']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
