"""`/graphql`: authenticated, rate-limited, a fresh context (and DataLoaders) per request."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from strawberry.fastapi import GraphQLRouter

from services.gateway.config import GatewaySettings
from services.gateway.deps import optional_token
from services.gateway.errors import TokenRequired
from services.gateway.graphql.context import Context, build_context
from services.gateway.graphql.schema import build_schema
from services.gateway.ratelimit import limit_client
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


async def get_context(request: Request) -> Context:
    v = await optional_token(request)
    if v is None:
        if page_only(request):
            return build_context(_PAGE_ONLY, {}, "")
        raise TokenRequired("missing")
    await limit_client(request, v.principal.sub, v.rate_limit)
    upstreams: dict[str, Any] = request.app.state.upstreams
    secret = request.app.state.settings.internal_secret.get_secret_value()
    return build_context(v.principal, upstreams, secret)


def graphql_router(settings: GatewaySettings) -> GraphQLRouter[Context, None]:
    schema = build_schema(
        settings.graphql_max_depth, settings.graphql_max_tokens, settings.graphql_max_aliases
    )
    return GraphQLRouter(schema, context_getter=get_context, graphql_ide="graphiql")
