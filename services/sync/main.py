"""The sync service: deadline-aware delivery of approved and recognised results to CSDL ngành,
with receipts, retries, reconciliation, the deadline calendar, timeliness and webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.sync.config import MIGRATIONS, SyncSettings
from services.sync.jobs import JOB_RUNS, jobs
from services.sync.metrics import refresher
from services.sync.reminders.router import router as reminders_router
from services.sync.routers import include_routers
from services.sync.runtime import Runtime
from shared import observability
from shared.errors import install_problem_handlers
from shared.jobs import install_jobs
from shared.lifespan import database
from shared.requestid import RequestIdMiddleware


def create_app(
    settings: SyncSettings | None = None,
    scoring_client: httpx.AsyncClient | None = None,
    csdl_client: httpx.AsyncClient | None = None,
) -> FastAPI:
    """The embedded run passes in-process ASGI clients for scoring and the fake CSDL; otherwise
    clients are built from the settings' URLs."""
    settings = settings or SyncSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database(
            app, settings.database_url, MIGRATIONS, migrate=settings.migrate_on_start
        ) as factory:
            runtime = Runtime(settings, factory, scoring_http=scoring_client, csdl_http=csdl_client)
            app.state.runtime = runtime
            app.state.scoring = runtime.scoring
            if settings.run_workers:
                runtime.start()
            try:
                yield
            finally:
                await runtime.stop()

    app = FastAPI(
        title="Chỉ số chuyển đổi số — sync",
        version="1.0.0",
        description="Delivery to CSDL ngành (receipts, retries, reconciliation), the deadline calendar, "
        "timeliness, the at-risk list and vendor webhooks.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    observability.install(
        app,
        "sync",
        {"database": observability.database_check(app)},
        before_scrape=refresher(lambda: app.state.session_factory),
    )
    app.add_middleware(RequestIdMiddleware)  # outermost: the access log line carries the request id
    install_problem_handlers(app)
    include_routers(app)
    app.include_router(reminders_router)
    install_jobs(app, "sync", JOB_RUNS, jobs())  # scheduled work (shared.schedule)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Alive."""
        return {"status": "ok"}

    return app
