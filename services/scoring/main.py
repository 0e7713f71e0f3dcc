"""The scoring service: frameworks and the public score preview, the org registry, assessments
with their workflow and audit, and the change feed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.scoring.assessments.calendar import Calendar
from services.scoring.assessments.evidence_refs import EvidenceRefs
from services.scoring.assessments.extensions import router as extensions_router
from services.scoring.assessments.router import bulk_router
from services.scoring.assessments.router import router as assessments_router
from services.scoring.config import MIGRATIONS, ScoringSettings
from services.scoring.council.router import router as council_router
from services.scoring.dashboard.router import router as dashboard_router
from services.scoring.feed.router import router as feed_router
from services.scoring.feed.states import router as states_router
from services.scoring.frameworks.facts_doc import document_facts
from services.scoring.frameworks.registry import FrameworkRegistry
from services.scoring.frameworks.router import router as frameworks_router
from services.scoring.frameworks.service import Previewer
from services.scoring.insights.router import router as insights_school_router
from services.scoring.insights.units_router import router as insights_router
from services.scoring.jobs import JOB_RUNS, JOBS
from services.scoring.org.router import router as org_router
from services.scoring.publication.router import public_router
from services.scoring.publication.router import router as publication_router
from services.scoring.teams.router import router as teams_router
from shared.app import service_app


def create_app(
    settings: ScoringSettings | None = None, sync_client: httpx.AsyncClient | None = None
) -> FastAPI:
    """`sync_client`: the sync service in-process (the embedded run sets `app.state.calendar.http`
    once sync exists); otherwise a client to `settings.sync_url` is opened for the app's life."""
    settings = settings or ScoringSettings()

    @asynccontextmanager
    async def started(app: FastAPI, _: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
        calendar: Calendar = app.state.calendar
        refs: EvidenceRefs = app.state.evidence_refs
        async with contextlib.AsyncExitStack() as stack:
            if calendar.http is None and settings.sync_url is not None:
                calendar.http = httpx.AsyncClient(base_url=settings.sync_url, timeout=5.0)
                stack.push_async_callback(calendar.http.aclose)
            if refs.http is None and settings.evidence_url is not None:
                refs.http = httpx.AsyncClient(base_url=settings.evidence_url, timeout=10.0)
                stack.push_async_callback(refs.http.aclose)
            yield

    app = service_app(
        "scoring",
        settings,
        MIGRATIONS,
        description="Frameworks (the index as data), the scoring engine and its public preview, the org "
        "registry, assessments with their workflow and audit, and the change feed.",
        jobs=(JOB_RUNS, JOBS),
        started=started,
        quiet=frozenset({"/internal/v1/events"}),  # polled every second by each consumer
    )
    # frameworks are loaded here, not at import, so tests and overlays can point elsewhere
    secret = settings.internal_secret.get_secret_value()
    app.state.calendar = Calendar(sync_client, secret, settings.calendar_cache_seconds)
    app.state.evidence_refs = EvidenceRefs(None, secret)
    app.state.registry = FrameworkRegistry.from_directory(settings.frameworks_dir)
    app.state.previewer = Previewer(app.state.registry)
    document_facts(app, app.state.registry)
    app.include_router(frameworks_router)
    app.include_router(org_router)
    # before the assessments' `/{kind}` routes, so `/plan` is not read as a kind
    app.include_router(insights_school_router)
    app.include_router(assessments_router)
    app.include_router(bulk_router)
    app.include_router(extensions_router)
    app.include_router(feed_router)
    app.include_router(states_router)
    app.include_router(dashboard_router)
    app.include_router(insights_router)
    app.include_router(council_router)
    app.include_router(teams_router)
    app.include_router(publication_router)
    app.include_router(public_router)
    return app
