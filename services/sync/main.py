"""The sync service: deadline-aware delivery of approved and recognised results to CSDL ngành,
with receipts, retries, reconciliation, the deadline calendar, timeliness and webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.config import MIGRATIONS, SyncSettings
from services.sync.jobs import JOB_RUNS, jobs
from services.sync.metrics import refresher
from services.sync.reminders.router import router as reminders_router
from services.sync.routers import include_routers
from services.sync.runtime import Runtime
from shared.app import service_app


def create_app(
    settings: SyncSettings | None = None,
    scoring_client: httpx.AsyncClient | None = None,
    csdl_client: httpx.AsyncClient | None = None,
) -> FastAPI:
    """The embedded run passes in-process ASGI clients for scoring and the fake CSDL; otherwise
    clients are built from the settings' URLs."""
    settings = settings or SyncSettings()

    @asynccontextmanager
    async def started(app: FastAPI, factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
        runtime = Runtime(settings, factory, scoring_http=scoring_client, csdl_http=csdl_client)
        app.state.runtime = runtime
        app.state.scoring = runtime.scoring
        if settings.run_workers:
            runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = service_app(
        "sync",
        settings,
        MIGRATIONS,
        description="Delivery to CSDL ngành (receipts, retries, reconciliation), the deadline calendar, "
        "timeliness, the at-risk list and vendor webhooks.",
        jobs=(JOB_RUNS, jobs()),
        started=started,
        before_scrape=refresher(lambda: app.state.session_factory),
    )
    include_routers(app)
    app.include_router(reminders_router)
    return app
