"""The web workspace: server-rendered pages (Jinja2 + htmx) for schools, reviewers, the Sở and
the public, a client of the gateway's REST and GraphQL APIs with each person's own token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from services.web.config import WebSettings
from services.web.errors import CSRF, ApiProblem, Forbidden, SignInRequired
from services.web.pages import is_htmx, redirect, render
from services.web.routes import (
    auth,
    council,
    dashboard,
    evidence,
    imports,
    plan,
    public,
    review,
    school,
    units,
)
from services.web.session import SessionCodec, SessionMiddleware, session_of
from shared import observability
from shared.requestid import RequestIdMiddleware

STATIC = Path(__file__).parent / "static"
# every asset ships with the product: scripts, styles and images from this origin only
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        return response


def create_app(settings: WebSettings | None = None, gateway: httpx.AsyncClient | None = None) -> FastAPI:
    settings = settings or WebSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if gateway is None:  # distributed mode: a pooled client of the gateway, owned here
                timeout = httpx.Timeout(settings.gateway_timeout, connect=5.0)
                client = httpx.AsyncClient(base_url=settings.gateway_url, timeout=timeout)
                app.state.gateway = await stack.enter_async_context(client)
            yield

    app = FastAPI(
        title="Chỉ số chuyển đổi số — web", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    if gateway is not None:
        app.state.gateway = gateway
    codec = SessionCodec(settings.session_secret.get_secret_value(), settings.session_max_age)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(SessionMiddleware, codec=codec, secure=settings.cookie_secure)
    observability.install(app, "web", {"gateway": _gateway_check(app)})
    app.add_middleware(RequestIdMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, evidence, school, plan, council, units, imports, review, dashboard, public):
        app.include_router(module.router)
    install_error_pages(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _gateway_check(app: FastAPI) -> observability.Check:
    """Ready when the gateway answers: without it no page can be served."""

    async def _check() -> None:
        r = await app.state.gateway.get("/healthz", timeout=3.0)
        r.raise_for_status()

    return _check


def install_error_pages(app: FastAPI) -> None:
    async def on_sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        url = "/login?next=" + quote(request.url.path) + ("&expired=1" if exc.expired else "")
        return redirect(request, url)

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiProblem)
        lang = session_of(request).lang
        name = "_error.html" if is_htmx(request) else "error.html"
        status = exc.status if 400 <= exc.status < 600 else 502
        # htmx swaps only 2xx answers by default: show the problem where the fragment goes
        return render(
            request,
            name,
            status=200 if is_htmx(request) else status,
            problem=exc,
            message=exc.message(lang),
            fields=exc.fields(lang),
            status_code=exc.status,
        )

    async def on_forbidden(request: Request, exc: Exception) -> Response:
        lang = session_of(request).lang
        message = CSRF[lang]
        return render(
            request, "error.html", status=403, problem=None, message=message, fields=[], status_code=403
        )

    app.add_exception_handler(SignInRequired, on_sign_in)
    app.add_exception_handler(ApiProblem, on_problem)
    app.add_exception_handler(Forbidden, on_forbidden)
