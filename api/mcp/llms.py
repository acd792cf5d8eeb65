"""/llms.txt and /llms-full.txt: the service described for language models (llmstxt.org),
made by the app itself, when it starts, from the README's own sections, the collections'
registry and the MCP tools: none of them can drift from the others, and a new collection
needs no regenerated copy. `python -m api.mcp.llms` prints llms.txt."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from api.mcp.provenance import CITE
from api.mcp.server import TOOLS
from api.services.registry import COLLECTIONS
from api.settings import PROJECT_ROOT

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "llms.md"
FILES = {"llms.txt": False, "llms-full.txt": True}
MCP_SECTION = "AI agents: MCP and llms.txt"
# What llms-full.txt adds, in this order: the README's sections by heading.
FULL_SECTIONS = ("The data", "Endpoints", "Download, verify, cite: the data release",
                 "Licence and attribution")


def sections(readme: str) -> dict[str, str]:
    """The README's `## ` sections by heading; "" is the text before the first one."""
    parts = re.split(r"^## (.+)\n", readme, flags=re.MULTILINE)
    found = {"": parts[0]}
    found.update({parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts), 2)})
    return found


def _summary(intro: str) -> str:
    """The README's opening paragraph, on one line."""
    paragraphs = [p for p in intro.split("\n\n") if p.strip() and not p.startswith("# ")]
    return " ".join(paragraphs[0].split())


def _first_paragraph(doc: str) -> str:
    return " ".join(doc.split("\n\n")[0].split())


def _endpoints() -> str:
    lines = []
    for e in COLLECTIONS:
        example = e.path
        for name, (_, value) in e.path_params.items():
            example = example.replace("{" + name + "}", value)
        params = ", ".join(n + (" (required)" if p.required else "")
                           for n, p in e.parameters.items())
        lines.append(f"- [{e.path}]({example}): {e.summary}"
                     + (f"; parameters: {params}" if params else ""))
    return "\n".join(lines)


def project_readme() -> str:
    """The README: the checkout's, or, installed from a wheel, the package's description
    (the same text, which pyproject.toml makes the long description)."""
    path = PROJECT_ROOT / "README.md"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    return str(metadata.metadata("dti-open-data").get_payload())  # type: ignore[attr-defined]


def render(full: bool, readme: str | None = None) -> str:
    """The text of llms.txt (or, with `full`, llms-full.txt) from this README."""
    parts = sections(readme if readme is not None else project_readme())
    tools = "\n".join(f"- `{t.__name__}`: {_first_paragraph(t.__doc__ or '')}" for t in TOOLS)
    more = "" if full else ("- [llms-full.txt](/llms-full.txt): this file with the README's "
                            "sections on the data, the endpoints, citing and the licence")
    text = TEMPLATE.read_text(encoding="utf-8").format(
        summary=_summary(parts[""]), cite=CITE, mcp=parts[MCP_SECTION], tools=tools,
        endpoints=_endpoints(), more=more).rstrip() + "\n"
    if full:
        text += "".join(f"\n## {name}\n\n{parts[name]}\n" for name in FULL_SECTIONS)
    return text


def main() -> int:
    print(render(full=False), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
