"""The API's browser pages, `/docs` (Swagger UI) and GraphiQL on `/graphql`, with every asset
served from `/docs/assets` (vendored from the npm registry at pinned versions, with their
licences in `static/`): they work on a closed network, with no CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
ASSETS = "/docs/assets"
SWAGGER = f"{ASSETS}/swagger-ui-5.35.0"
GRAPHIQL_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>GraphiQL — Chỉ số chuyển đổi số</title>
  <link rel="stylesheet" href="{ASSETS}/graphiql-3.9.0/graphiql.min.css">
  <link rel="stylesheet" href="{ASSETS}/graphiql-init.css">
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="{ASSETS}/react-18.3.1/react.production.min.js"></script>
  <script src="{ASSETS}/react-dom-18.3.1/react-dom.production.min.js"></script>
  <script src="{ASSETS}/graphiql-3.9.0/graphiql.min.js"></script>
  <script src="{ASSETS}/graphiql-init.js"></script>
</body>
</html>
"""


def mount_assets(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=STATIC), name="ide-assets")


def swagger_page(openapi_url: str, title: str) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
    )


def graphiql_page() -> HTMLResponse:
    return HTMLResponse(GRAPHIQL_PAGE)
