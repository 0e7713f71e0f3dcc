"""What every service's lifespan opens first: its database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from shared.db import create_engine, session_factory
from shared.migrate import upgrade
from shared.schema_gate import schema_check


@asynccontextmanager
async def database(
    app: FastAPI, url: str, migrations: Path, *, migrate: bool
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Migrated first when asked; the engine and session factory on `app.state` (where
    `shared.deps` and the readiness check find them) for the app's lifetime, disposed at the end.

    A connection set on `app.state.database_connection` before start-up carries every session
    instead of the pool: the test suite hands each test's apps one connection inside a transaction
    it rolls back afterwards, so no test leaves rows behind (tests/conftest.py)."""
    if migrate:
        await upgrade(migrations, url)
    settings = getattr(app.state, "settings", None)
    engine = create_engine(
        url,
        pool_size=getattr(settings, "db_pool_size", 10),
        max_overflow=getattr(settings, "db_max_overflow", 10),
        pool_timeout=getattr(settings, "db_pool_timeout_seconds", 30.0),
    )
    app.state.engine = engine
    # /readyz answers 503 until the schema is at this code's head (shared.schema_gate)
    app.state.ready_checks = {
        **getattr(app.state, "ready_checks", {}),
        "schema": schema_check(engine, migrations, url),
    }
    bind: AsyncConnection | None = getattr(app.state, "database_connection", None)
    app.state.session_factory = factory = session_factory(engine if bind is None else bind)
    try:
        yield factory
    finally:
        await engine.dispose()
