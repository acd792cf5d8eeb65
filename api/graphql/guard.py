"""What bounds GraphQL work before execution: the request's deadline (parse, validation
and pricing included), abandoning it when the client goes away, and number literals.

A request runs in one worker thread. Its `Deadline` is checked between steps, between
the nodes validation visits, every thousand units of pricing work and before each
batch of nested fields; past the deadline, or once the client has disconnected, the
next check stops the work with an error, so no thread stays busy for a request nobody
waits for and a shutdown never waits longer than the deadline.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from api.graphql.errors import client_error

# An Int is 32-bit (11 characters at most with its sign) and a Float needs no more than
# a few dozen; a longer literal is refused before graphql-core's int() meets Python's
# 4,300-digit limit (a ValueError, that is a 500, for a 4,301-digit literal).
MAX_NUMBER_CHARS = 40
# A longer literal has a run of at least 12 digits (a Float has at most three runs: whole,
# fraction, exponent): documents without one skip the walk.
DIGITS = re.compile(r"[0-9]{12}")
CHECK_EVERY = 128  # validation nodes between two deadline checks


class Deadline:
    """When a request's GraphQL work must stop: its deadline passed or its client left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.abandoned = False

    def abandon(self) -> None:
        """The client went away: stop at the next check (called from the event loop)."""
        self.abandoned = True

    def check(self) -> None:
        if self.abandoned:
            raise client_error("the client went away; the query was stopped", "CANCELLED")
        if time.monotonic() > self.at:
            raise client_error(f"the query ran longer than {self.seconds:g} s and was "
                               "stopped; ask for fewer items", "TIMEOUT")


CURRENT: ContextVar[Deadline | None] = ContextVar("graphql_deadline", default=None)


class DeadlineRule(ValidationRule):
    """A validation rule that checks the deadline every CHECK_EVERY nodes it visits."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.deadline, self.seen = CURRENT.get(), 0

    def enter(self, *_: Any) -> None:
        self.seen += 1
        if self.deadline is not None and self.seen % CHECK_EVERY == 0:
            self.deadline.check()


def alias_limit(max_aliases: int) -> type[ValidationRule]:
    """A rule refusing documents with more than `max_aliases` aliases, counting each
    fragment once and multiplying by its uses (strawberry's MaxAliasesLimiter, from
    strawberry-graphql/strawberry#2726, walks a fragment again at every spread: a chain
    of fragments that each spread the previous one twice took seconds, then hours)."""
    class AliasLimit(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            fragments = {d.name.value: d for d in node.definitions
                         if isinstance(d, FragmentDefinitionNode)}
            memo: dict[str, int] = {}

            def count(selection_set: SelectionSetNode, active: frozenset[str]) -> int:
                total = 0
                for selection in selection_set.selections:
                    if isinstance(selection, FieldNode):
                        total += selection.alias is not None
                        if selection.selection_set is not None:
                            total += count(selection.selection_set, active)
                    elif isinstance(selection, InlineFragmentNode):
                        total += count(selection.selection_set, active)
                    elif isinstance(selection, FragmentSpreadNode):
                        name = selection.name.value
                        if name not in memo and name in fragments and name not in active:
                            memo[name] = count(fragments[name].selection_set,
                                               active | {name})
                        total += memo.get(name, 0)
                    if total > max_aliases:  # enough to refuse
                        break
                return total

            found = sum(count(d.selection_set, frozenset()) for d in node.definitions
                        if isinstance(d, OperationDefinitionNode))
            if found > max_aliases:
                self.report_error(GraphQLError(f"at least {found} aliases found; at most "
                                               f"{max_aliases} are allowed"))
    return AliasLimit


class _Numbers(Visitor):
    def enter_int_value(self, node: IntValueNode, *_: Any) -> None:
        self._check(node.value)

    def enter_float_value(self, node: FloatValueNode, *_: Any) -> None:
        self._check(node.value)

    @staticmethod
    def _check(text: str) -> None:
        if len(text) > MAX_NUMBER_CHARS:
            raise client_error(f"a number of {len(text)} characters; numbers have at most "
                               f"{MAX_NUMBER_CHARS}", "BAD_USER_INPUT")


class Guard(SchemaExtension):
    """Place first: checks the deadline after parsing and before validation, and refuses
    number literals longer than MAX_NUMBER_CHARS before any rule reads them."""

    def on_parse(self) -> Iterator[None]:
        yield
        self._check_deadline()

    def on_validate(self) -> Iterator[None]:
        self._check_deadline()
        document = self.execution_context.graphql_document
        if document is not None and DIGITS.search(self.execution_context.query or ""):
            visit(document, _Numbers())
        yield

    @staticmethod
    def _check_deadline() -> None:
        deadline = CURRENT.get()
        if deadline is not None:
            deadline.check()


class Meter:
    """Counts the units of work a walk over a request does (one per node it visits):
    checks the deadline every thousand units and says stop past `limit`."""

    def __init__(self, limit: int, deadline: Deadline | None = None) -> None:
        self.limit, self.deadline = limit, deadline
        self.work = 0
        self.exhausted = False

    def tick(self) -> bool:
        """Count one unit; True when the walk must stop."""
        self.work += 1
        if self.work & 1023 == 0 and self.deadline is not None:
            self.deadline.check()
        if self.work > self.limit:
            self.exhausted = True
        return self.exhausted
