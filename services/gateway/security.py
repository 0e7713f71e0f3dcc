"""Response headers every gateway answer carries, and the operations endpoints kept private.

- `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` and a
  Content-Security-Policy with `frame-ancestors 'none'`: JSON answers get `default-src 'none'`;
  the two HTML pages the gateway serves (Swagger UI at /docs, GraphiQL at /graphql) load their
  scripts and styles from the CDNs FastAPI and Strawberry use. An answer that sets its own CSP
  keeps it.
- `Strict-Transport-Security` when the request came over TLS or `GATEWAY_HSTS_MAX_AGE` is set
  (behind a TLS-terminating ingress the gateway itself sees plain HTTP).
- `Cache-Control: no-store` on every answer that does not say otherwise: assessments, tokens and
  token_info are personal or secret; the frameworks say `public, max-age=300` themselves.
- With `GATEWAY_OPS_ENDPOINTS_PUBLIC=false` (the embedded run) `/metrics` and `/readyz` answer only
  an administrator's token.
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.errors import TokenRequired
from shared.errors import Problem, problem_response

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CDNS = "https://cdn.jsdelivr.net https://unpkg.com"
PAGE_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {CDNS}; style-src 'self' 'unsafe-inline' "
    f"{CDNS}; img-src 'self' data: https://fastapi.tiangolo.com; font-src 'self' data: {CDNS}; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
OPS_PATHS = frozenset({"/metrics", "/readyz"})


def _security_headers(html: bool, hsts: int, https: bool) -> list[tuple[bytes, bytes]]:
    """Every header this middleware may add, for an HTML page or not; those the answer already
    has are left out per response."""
    out: list[tuple[bytes, bytes]] = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", (PAGE_CSP if html else API_CSP).encode()),
        (b"cache-control", b"no-store"),
    ]
    if hsts > 0 or https:
        age = hsts if hsts > 0 else 31_536_000
        out.append((b"strict-transport-security", f"max-age={age}; includeSubDomains".encode()))
    return out


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts_max_age: int = 0) -> None:
        self.app = app
        self.hsts = hsts_max_age
        # built once: the four sets a response can need (HTML page or not, over TLS or not)
        self._sets = {
            (html, https): _security_headers(html, hsts_max_age, https)
            for html in (False, True)
            for https in (False, True)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                present = {k.lower() for k, _ in headers}
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                extra = self._sets[ctype.startswith(b"text/html"), https]
                message["headers"] = [*headers, *((k, v) for k, v in extra if k not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


class PrivateOpsEndpoints:
    """`/metrics` and `/readyz` for administrators only (when not public by setting)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in OPS_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if not request.app.state.settings.ops_endpoints_public:
            problem = await _refusal(request)
            if problem is not None:
                await problem_response(request, problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _refusal(request: Request) -> Problem | None:
    from services.gateway.deps import optional_token  # deps imports the app's settings types
    from services.gateway.permissions import ADMIN

    try:
        v = await optional_token(request)
    except TokenRequired as e:
        return e
    if v is None:
        return TokenRequired("missing")
    return None if ADMIN.held_by(v.principal) else ADMIN.refusal(v.principal)
