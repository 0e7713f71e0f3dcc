"""`/graphql`: authenticated, rate-limited, a fresh context (and DataLoaders) per request."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from fastapi import Request
from fastapi.responses import HTMLResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData

from services.gateway.config import GatewaySettings
from services.gateway.deps import optional_token
from services.gateway.errors import TokenRequired
from services.gateway.graphql.context import Context, build_context
from services.gateway.graphql.persisted import REGISTRY, persisted_hash
from services.gateway.graphql.schema import build_schema
from services.gateway.ide import graphiql_page
from services.gateway.ratelimit import limit_client
from shared.principal import Principal

# The GraphiQL page itself is served without a token (a browser cannot add one to a page load);
# the page sends the token the user enters with every query, and nothing runs without one.
_PAGE_ONLY = Principal(sub="anonymous")


async def get_context(request: Request) -> Context:
    v = await optional_token(request)
    if v is None:
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
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
