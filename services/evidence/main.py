"""The evidence service (minh chứng): files and links behind each criterion, content-addressed
blob storage, integrity checks, and locking learned from the scoring service's change feed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.evidence.access import ScopeClient
from services.evidence.config import MIGRATIONS, EvidenceSettings
from services.evidence.jobs import JOB_RUNS, JOBS
from services.evidence.links.check import LinkChecker
from services.evidence.records.internal import router as internal_router
from services.evidence.records.items import ItemCodes
from services.evidence.records.router import router as records_router
from services.evidence.scan import build_scanner
from services.evidence.storage import build_store
from shared import observability
from shared.errors import install_problem_handlers
from shared.jobs import install_jobs
from shared.lifespan import database
from shared.requestid import RequestIdMiddleware


def create_app(
    settings: EvidenceSettings | None = None, scoring_client: httpx.AsyncClient | None = None
) -> FastAPI:
    settings = settings or EvidenceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database(
            app, settings.database_url, MIGRATIONS, migrate=settings.migrate_on_start
        ) as factory:
            owned = scoring_client is None
            client = scoring_client or httpx.AsyncClient(base_url=settings.scoring_url, timeout=10.0)
            app.state.scoring_client = client
            secret = settings.internal_secret.get_secret_value()
            app.state.scopes = ScopeClient(client, secret, settings.scope_cache_seconds)
            app.state.store = build_store(settings)
            app.state.scanner = build_scanner(settings)
            # link checks never share the internal client: no base URL, no proxies from the environment
            link_client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
            app.state.link_checker = LinkChecker(
                link_client,
                timeout=settings.link_check_timeout_seconds,
                max_bytes=settings.link_check_max_bytes,
                max_redirects=settings.link_check_max_redirects,
            )
            consumer = None
            if settings.consume_feed:
                from services.evidence.feed.consumer import run_forever

                consumer = asyncio.create_task(
                    run_forever(factory, client, secret, settings.feed_poll_seconds)
                )
            try:
                yield
            finally:
                if consumer is not None:
                    consumer.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await consumer
                await link_client.aclose()
                if owned:
                    await client.aclose()

    app = FastAPI(
        title="Chỉ số chuyển đổi số — evidence",
        version="1.0.0",
        description="Evidence (minh chứng) files and links, content-addressed storage, integrity "
        "checks, and locking of what approved or recognised assessments reference.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    # framework documents are read here, not at import, so tests can point elsewhere
    app.state.item_codes = ItemCodes.from_directory(settings.frameworks_dir)
    observability.install(
        app, "evidence", {"database": observability.database_check(app), "storage": _storage_check(app)}
    )
    app.add_middleware(RequestIdMiddleware)  # outermost: the access log line carries the request id
    install_problem_handlers(app)
    install_jobs(app, "evidence", JOB_RUNS, JOBS)  # scheduled work (shared.schedule)
    app.include_router(records_router)
    app.include_router(internal_router)  # evidence references, checked by scoring at write time

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Alive."""
        return {"status": "ok"}

    return app


def _storage_check(app: FastAPI) -> observability.Check:
    """The blob store answers a metadata look-up (a missing blob is an answer; an error is not)."""

    async def _check() -> None:
        await app.state.store.size("0" * 64)

    return _check
