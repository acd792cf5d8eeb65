"""Per-request GraphQL context: one connection, a deadline, and batched nested fields.

GraphQL runs synchronously in a worker thread over the read models themselves (plain
dicts). Rows resolved side by side form a group; the first time a nested field is asked
of one row, it is fetched for the whole group in one query and remembered, so a nested
query costs one statement per field and depth, never one per row, and no resolver awaits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from typing import Any, TypeVar

from strawberry.types import Info

from api.errors import ApiError
from api.graphql.errors import to_graphql_error
from api.graphql.guard import Deadline
from api.services.context import QueryContext
from api.services.params import Filter

T = TypeVar("T")
Row = dict[str, Any]
GROUP = "_group"  # the key under which a row keeps its group


class GraphQLContext:
    def __init__(self, open_query: Callable[[], Any], dataset: Any, deadline: Deadline) -> None:
        self._open, self._stack = open_query, ExitStack()
        self._query: QueryContext | None = None
        self._parsed: dict[tuple[Any, str], Any] = {}
        self.dataset = dataset  # api.db.Database: version, built_at, synthetic
        self.deadline = deadline
        self.cost = 0  # the static cost (at most the budget), set when the query is priced

    @property
    def query(self) -> QueryContext:
        """The request's connection, opened on first use (a parse error needs none)."""
        if self._query is None:
            self._query = self._stack.enter_context(self._open())
        return self._query

    def parsed(self, parser: type[Filter], raw: dict[str, Any],
               names: dict[str, str] | None = None) -> Any:
        """`parser.parse(raw)`, remembered for the request (nested fields repeat theirs);
        errors name the GraphQL arguments (`names`: service parameter -> argument)."""
        key = (parser, repr(sorted(raw.items())))
        if key not in self._parsed:
            try:
                self._parsed[key] = parser.parse(raw)
            except ApiError as error:
                raise to_graphql_error(error, names) from None
        return self._parsed[key]

    def close(self) -> None:
        self._stack.close()

    def call(self, fn: Callable[..., T], *args: Any, names: dict[str, str] | None = None) -> T:
        """Call a service function; its ApiError becomes a GraphQL error."""
        self.deadline.check()
        try:
            return fn(self.query, *args)
        except ApiError as error:
            raise to_graphql_error(error, names) from None


def context(info: Info) -> GraphQLContext:
    ctx: GraphQLContext = info.context
    return ctx


class Group:
    __slots__ = ("memo", "rows")

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.memo: dict[tuple[Any, ...], dict[Any, Any]] = {}


def grouped(rows: list[Row]) -> list[Row]:
    """Make `rows` one group; nested rows (a score's claims) form one group per field."""
    group = Group(rows)
    nested: dict[str, list[Row]] = {}
    for row in rows:
        row[GROUP] = group
        for name, value in row.items():
            if type(value) is list and value and type(value[0]) is dict:
                nested.setdefault(name, []).extend(value)
    for children in nested.values():
        grouped(children)
    return rows


def _children(values: Iterable[Any]) -> list[Row]:
    out: list[Row] = []
    for value in values:
        if type(value) is dict:
            out.append(value)
        elif type(value) is list:
            out.extend(v for v in value if type(v) is dict)
    return out


def batched(row: Row, info: Info, name: str, key: Callable[[Row], Any],
            load: Callable[..., dict[Any, Any]], *args: Any, default: Any = None,
            many: bool = False) -> Any:
    """The value of field `name` for `row`, fetched once for the row's whole group.

    `load(conn, keys, *args)` returns {key: read model or list of read models}; what it
    returns for the whole group becomes one group in turn, for the next level down.
    With `many`, `key(row)` gives a list of keys and the value is the list of their models.
    """
    group: Group | None = row.get(GROUP)
    if group is None:
        group = Group([row])
        row[GROUP] = group
    memo_key = (name, *args)
    found = group.memo.get(memo_key)
    if found is None:
        ctx = context(info)
        wanted = (k for r in group.rows for k in key(r)) if many else map(key, group.rows)
        keys = list(dict.fromkeys(k for k in wanted if k is not None))
        found = ctx.call(lambda q: load(q.conn, keys, *args)) if keys else {}
        grouped(_children(found.values()))
        group.memo[memo_key] = found
    if many:
        return [found[k] for k in key(row) if k in found]
    return found.get(key(row), default)
