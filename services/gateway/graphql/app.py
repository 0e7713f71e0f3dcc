"""`/graphql`: authenticated, rate-limited, a fresh context (and DataLoaders) per request."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from fastapi import Request
from fastapi.responses import HTMLResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData

from services.gateway.config import GatewaySettings
from services.gateway.deps import optional_token
from services.gateway.errors import TokenRequired, TooDeeplyNested
from services.gateway.graphql.context import Context, build_context
from services.gateway.graphql.persisted import REGISTRY, persisted_hash
from services.gateway.graphql.schema import build_schema
from services.gateway.ide import graphiql_page
from services.gateway.ratelimit import limit_client
from shared.errors import read_body
from shared.principal import Principal

# The GraphiQL page itself is served without a token (a browser cannot add one to a page load);
# the page sends the token the user enters with every query, and nothing runs without one.
_PAGE_ONLY = Principal(sub="anonymous")


def page_only(request: Request) -> bool:
    """A browser loading GraphiQL: a GET that asks for HTML and carries no query. A GET with a
    `query` parameter is executed whatever its Accept header says, so it needs a token."""
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # strings are skipped whole


def json_depth(text: str) -> int:
    """How deeply a JSON text nests, counted without parsing it (parsing and coercing a
    thousand-deep value recurses until Python gives up)."""
    depth = deepest = 0
    for m in JSON_TOKENS.finditer(text):
        t = m.group()
        if t in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif t in ("]", "}"):
            depth -= 1
    return deepest


async def check_request(request: Request, s: GatewaySettings) -> None:
    """A bounded body and bounded nesting, refused with a 4xx problem before GraphQL parses it."""
    if request.method == "POST":
        body = await read_body(request, s.graphql_max_body_bytes)
        request._body = body  # Starlette's cache: the GraphQL view reads the same bytes again
        text = body.decode("utf-8", errors="replace")
    else:
        text = request.query_params.get("variables") or ""
    if json_depth(text) > s.graphql_max_nesting:
        raise TooDeeplyNested(limit=s.graphql_max_nesting)


async def get_context(request: Request) -> Context:
    await check_request(request, request.app.state.settings)
    v = await optional_token(request)
    if v is None:
        if page_only(request):
            return build_context(_PAGE_ONLY, {}, "")
        raise TokenRequired("missing")
    await limit_client(request, v.principal.sub, v.rate_limit)
    upstreams: dict[str, Any] = request.app.state.upstreams
    secret = request.app.state.settings.internal_secret.get_secret_value()
    return build_context(v.principal, upstreams, secret)


class Router(GraphQLRouter[Context, None]):
    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql_page()  # its assets served by the gateway itself (no CDN)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """A persisted query's hash stands for its text (`persisted.py`)."""
        data = await super().parse_http_body(request)
        if isinstance(data, list) or data.query is not None:
            return data
        h = persisted_hash(data.extensions)
        if h is None:
            return data
        if h not in REGISTRY:
            raise HTTPException(400, "PERSISTED_QUERY_NOT_FOUND: no persisted query has this hash")
        return replace(data, query=REGISTRY[h])


def graphql_router(settings: GatewaySettings) -> GraphQLRouter[Context, None]:
    schema = build_schema(
        settings.graphql_max_depth, settings.graphql_max_tokens, settings.graphql_max_aliases
    )
    return Router(schema, context_getter=get_context, graphql_ide="graphiql")
