"""The gateway: the single front door. Authentication (OAuth2 client credentials, login, OIDC
resource-server mode), rate limits, request ids, routing of `/api/v1` to the services with the
caller's principal signed in, one merged OpenAPI document, and GraphQL for dashboards."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from services.gateway import ide
from services.gateway.admin.jobs import router as jobs_router
from services.gateway.admin.router import router as admin_router
from services.gateway.auth.internal import router as internal_router
from services.gateway.auth.router import oauth_error_response
from services.gateway.auth.router import router as auth_router
from services.gateway.auth.service import OAuthError, RevocationChecker
from services.gateway.auth.throttle import FallbackThrottle, LoginThrottle, RedisLoginThrottle, Throttle
from services.gateway.auth.tokens import JwksCache, VerifiedCache
from services.gateway.config import MIGRATIONS, GatewaySettings
from services.gateway.graphql.app import graphql_router
from services.gateway.jobs import JOB_RUNS, JOBS
from services.gateway.openapi import merged
from services.gateway.papers.import_router import router as imports_router
from services.gateway.papers.jobs import fail_interrupted
from services.gateway.papers.router import router as papers_router
from services.gateway.proxy.forward import NoCookies, Upstream
from services.gateway.proxy.router import proxy_route
from services.gateway.ratelimit import Bucket, MemoryBucket, RateLimitHeaders, RedisBucket
from services.gateway.ratelimit_fallback import FallbackBucket
from services.gateway.security import PrivateOpsEndpoints, SecurityHeaders
from shared import observability
from shared.app import add_healthz
from shared.errors import install_problem_handlers
from shared.jobs import install_jobs
from shared.lifespan import database
from shared.requestid import RequestIdMiddleware

SERVICES = ("scoring", "evidence", "sync")
log = logging.getLogger("chiso.gateway")


def _client(base_url: str, s: GatewaySettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(s.upstream_timeout, connect=s.upstream_connect_timeout),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
    )


def create_app(
    settings: GatewaySettings | None = None, upstreams: dict[str, httpx.AsyncClient] | None = None
) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            database(app, settings.database_url, MIGRATIONS, migrate=settings.migrate_on_start) as factory,
            AsyncExitStack() as stack,
        ):
            try:  # imports whose process stopped while they ran
                await fail_interrupted(factory)
            except SQLAlchemyError:  # not migrated yet, say: the poll and the scheduled job still do it
                log.warning("could not mark interrupted import jobs failed at start-up", exc_info=True)
            app.state.verified_tokens = VerifiedCache()
            app.state.revocation = RevocationChecker(factory, settings.revocation_cache_seconds)
            clients = dict(upstreams) if upstreams is not None else {}
            if upstreams is None:  # distributed mode: one pooled client per service, owned here
                urls = {"scoring": settings.scoring_url, "evidence": settings.evidence_url}
                urls["sync"] = settings.sync_url
                for name, url in urls.items():
                    clients[name] = await stack.enter_async_context(_client(url, settings))
            for client in clients.values():
                client.cookies.jar = NoCookies()
            app.state.upstreams = clients
            app.state.proxy_targets = {name: Upstream.of(name, c) for name, c in clients.items()}
            outbound = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
            app.state.jwks = JwksCache(settings, outbound) if settings.oidc_jwks_url else None
            bucket: Bucket
            throttle: Throttle
            free, max_delay = settings.login_free_failures, settings.login_max_delay_seconds
            if settings.redis_url:
                redis_bucket = RedisBucket(settings.redis_url)
                stack.push_async_callback(redis_bucket.close)
                # a Redis outage degrades to per-process limits instead of failing every request
                bucket = FallbackBucket(redis_bucket, MemoryBucket(), timeout=settings.redis_timeout_seconds)
                throttle = FallbackThrottle(
                    RedisLoginThrottle(redis_bucket.redis, free, max_delay),
                    LoginThrottle(free, max_delay),
                    timeout=settings.redis_timeout_seconds,
                )
            else:
                bucket = MemoryBucket()
                throttle = LoginThrottle(free, max_delay)
            app.state.bucket = bucket
            app.state.login_throttle = throttle
            app.state.openapi_doc = None
            yield

    app = FastAPI(
        title="Chỉ số chuyển đổi số — API",
        version="1.3.0",
        description="The public API of the school digital-transformation assessment (Decision "
        "4725/QĐ-BGDĐT): frameworks and score preview, org registry, assessments and their workflow, "
        "evidence, delivery to CSDL ngành, GraphQL for dashboards. Authenticate with OAuth2 client "
        "credentials (`POST /oauth/token`) or a login (`POST /auth/login`) and send "
        "`Authorization: Bearer <token>`; `GET /oauth/token_info` tells what a token may do.",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(PrivateOpsEndpoints)
    observability.install(app, "gateway", {"database": observability.database_check(app)})
    app.add_middleware(RequestIdMiddleware)  # outermost: the access log line carries the request id
    install_problem_handlers(app)
    # outermost of all: every answer carries them, the input guard's 400s included
    app.add_middleware(SecurityHeaders, hsts_max_age=settings.hsts_max_age)

    async def on_oauth(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OAuthError)
        return oauth_error_response(exc)

    app.add_exception_handler(OAuthError, on_oauth)
    app.include_router(papers_router)  # before the proxy, which would forward any /api/v1 path
    app.include_router(imports_router)
    app.router.routes.append(proxy_route())
    app.include_router(auth_router)
    app.include_router(internal_router)  # service principals only (the sync webhook scope check)
    app.include_router(admin_router)
    app.include_router(jobs_router)  # scheduled jobs' last runs, from the services
    install_jobs(app, "gateway", JOB_RUNS, JOBS)  # its own scheduled work (shared.schedule)
    app.include_router(graphql_router(settings), prefix="/graphql", include_in_schema=False)

    add_healthz(
        app,
        lambda: {"services": sorted(app.state.upstreams)},
        "Alive; lists the services the gateway routes to.",
    )

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        doc = app.state.openapi_doc
        if doc is None:
            doc, complete = await merged(app, app.state.upstreams)
            app.state.openapi_doc = doc if complete else None
        return JSONResponse(doc)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return ide.swagger_page("/openapi.json", "Chỉ số chuyển đổi số — API")

    ide.mount_assets(app)  # Swagger UI's and GraphiQL's files, served here: no CDN

    return app
