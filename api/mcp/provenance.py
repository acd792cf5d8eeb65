"""Provenance on every MCP answer: the served source of each figure, its conflict status,
what is missing, and the REST address of the same data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection

from api.mcp.answers import EntityMatch, EntityRef, Figure, Provenance, SourceRef
from api.services import figures, rankings
from api.services.context import QueryContext
from api.services.scores import FigureKey
from models import public as pub

# Rank bases that no source states: ranks the service computed from published values.
DERIVED_BASES = frozenset({"computed_from_values"})
NOT_HERE = "not in this dataset"
CITE = ("Cite DTI Open Data with its dataset version, and for every figure the source it is "
        "served from (publisher, title, URL, date). Say a missing figure is not in this "
        "dataset; never estimate, interpolate or fill one in.")
HOW_CHOSEN = {
    "none": "No source disagrees with this figure.",
    "resolved_by_tier": "Sources disagree; the value served comes from the best tier of "
                        "source (official > government > press > third-party).",
    "resolved_by_agreement": "Sources disagree; the value served is the one more sources "
                             "of the best tier give.",
    "unresolved": "Sources of the same tier disagree and tie; the value served was picked "
                  "by record-keeping only: treat it as uncertain and mention the conflict.",
}
KIND_WORDS = {"province": "province", "municipality": "centrally-run city",
              "ministry": "ministry or ministry-level body", "nation": "the nation"}


@dataclass(frozen=True)
class Links:
    """REST addresses: absolute under the public URL when it is set."""

    base: str

    def rest(self, path: str, **params: Any) -> str:
        pairs = sorted((k, str(v)) for k, v in params.items() if v is not None and v != "")
        return f"{self.base}{path}" + (f"?{urlencode(pairs, safe=',:')}" if pairs else "")


@dataclass(frozen=True)
class Call:
    """What a tool's work gets: a query context on one connection, and the links."""

    query: QueryContext
    links: Links

    @property
    def conn(self) -> Connection:
        return self.query.conn

    @property
    def version(self) -> str:
        return str(self.conn.info["dataset_version"])

    def provenance(self, path: str, **params: Any) -> Provenance:
        return {"dataset_version": self.version, "rest_url": self.links.rest(path, **params),
                "cite": CITE}


def source_refs(conn: Connection, ids: Iterable[str]) -> dict[str, SourceRef]:
    found = figures.sources_by_id(conn, sorted(set(ids)))
    return {i: {"id": s["id"], "publisher": s["publisher"], "title": s["title"],
                "url": s["url"], "published_date": s["published_date"], "tier": s["tier"]}
            for i, s in found.items()}


def rank_status(rank: int | None, basis: str | None) -> str | None:
    if rank is None:
        return None
    return "computed" if basis in DERIVED_BASES else "published"


def gaps_of(value: float | None, rank: int | None, computed: str | None = None) -> list[str]:
    """What a figure lacks; for a rank no source gives, the derived one if there is."""
    gaps = [f"value: {NOT_HERE}"] if value is None else []
    if rank is None:
        gaps.append(f"rank: no source publishes one; {computed}" if computed
                    else f"rank: {NOT_HERE}")
    return gaps


def computed_note(figure: pub.Score | pub.RankingEntry, size: int | None, rank: int,
                  links: Links) -> str:
    """A rank this service computed, said as derived, with where it is served."""
    where = links.rest("/v1/rankings", year=figure["year"], cohort=figure["cohort"],
                       indicator=figure["indicator"])
    return (f"this service computed rank {rank} of {size or '?'} from the published values "
            f"(derived: standard competition ranking; computed_rank in {where}). Say it is "
            f"computed, not published.")


def figure(score: pub.Score, sources: dict[str, SourceRef], links: Links,
           computed: dict[FigureKey, int] | None = None) -> Figure:
    """A published figure with the source it is served from and its REST address."""
    return {
        "entity_code": score["entity_code"], "entity_name_vi": score["entity_name_vi"],
        "entity_name_en": score["entity_name_en"], "year": score["year"],
        "indicator": score["indicator"], "cohort": score["cohort"],
        "cohort_size": score["cohort_size"], "value": score["value"],
        "value_text": score["value_text"], "qualifier": score["qualifier"],
        "rank": score["rank"], "rank_basis": score["rank_basis"],
        "rank_status": rank_status(score["rank"], score["rank_basis"]),
        "conflict_status": score["conflict_status"], "source": sources.get(score["source_id"]),
        "gaps": gaps_of(score["value"], score["rank"],
                        computed_note(score, score["cohort_size"], rank, links)
                        if (rank := (computed or {}).get(_key(score))) else None),
        "rest_url": links.rest("/v1/scores", entity=score["entity_code"], year=score["year"],
                               indicator=score["indicator"], cohort=score["cohort"])}


def _key(score: pub.Score) -> FigureKey:
    return (score["year"], score["cohort"], score["indicator"], score["entity_code"])


def derived_ranks(conn: Connection, scores: Iterable[pub.Score]) -> dict[FigureKey, int]:
    """The computed ranks of the figures among these whose sources give no rank."""
    return rankings.computed_ranks(conn, [_key(s) for s in scores if s["rank"] is None])


def served_sources(conn: Connection, scores: Iterable[pub.Score]) -> dict[str, SourceRef]:
    """The source records of every served figure (and every claim) in one query."""
    ids = set()
    for s in scores:
        ids.add(s["source_id"])
        ids.update(c["source_id"] for c in (*s["sources"], *s["conflicts"]))
    return source_refs(conn, ids)


def ref(entity: pub.Entity | pub.EntityRef) -> EntityRef:
    return {"code": entity["code"], "name_vi": entity["name_vi"], "name_en": entity["name_en"]}


def _names(refs: list[pub.EntityRef]) -> str:
    return ", ".join(f"{r['name_vi']} ({r['code']})" for r in refs)


def status_of(entity: pub.Entity) -> str:
    """One sentence on what the entity is and where the 2025 merger put it."""
    kind = KIND_WORDS.get(entity["kind"], entity["kind"])
    before, after = entity.get("predecessors", []), entity.get("successors", [])
    if after:
        return (f"Pre-2025 {kind} (one of the 63), until {entity['valid_to']}; since the 2025 "
                f"merger part of {_names(after)}. Its figures up to the 2024 edition are "
                "under this code; the 2024 34-province ranking and later editions use the "
                "new code.")
    if before:
        return (f"Post-2025 {kind} (one of the 34) since {entity['valid_from']}, formed from "
                f"{_names(before)}. Figures before the merger are under those codes.")
    return f"A {kind}." if entity["kind"] != "nation" else "Viet Nam as a whole."


def entity_match(entity: pub.Entity, links: Links, matched: str) -> EntityMatch:
    return {"code": entity["code"], "kind": entity["kind"], "name_vi": entity["name_vi"],
            "name_en": entity["name_en"], "region": entity["region"],
            "valid_from": entity["valid_from"], "valid_to": entity["valid_to"],
            "cohorts": entity["cohorts"],
            "merged_into": [ref(r) for r in entity.get("successors", [])],
            "formed_from": [ref(r) for r in entity.get("predecessors", [])],
            "status": status_of(entity), "matched": matched,
            "rest_url": links.rest(f"/v1/entities/{entity['code']}")}
