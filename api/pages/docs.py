"""/docs: Swagger UI 5 (reads OpenAPI 3.1) from the swagger-ui-py package, offline.

Only the two files the page needs are served; the package's demo index, OAuth redirect
page and source maps are not. The online validator is off (`validatorUrl: null`).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DTI Open Data API</title><link rel="icon" href="/assets/favicon.svg">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head><body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>"""
INIT = (b"window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#ui', "
        b"validatorUrl: null, deepLinking: true, displayOperationId: true});\n")


def swagger_ui_dir() -> Path:
    """The package's static folder, found without importing it (its __init__ pulls in
    template and YAML machinery this service does not use)."""
    spec = importlib.util.find_spec("swagger_ui")
    assert spec is not None and spec.submodule_search_locations, "swagger-ui-py is missing"
    return Path(next(iter(spec.submodule_search_locations))) / "static"
