"""/docs (Swagger UI) and GraphiQL load every asset from this server: with every other origin
blocked they still render, and no request leaves for a CDN."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Server, shot


def _local_only(page: Any, server: Server) -> list[str]:
    outside: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(server.url):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return outside


def test_swagger_ui_renders_from_local_assets(page: Any, server: Server) -> None:
    outside = _local_only(page, server)
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "Chỉ số chuyển đổi số" in page.inner_text(".swagger-ui .info .title")
    assert outside == []
    shot(page, "api-docs")


def test_graphiql_renders_from_local_assets(page: Any, server: Server) -> None:
    outside = _local_only(page, server)
    page.goto("/graphql", wait_until="domcontentloaded")
    page.wait_for_selector(".graphiql-container", timeout=30_000)
    assert outside == []
