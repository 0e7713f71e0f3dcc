"""What every service's lifespan opens first: its database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, session_factory
from shared.migrate import upgrade


@asynccontextmanager
async def database(
    app: FastAPI, url: str, migrations: Path, *, migrate: bool
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Migrated first when asked; the engine and session factory on `app.state` (where
    `shared.deps` and the readiness check find them) for the app's lifetime, disposed at the end."""
    if migrate:
        await upgrade(migrations, url)
    engine = create_engine(url)
    app.state.engine = engine
    app.state.session_factory = factory = session_factory(engine)
    try:
        yield factory
    finally:
        await engine.dispose()
