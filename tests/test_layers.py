"""The import rules of ../shared/STYLE.md, read from the code itself (every import, at
any depth in a module, `if TYPE_CHECKING` included): the query layer knows no framework
and no adapter, the HTTP plumbing knows no adapter, no adapter imports another, and the
packages import each other in one direction only (no cycle)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The adapters: what turns requests of one kind into service calls (route modules).
ADAPTERS = ("api.rest", "api.graphql", "api.mcp", "api.pages", "api.charts.routes",
            "api.release.routes", "api.geo")
ABOVE_HTTP = ("api.rest", "api.graphql", "api.mcp", "api.pages", "api.charts",
              "api.release", "api.geo", "api.openapi", "api.app", "api.serve", "api.cli")
FRAMEWORKS = ("starlette", "strawberry", "uvicorn", "mcp")


def modules() -> dict[str, set[str]]:
    """Each module of api/, models/ and seed/ and what it imports (absolute names)."""
    found: dict[str, set[str]] = {}
    for top in ("api", "models", "seed"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            package = name if parts[-1] == "__init__" else name.rpartition(".")[0]
            imported: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    imported |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom):
                    base = node.module or ""
                    if node.level:
                        anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 \
                            else package
                        base = f"{anchor}.{base}" if base else anchor
                    imported.add(base)
                    imported |= {f"{base}.{alias.name}" for alias in node.names}
            found[name] = imported
    return found


MODULES = modules()


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def offenders(source: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{module} imports {target}" for module, imported in MODULES.items()
                  if under(module, source) for target in imported
                  if under(target, forbidden) and not under(target, source))


def test_the_rules_read_real_code() -> None:
    """A rule over nothing passes for nothing: each layer is there and imports things."""
    for layer in ("api.services", "api.http", "api.rest", "api.graphql", "models"):
        assert any(under(m, (layer,)) and MODULES[m] for m in MODULES), layer
    assert "api.services.paging" in MODULES["api.rest.routes"]


def test_services_import_no_adapter_and_no_framework() -> None:
    assert offenders(("api.services",), (*ABOVE_HTTP, "api.http", *FRAMEWORKS)) == []


def test_http_plumbing_knows_no_adapter() -> None:
    assert offenders(("api.http",), ABOVE_HTTP) == []


def test_models_import_nothing_of_the_service() -> None:
    assert offenders(("models",), ("api", "seed")) == []


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_no_adapter_imports_another(adapter: str) -> None:
    others = tuple(a for a in ADAPTERS if a != adapter and not under(a, (adapter,)))
    assert offenders((adapter,), others) == []


def package_of(module: str) -> str:
    """Packages are api's subpackages (api.http...), api's top modules, models, seed."""
    parts = module.split(".")
    if parts[0] != "api" or len(parts) == 1:
        return parts[0]
    return ".".join(parts[:2])


def test_packages_import_each_other_one_way() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, imported in MODULES.items():
        for target in imported:
            if target in MODULES or target.rpartition(".")[0] in MODULES:
                known = target if target in MODULES else target.rpartition(".")[0]
                a, b = package_of(module), package_of(known)
                if a != b:
                    graph[a].add(b)
    cycles = []
    for start in sorted(graph):  # a path from a package back to itself
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert cycles == []
