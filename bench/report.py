"""The benchmark's table: scenarios, then targets judged on ratios from the same run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.load import Measure


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    op: str  # ">=", "<=", "<" or "info"
    goal: float

    @property
    def met(self) -> bool | None:
        if self.op == "info":
            return None
        return {">=": self.value >= self.goal, "<=": self.value <= self.goal,
                "<": self.value < self.goal}[self.op]


def render_table(results: dict[str, Measure], targets: list[Target],
                 export: dict[str, Any] | None, soak: dict[str, Any] | None,
                 peak_rss: int) -> str:
    width = max(len(n) for n in results) + 2
    lines = [f"{'scenario':<{width}}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"]
    for name, m in results.items():
        lines.append(f"{name:<{width}}{m.rps:>10.0f}{m.p50_ms:>10.2f}{m.p99_ms:>10.2f}"
                     f"{m.errors:>8}")
    if export is not None and soak is not None:
        lines.append("")
        for found, name in ((export.get("shell") or {}, "sqlite3 shell CSV (anchor)"),
                            (export, "CSV export"), (export.get("parquet") or {},
                                                     "Parquet export")):
            if found:
                growth = f", RSS +{found['rss_growth_mb']:.1f} MB" \
                    if "rss_growth_mb" in found else ""
                lines.append(f"{name}: {found['rows']:.0f} rows in {found['seconds']:.1f} s, "
                             f"{found['rows_per_s']:.0f} rows/s{growth}")
        lines += [f"memory soak: {soak['requests']} requests, RSS "
                  f"{soak['rss_after_warmup_mb']:.1f} -> {soak['rss_after_mb']:.1f} MB after "
                  f"warm-up ({soak['growth_mb']:+.1f} MB); peak RSS of the API "
                  f"{peak_rss / 2**20:.1f} MB"]
    width = max([52, *(len(t.name) + 2 for t in targets)])
    lines += ["", f"{'target':<{width}}{'measured':>12}  {'goal':<12}{'met':>5}"]
    for t in targets:
        goal = "-" if t.op == "info" else f"{t.op} {t.goal:g}"
        met = "-" if t.met is None else ("yes" if t.met else "NO")
        lines.append(f"{t.name:<{width}}{t.value:>12.2f}  {goal:<12}{met:>5}")
    return "\n".join(lines)
