"""Rules for comparing and ranking published values, shared by the loader (computed ranks,
the weights check, the stability analysis) and the query layer (what-if rankings).

Values are compared as printed: "0.54146" and "0.5415" agree at the coarser precision,
"0.8219" and "0.8218" do not. A ranking rounds every value to one precision first, so a
value printed with more digits than the table it sits in cannot break a published tie.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V", Decimal, float)


def decimals(text: str) -> int:
    """Digits after the decimal point as printed ('0.8340' -> 4, '1' -> 0)."""
    _, _, fraction = text.strip().partition(".")
    return len(fraction)


def to_decimal(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def at_precision(value: Decimal | str | float, places: int) -> Decimal:
    """Round half up to `places` decimals, as published tables round."""
    number = value if isinstance(value, Decimal) else to_decimal(str(value))
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def agree(a: str, b: str) -> bool:
    """Two printed values are one figure when the finer, rounded to the coarser's digits,
    is the coarser (541.46/1000 = 0.54146 and 0.5415 agree)."""
    coarse, fine = sorted((a, b), key=decimals)
    return at_precision(fine, decimals(coarse)) == to_decimal(coarse)


def table_precision(texts: Iterable[str]) -> int:
    """The precision a list is published at: the number of decimals most of its values
    are printed with (a value whose trailing zeros were dropped has fewer; one copied
    from another page may have more). Ties go to the finer precision."""
    counts = Counter(decimals(t) for t in texts)
    if not counts:
        raise ValueError("no values")
    return max(counts.items(), key=lambda item: (item[1], item[0]))[0]


def competition_ranks(values: Mapping[K, V]) -> dict[K, int]:
    """Standard competition ranking, highest first: equal values share a rank and the
    next rank skips (1, 2, 2, 4)."""
    ordered = sorted(values.values(), reverse=True)
    first: dict[V, int] = {}
    for position, value in enumerate(ordered, 1):
        first.setdefault(value, position)
    return {key: first[value] for key, value in values.items()}


def composite(weights: Sequence[float], values: Sequence[float]) -> float:
    """The weighted mean of the main indicators: the DTI of one entity under `weights`."""
    return sum(w * v for w, v in zip(weights, values, strict=True)) / sum(weights)
