"""What a load put in the database: counts per year and cohort, and coverage."""

from __future__ import annotations

from sqlalchemy import create_engine, text

COUNTS = """
SELECT year, cohort, COUNT(*) AS figures, SUM(CASE WHEN has_conflict THEN 1 ELSE 0 END)
FROM score GROUP BY year, cohort ORDER BY year, cohort
"""
COVERAGE = """
SELECT year, cohort, indicator_code, cohort_size, with_value, with_rank, with_computed_rank
FROM coverage WHERE figures > 0 ORDER BY year, cohort, indicator_code
"""


def summary(database_url: str) -> str:
    """Render the load summary as plain-text tables."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            counts = conn.execute(text(COUNTS)).all()
            coverage = conn.execute(text(COVERAGE)).all()
            totals = {name: conn.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one()
                      for name in ("source", "entity", "indicator", "score", "claim",
                                   "aggregate", "statistic", "metric")}
    finally:
        engine.dispose()
    lines = ["rows: " + ", ".join(f"{k} {v}" for k, v in totals.items()), "",
             "figures per year and cohort", f"{'year':<6}{'cohort':<32}{'figures':>8}"
             f"{'conflicts':>10}"]
    lines += [f"{y:<6}{c:<32}{n:>8}{k:>10}" for y, c, n, k in counts]
    lines += ["", "coverage: entities with a value / a published rank / a computed rank, of "
                  "the cohort's size that year",
              f"{'year':<6}{'cohort':<32}{'indicator':<28}{'value':>6}{'rank':>6}"
              f"{'comp.':>6}{'size':>6}"]
    lines += [f"{y:<6}{c:<32}{i:<28}{v:>6}{r:>6}{k:>6}{'' if n is None else n:>6}"
              for y, c, i, n, v, r, k in coverage]
    return "\n".join(lines)
