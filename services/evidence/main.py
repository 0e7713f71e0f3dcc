"""The evidence service (minh chứng): files and links behind each criterion, content-addressed
blob storage, integrity checks, and locking learned from the scoring service's change feed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.evidence.config import MIGRATIONS, EvidenceSettings
from services.evidence.feed.consumer import EvidenceFeed
from services.evidence.jobs import JOB_RUNS, JOBS
from services.evidence.links.check import LinkChecker
from services.evidence.records.internal import router as internal_router
from services.evidence.records.items import ItemCodes
from services.evidence.records.router import router as records_router
from services.evidence.scan import build_scanner
from services.evidence.storage import build_store
from shared import observability
from shared.app import service_app
from shared.scoring_client import ScoringClient


def create_app(
    settings: EvidenceSettings | None = None, scoring_client: httpx.AsyncClient | None = None
) -> FastAPI:
    settings = settings or EvidenceSettings()

    @asynccontextmanager
    async def started(app: FastAPI, factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            http = scoring_client
            if http is None:
                http = httpx.AsyncClient(base_url=settings.scoring_url, timeout=10.0)
                stack.push_async_callback(http.aclose)
            secret = settings.internal_secret.get_secret_value()
            app.state.scoring = ScoringClient(http, secret, "evidence", settings.scope_cache_seconds)
            app.state.feed = EvidenceFeed(factory, app.state.scoring, poll_seconds=settings.feed_poll_seconds)
            app.state.store = build_store(settings)
            app.state.scanner = build_scanner(settings)
            # link checks never share the internal client: no base URL, no proxies from the environment
            # each step of a check also carries this timeout; the client's is the bound of last resort
            link_client = httpx.AsyncClient(
                follow_redirects=False, trust_env=False, timeout=settings.link_check_timeout_seconds
            )
            stack.push_async_callback(link_client.aclose)
            app.state.link_checker = LinkChecker(
                link_client,
                timeout=settings.link_check_timeout_seconds,
                max_bytes=settings.link_check_max_bytes,
                max_redirects=settings.link_check_max_redirects,
            )
            if settings.consume_feed:
                stop = asyncio.Event()
                consumer = asyncio.create_task(app.state.feed.run(stop), name="evidence-feed")
                stack.push_async_callback(_stopped, stop, consumer)
            yield

    app = service_app(
        "evidence",
        settings,
        MIGRATIONS,
        description="Evidence (minh chứng) files and links, content-addressed storage, integrity "
        "checks, and locking of what approved or recognised assessments reference.",
        jobs=(JOB_RUNS, JOBS),
        started=started,
        checks={"storage": _storage_check},
    )
    # framework documents are read here, not at import, so tests can point elsewhere
    app.state.item_codes = ItemCodes.from_directory(settings.frameworks_dir)
    app.include_router(records_router)
    app.include_router(internal_router)  # evidence references, checked by scoring at write time
    return app


async def _stopped(stop: asyncio.Event, consumer: asyncio.Task[None]) -> None:
    stop.set()
    consumer.cancel()  # a step cut short is read again by the next start
    with contextlib.suppress(asyncio.CancelledError):
        await consumer


def _storage_check(app: FastAPI) -> observability.Check:
    """The blob store answers a metadata look-up (a missing blob is an answer; an error is not)."""

    async def _check() -> None:
        await app.state.store.size("0" * 64)

    return _check
