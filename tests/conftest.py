"""The harness every service's tests share.

- `backend`: each database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.
  In CI (CI=true) a missing TEST_DATABASE_URL fails the run instead of skipping PostgreSQL.
- `make_database(service, backend)`: a fresh database per service, backend and xdist worker, built by
  the service's own Alembic history (so the migrations are what the tests exercise).
- The apps commit for real (idempotency claims and concurrency need real commits), so every app
  fixture removes its rows afterwards with `delete_rows`; `scoring_service` is the real scoring
  service on a migrated database, which every other service's tests talk to.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from services.scoring.config import ScoringSettings
from services.scoring.models_base import metadata as scoring_metadata
from shared.migrate import upgrade

SECRET = "test-internal-secret"  # the internal principal's signing secret every test app shares
FIXTURE_YEAR = "2024-2025"  # the school year the tests' assessments are written for
FIXTURE_YEARS = ["2023-2024", FIXTURE_YEAR]  # past years the fixtures may write (year on year)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
if os.environ.get("CI", "").lower() in {"1", "true", "yes"} and not TEST_DATABASE_URL:
    raise pytest.UsageError("CI runs the suite on PostgreSQL too: set TEST_DATABASE_URL")

BACKENDS = ["sqlite", "postgresql"] if TEST_DATABASE_URL else ["sqlite"]
_TMP = Path(tempfile.mkdtemp(prefix="chiso-tests-"))


def worker_id() -> str:
    """Names this run's databases: the xdist worker, prefixed by TEST_DB_TAG so that two runs on one
    PostgreSQL server (two checkouts, say) never drop each other's databases."""
    return os.environ.get("TEST_DB_TAG", "") + os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_url(name: str) -> str:
    u = make_url(TEST_DATABASE_URL)
    if u.drivername in {"postgresql", "postgres"}:
        u = u.set(drivername="postgresql+asyncpg")
    return u.set(database=name).render_as_string(hide_password=False)


async def make_database(service: str, backend: str, migrations: Path, suffix: str = "") -> str:
    """A fresh, migrated database; returns its async URL."""
    name = re.sub(r"[^a-z0-9_]", "_", f"test_{service}_{worker_id()}{suffix}".lower())
    if backend == "sqlite":
        path = _TMP / f"{name}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        admin = create_async_engine(
            _pg_url(make_url(TEST_DATABASE_URL).database or "test"), isolation_level="AUTOCOMMIT"
        )
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
        url = _pg_url(name)
    await upgrade(migrations, url)
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def delete_rows(
    factory: async_sessionmaker[AsyncSession], metadata: MetaData, keep: frozenset[str] = frozenset()
) -> None:
    """Every row of the service's tables but `keep`, children first."""
    async with factory() as s:
        for table in reversed(metadata.sorted_tables):
            if table.name not in keep:
                await s.execute(delete(table))
        await s.commit()


@asynccontextmanager
async def scoring_service(url: str) -> AsyncIterator[Any]:
    """The real scoring app on a migrated database, its rows removed afterwards."""
    from services.scoring.main import create_app

    settings = ScoringSettings(
        database_url=url,
        migrate_on_start=False,
        internal_secret=SECRET,
        environment="test",
        # scoring alone: no sync, so no calendar (the edit lock is tested with one,
        # tests/scoring/test_calendar.py); the fixtures' school years are past ones, opened here
        sync_url=None,
        evidence_url=None,
        school_years=["current", "next", *FIXTURE_YEARS],
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app
        await delete_rows(app.state.session_factory, scoring_metadata)
