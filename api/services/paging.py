"""Keyset pagination with opaque, tamper-evident cursors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from cachetools import LRUCache
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    tuple_,
)

from api.errors import ApiError, invalid
from api.services.params import Param, integer, parse_params

T = TypeVar("T")
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    edge_cursors: bool = False  # also sign a cursor per item (GraphQL edges)


def _cursor(text: str) -> str:
    if not isinstance(text, str) or not 1 <= len(text) <= 2000:
        raise ValueError("the cursor is malformed or has been modified")
    return text


LIMIT = Param(integer(1, MAX_LIMIT), f"Page size, 1..{MAX_LIMIT} (default {DEFAULT_LIMIT}).",
              {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT})
CURSOR = Param(_cursor, "Opaque cursor from links.next.",
               {"type": "string", "minLength": 1, "maxLength": 2000})


def page_request(limit: Any, cursor: Any, edge_cursors: bool = False,
                 names: tuple[str, str] = ("limit", "cursor")) -> PageRequest:
    """Parse a page size and cursor; `names` are the parameters as the client wrote them."""
    values = parse_params({names[0]: LIMIT, names[1]: CURSOR},
                          {names[0]: limit, names[1]: cursor})
    return PageRequest(values.get(names[0], DEFAULT_LIMIT), values.get(names[1]),
                       edge_cursors)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    next_cursor: str | None
    cursors: list[str] | None = None

    def with_items(self, items: list[Any]) -> Page[Any]:
        """The same page (cursors, total) holding items mapped from these."""
        return Page(items, self.total, self.next_cursor, self.cursors)


@dataclass(frozen=True)
class SortKey:
    column: ColumnElement[Any]
    descending: bool = False
    nullable: bool = False


class CursorCodec:
    """Signs (scope, key, dataset version); a cursor from another query or edited by hand
    is refused (400), one from a dataset no longer served is gone (410)."""

    def __init__(self, secret: str, version: str = "") -> None:
        self._secret = secret.encode()
        self.version = version

    def for_version(self, version: str) -> CursorCodec:
        """The codec of one request, reading one dataset version."""
        codec = CursorCodec.__new__(CursorCodec)
        codec._secret, codec.version = self._secret, version
        return codec

    def _sign(self, payload: bytes) -> str:
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def encode(self, scope: str, key: Sequence[Any]) -> str:
        payload = json.dumps([scope_digest(scope), list(key), self.version],
                             separators=(",", ":")).encode()
        body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{body}.{self._sign(payload)}"

    def decode(self, scope: str, token: str) -> list[Any]:
        try:
            body, signature = token.split(".")
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            # bytes: compare_digest refuses non-ASCII str, and cursors come from clients
            valid = hmac.compare_digest(signature.encode(), self._sign(payload).encode())
            digest, key, version = json.loads(payload) if valid else (None, None, None)
        except (ValueError, TypeError, UnicodeDecodeError):
            valid, digest, key, version = False, None, None, None
        if not valid or not isinstance(key, list) or not all(map(_scalar, key)):
            raise invalid("cursor", "the cursor is malformed or has been modified")
        if version != self.version:
            raise ApiError(410, f"the dataset changed since this cursor was made (version "
                                f"{str(version)[:40]} is no longer served; now "
                                f"{self.version}); start again from the first page",
                           [{"parameter": "cursor", "message": "dataset changed"}])
        if digest != scope_digest(scope):
            raise invalid("cursor", "the cursor belongs to a different query; "
                                    "keep the other parameters unchanged while paging")
        return key


INT64 = 2**63 - 1
MAX_KEY_TEXT = 512


def _scalar(value: Any) -> bool:
    """A key value a query may bind: null, a 64-bit integer, a finite number, a short text
    (a cursor signed with a leaked key still cannot bind a list, 2**70 or a novel)."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -INT64 <= value <= INT64
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= MAX_KEY_TEXT


def _fits(key: SortKey, value: Any) -> bool:
    """Whether a decoded value has the type of the column it is compared with."""
    if value is None:
        return key.nullable
    column_type = key.column.type
    try:  # sqlmodel's AutoString says `object`: the type it decorates says str
        kind = getattr(column_type, "impl", column_type).python_type
    except NotImplementedError:
        kind = object
    if kind is object:
        return not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def scope_digest(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def _equal(key: SortKey, value: Any) -> ColumnElement[bool]:
    return key.column.is_(None) if value is None else key.column == value


def after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys` (nulls last)."""
    if len({k.descending for k in keys}) == 1 and not any(k.nullable for k in keys):
        # A row-value comparison: SQLite and PostgreSQL seek it in an index on the keys,
        # so a page deep in the chain costs what the first one does.
        row, cut = tuple_(*(k.column for k in keys)), tuple_(*values)
        return row < cut if keys[0].descending else row > cut
    clauses = []
    for i, key in enumerate(keys):
        value = values[i]
        if value is None:
            later: ColumnElement[bool] = false()
        else:
            later = key.column < value if key.descending else key.column > value
            if key.nullable:
                later = or_(later, key.column.is_(None))
        clauses.append(and_(*(_equal(keys[j], values[j]) for j in range(i)), later))
    return or_(*clauses)


def order_by(keys: Sequence[SortKey]) -> list[ColumnElement[Any]]:
    out: list[ColumnElement[Any]] = []
    for key in keys:
        if key.nullable:
            out.append(key.column.is_(None))
        out.append(key.column.desc() if key.descending else key.column.asc())
    return out


class Totals:
    """Bounded, thread-safe memo of collection totals: the data never changes under a
    running service, so a filter's count is computed once, not on every page."""

    def __init__(self, maxsize: int = 4096) -> None:
        self._cache: LRUCache[str, int] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def count(self, conn: Connection, scope: str, stmt: Select[Any]) -> int:
        scope = f"{conn.info.get('dataset_version', '')}|{scope}"  # a new dataset, new counts
        with self._lock:
            found = self._cache.get(scope)
        if found is not None:
            return found
        total = int(conn.execute(select(func.count()).select_from(
            stmt.order_by(None).subquery())).scalar_one())
        with self._lock:
            self._cache[scope] = total
        return total


class PagingContext(Protocol):
    @property
    def conn(self) -> Connection: ...
    @property
    def codec(self) -> CursorCodec: ...
    @property
    def totals(self) -> Totals: ...


def paginate(ctx: PagingContext, scope: str, stmt: Select[Any], keys: Sequence[SortKey],
             page: PageRequest, to_item: Callable[[Any], T]) -> Page[T]:
    """Run `stmt` ordered by `keys` (the last one unique) from the cursor on."""
    conn, codec = ctx.conn, ctx.codec
    total = ctx.totals.count(conn, scope, stmt)
    query = stmt.add_columns(*(k.column.label(f"_k{i}") for i, k in enumerate(keys)))
    if page.cursor:
        values = codec.decode(scope, page.cursor)
        if len(values) != len(keys) or not all(map(_fits, keys, values)):
            raise invalid("cursor", "the cursor does not fit this collection")
        query = query.where(after(keys, values))
    rows = conn.execute(query.order_by(*order_by(keys)).limit(page.limit + 1)).all()
    more = len(rows) > page.limit
    rows = rows[: page.limit]

    def cursor_of(row: Any) -> str:
        return codec.encode(scope, [row._mapping[f"_k{i}"] for i in range(len(keys))])

    cursor = cursor_of(rows[-1]) if more else None
    cursors = [cursor_of(r) for r in rows] if page.edge_cursors else None
    return Page([to_item(r._mapping) for r in rows], total, cursor, cursors)


def paginate_list(codec: CursorCodec, scope: str, items: list[T],
                  key: Callable[[T], Any], page: PageRequest) -> Page[T]:
    """Keyset paging over a small list computed in full (rankings, coverage, trees)."""
    start = 0
    if page.cursor:
        # compared as JSON text: `true` is not the key 1, nor 1.0 the key "1"
        last = json.dumps(codec.decode(scope, page.cursor))
        keys = [json.dumps([key(item)]) for item in items]
        if last not in keys:
            raise invalid("cursor", "the cursor does not fit this collection")
        start = keys.index(last) + 1
    chunk = items[start:start + page.limit]
    more = start + page.limit < len(items)
    cursor = codec.encode(scope, [key(chunk[-1])]) if more and chunk else None
    cursors = [codec.encode(scope, [key(i)]) for i in chunk] if page.edge_cursors else None
    return Page(chunk, len(items), cursor, cursors)
