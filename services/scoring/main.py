"""The scoring service: frameworks, the scoring engine's public preview (and, as they land, the
org registry, assessments with their workflow and audit, and the change feed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.scoring.config import ScoringSettings
from services.scoring.frameworks.registry import FrameworkRegistry
from services.scoring.frameworks.router import router as frameworks_router
from services.scoring.frameworks.service import Previewer
from shared.errors import install_problem_handlers
from shared.requestid import RequestIdMiddleware


def create_app(settings: ScoringSettings | None = None) -> FastAPI:
    settings = settings or ScoringSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(
        title="Chỉ số chuyển đổi số — scoring",
        version="1.0.0",
        description="Frameworks (the index as data), the scoring engine and its public preview.",
        lifespan=lifespan,
    )
    # frameworks are loaded here, not at import, so tests and overlays can point elsewhere
    app.state.settings = settings
    app.state.registry = FrameworkRegistry.from_directory(settings.frameworks_dir)
    app.state.previewer = Previewer(app.state.registry)
    app.add_middleware(RequestIdMiddleware)
    install_problem_handlers(app)
    app.include_router(frameworks_router)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Alive."""
        return {"status": "ok"}

    return app
