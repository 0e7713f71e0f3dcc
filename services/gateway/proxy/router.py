"""The proxy's route: a plain Starlette route on the app's own router (the request in, a response
out). Every forwarded call passes here, and it has no parameters for FastAPI to validate or
dependencies to solve."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from services.gateway.deps import optional_token
from services.gateway.errors import RouteNotFound, TokenRequired, UpstreamUnavailable
from services.gateway.proxy.forward import Upstream, forward
from services.gateway.proxy.routes import PREVIEW, route_for
from services.gateway.ratelimit import limit_anonymous, limit_client

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
PATH = "/api/v1/{path:path}"


async def proxy(request: Request) -> Response:
    """Forward to the service that owns the path (see `routes.ROUTES`)."""
    path = request.url.path
    route = route_for(path)
    if route is None:
        raise RouteNotFound()
    v = await optional_token(request)
    if v is None and not route.public:
        raise TokenRequired("missing")
    preview = PREVIEW.match(path) is not None
    if v is None:
        await limit_anonymous(request, "preview" if preview else "public")
    else:
        await limit_client(request, v.principal.sub, v.rate_limit)
    targets: dict[str, Upstream] = request.app.state.proxy_targets
    upstream = targets.get(route.service)
    if upstream is None:
        raise UpstreamUnavailable(service=route.service)
    s = request.app.state.settings
    return await forward(
        request,
        upstream,
        v.principal if v else None,
        s.internal_secret.get_secret_value(),
        s.preview_max_body_bytes if preview else s.max_body_bytes,
    )


async def _proxy_app(scope: Scope, receive: Receive, send: Send) -> None:
    # no per-request exception wrapper of its own: an error raised here reaches the app's
    # exception middleware, whose handlers answer it as they would have here
    response = await proxy(Request(scope, receive, send))
    await response(scope, receive, send)


class ProxyRoute(Route):
    """Names itself in the scope when it matches, as FastAPI's own routes do: the metrics and the
    access log label a forwarded call with the route's template, never with its raw path."""

    def __init__(self) -> None:
        super().__init__(PATH, proxy, methods=METHODS, include_in_schema=False)
        self.app = _proxy_app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["route"] = self
        return match, child_scope


def proxy_route() -> ProxyRoute:
    """For `app.router.routes`, after the routers that answer some `/api/v1` paths themselves (an
    included router would rebuild it as a plain `Route`)."""
    return ProxyRoute()
