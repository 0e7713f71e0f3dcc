from __future__ import annotations

import httpx
from fastapi import APIRouter, Request, Response

from services.gateway.deps import optional_token
from services.gateway.errors import RouteNotFound, TokenRequired, UpstreamUnavailable
from services.gateway.proxy.forward import forward
from services.gateway.proxy.routes import PREVIEW, route_for
from services.gateway.ratelimit import limit_anonymous, limit_client

router = APIRouter()
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@router.api_route("/api/v1/{path:path}", methods=METHODS, include_in_schema=False)
async def proxy(request: Request, path: str) -> Response:
    """Forward to the service that owns the path (see `routes.ROUTES`)."""
    route = route_for(request.url.path)
    if route is None:
        raise RouteNotFound()
    v = await optional_token(request)
    if v is None and not route.public:
        raise TokenRequired("missing")
    preview = PREVIEW.match(request.url.path) is not None
    if v is None:
        await limit_anonymous(request, "preview" if preview else "public")
    else:
        await limit_client(request, v.principal.sub, v.rate_limit)
    upstreams: dict[str, httpx.AsyncClient] = request.app.state.upstreams
    client = upstreams.get(route.service)
    if client is None:
        raise UpstreamUnavailable(service=route.service)
    s = request.app.state.settings
    return await forward(
        request,
        client,
        v.principal if v else None,
        s.internal_secret.get_secret_value(),
        s.preview_max_body_bytes if preview else s.max_body_bytes,
        route.service,
    )
