"""One port for the embedded run: the API paths go to the gateway, every other path to the web
app (which itself calls the gateway over httpx, as it does over the network in distributed mode).

A dispatcher rather than mounting the web app inside the gateway: the gateway stays an API front
door (no HTML, no cookies, no session key), and the web app stays the same separate service that
compose and Kubernetes run on their own."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

GATEWAY_PREFIXES = ("/api/", "/oauth/", "/auth/", "/admin/", "/graphql", "/internal/", "/docs/")
GATEWAY_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect"}
)


class Dispatcher:
    def __init__(self, gateway: ASGIApp, web: ASGIApp) -> None:
        self.gateway, self.web = gateway, web

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "lifespan" or path in GATEWAY_PATHS or path.startswith(GATEWAY_PREFIXES):
            await self.gateway(scope, receive, send)
        else:
            await self.web(scope, receive, send)
