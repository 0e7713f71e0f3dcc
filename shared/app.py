"""What every service's app is built of, in one place: its database opened (and migrated when
asked) for the app's life, `/healthz`, `/readyz` and `/metrics`, request ids, problem+json for
every error, and its scheduled jobs. A service adds its own state, lifespan work and routers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import observability
from shared.errors import install_problem_handlers
from shared.jobs import JobFn, install_jobs
from shared.lifespan import database
from shared.requestid import RequestIdMiddleware
from shared.settings import ServiceSettings

# what a service runs beside its database for the app's life (clients, background loops)
Started = Callable[[FastAPI, async_sessionmaker[AsyncSession]], AbstractAsyncContextManager[None]]


def add_healthz(
    app: FastAPI, about: Callable[[], Mapping[str, Any]] | None = None, description: str = "Alive."
) -> None:
    """`/healthz`: the process answers (no dependency is asked; that is `/readyz`)."""

    @app.get("/healthz", tags=["health"], description=description)
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", **(about() if about is not None else {})}


@contextmanager
def frozen_heap() -> Iterator[None]:
    """What exists once the app has started (modules, the framework registry, pydantic and
    SQLAlchemy's machinery: ~160,000 objects) is kept out of the cyclic garbage collector's
    scans for the app's life. A request that builds many lasting objects (a bulk request of 1,000
    schools) triggers several full collections, and each walked every one of them: a fifth of
    such a request's time (docs/assessments.md, "Bulk submission"). Unfrozen at shutdown, so a
    process that builds apps again (the tests) lets the collector see them once more, startup's
    own garbage included (no `gc.collect()` first: a full collection per app start would cost
    the test suite more than the little garbage frozen costs memory)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def service_app(
    service: str,
    settings: ServiceSettings,
    migrations: Path,
    *,
    description: str,
    jobs: tuple[Table, Mapping[str, JobFn]],
    started: Started | None = None,
    checks: Mapping[str, Callable[[FastAPI], observability.Check]] | None = None,
    quiet: frozenset[str] = frozenset(),
    before_scrape: Callable[[], Awaitable[None]] | None = None,
) -> FastAPI:
    """`checks`: readiness checks beside the database's, each built from the app; `quiet`,
    `before_scrape`: as in `shared.observability.install`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database(
            app, settings.database_url, migrations, migrate=settings.migrate_on_start
        ) as factory:
            if started is None:
                with frozen_heap():
                    yield
            else:
                async with started(app, factory):
                    with frozen_heap():
                        yield

    app = FastAPI(
        title=f"Chỉ số chuyển đổi số — {service}", version="1.0.0", description=description, lifespan=lifespan
    )
    app.state.settings = settings
    every = {"database": observability.database_check, **(checks or {})}
    observability.install(
        app,
        service,
        {name: check(app) for name, check in every.items()},
        before_scrape=before_scrape,
        quiet=quiet,
    )
    app.add_middleware(RequestIdMiddleware)  # outermost: the access log line carries the request id
    install_problem_handlers(app)
    install_jobs(app, service, *jobs)  # scheduled work (shared.schedule)
    add_healthz(app)
    return app
