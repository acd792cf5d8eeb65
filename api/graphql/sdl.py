"""`python -m api.graphql.sdl` rewrites openapi/schema.graphql from the code's schema."""

from __future__ import annotations

import sys

from api.graphql.build import build_schema
from api.settings import PROJECT_ROOT, Settings

SDL_PATH = PROJECT_ROOT / "openapi" / "schema.graphql"


def render() -> str:
    return build_schema(Settings(), {}).as_str() + "\n"


def main() -> int:
    SDL_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SDL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
