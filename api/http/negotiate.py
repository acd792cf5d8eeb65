"""Content negotiation (RFC 9110 §12): which format, language and encoding a request gets."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from api.http.formats import FORMATS

MAX_RANGES = 32  # media ranges read from one Accept header; the rest are ignored


def _q(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


def parse_accept(header: str) -> list[tuple[str, float]]:
    """Media ranges with their quality, in the order given."""
    ranges = []
    for part in header.split(",")[:MAX_RANGES]:
        media, *params = part.split(";")
        media = media.strip().lower()
        if media.count("/") == 1:
            ranges.append((media, _q(params)))
    return ranges


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """The quality of the most specific range matching `media` (0 when none does)."""
    kind = media.split("/")[0] + "/*"
    best, specificity = 0.0, -1
    for pattern, q in ranges:
        level = 2 if pattern == media else 1 if pattern == kind else 0 if pattern == "*/*" else -1
        if level > specificity:
            best, specificity = q, level
    return best if specificity >= 0 else 0.0


def choose(accept: str, offers: Sequence[str]) -> str | None:
    """The offered format the client prefers: the first offer when Accept is absent or
    empty, None when it accepts none of them (a 406)."""
    ranges = parse_accept(accept) if accept.strip() else []
    if not ranges:
        return offers[0]
    best, best_q = None, 0.0
    for fmt in offers:  # offers in server preference: ties keep the earlier one
        q = _quality(FORMATS[fmt].essence, ranges)
        if q > best_q:
            best, best_q = fmt, q
    return best


@functools.lru_cache(maxsize=256)
def language_of(accept_language: str) -> str:
    """vi or en, whichever the header prefers; vi when it names neither."""
    best, best_q = "vi", 0.0
    for part in accept_language.split(",")[:MAX_RANGES]:
        tag, *params = part.split(";")
        primary = tag.strip().lower().split("-")[0]
        q = _q(params)
        if primary in ("vi", "en") and q > best_q:
            best, best_q = primary, q
    return best


@functools.lru_cache(maxsize=256)  # clients send a handful of distinct values
def accepts_gzip(accept_encoding: str) -> bool:
    if "gzip" not in accept_encoding and "*" not in accept_encoding:
        return False
    for part in accept_encoding.split(",")[:MAX_RANGES]:
        coding, *params = part.split(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*") and _q(params) > 0:
            return True
    return False
