"""The harness every service's tests share.

- `backend`: each database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.
  In CI (CI=true) a missing TEST_DATABASE_URL fails the run instead of skipping PostgreSQL.
- Databases are migrated once per run (tests/harness.py); each test runs inside a transaction
  rolled back afterwards, unless marked `@pytest.mark.commits` (then its rows are deleted).
- The framework documents are parsed once per run, not by every app a test builds.
- The scoring service, which every other service's tests talk to, runs on two databases: an empty
  one, and one where the small province of tests/org.py was seeded once. A test asking for the
  `province` fixture (directly or through another fixture) gets the seeded one.
- Outside tests/scoring, one scoring app per database serves every test (`scoring_app`); tests/scoring
  builds its own app per test, since its tests change the app's state.
- The tests that start the whole embedded run with its demo province start it on a copy of a data
  directory seeded once per run (`demo_dir`, tests/demo.py).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from services.evidence.records import items as evidence_items
from services.scoring.config import MIGRATIONS as SCORING_MIGRATIONS
from services.scoring.config import ScoringSettings
from services.scoring.frameworks import registry as scoring_registry
from services.scoring.models_base import metadata as scoring_metadata
from shared.framework.model import Framework
from tests.demo import build_template, copy_of
from tests.harness import (
    TEST_DATABASE_URL,
    Database,
    _pg_url,
    bound,
    delete_rows,
    make_database,
    started,
    transaction,
    worker_id,
)
from tests.org import SECRET, seed_org

__all__ = ["SECRET", "TEST_DATABASE_URL", "_pg_url", "delete_rows", "make_database", "worker_id"]

FIXTURE_YEAR = "2024-2025"  # the school year the tests' assessments are written for
FIXTURE_YEARS = ["2023-2024", FIXTURE_YEAR]  # past years the fixtures may write (year on year)

if os.environ.get("CI", "").lower() in {"1", "true", "yes"} and not TEST_DATABASE_URL:
    raise pytest.UsageError("CI runs the suite on PostgreSQL too: set TEST_DATABASE_URL")

BACKENDS = ["sqlite", "postgresql"] if TEST_DATABASE_URL else ["sqlite"]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- the framework documents, parsed once ------------------------------------------------------


def _directory_key(directory: Path) -> tuple[Any, ...]:
    """A directory's documents as they stand: a test that writes its own sees them parsed anew."""
    files = sorted(directory.glob("*.yaml"))
    return (str(directory.resolve()), *((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files))


@pytest.fixture(scope="session", autouse=True)
def frameworks_once() -> Iterator[None]:
    """The scoring registry and evidence's item codes read the same YAML documents at every app's
    creation (about 60 ms each): parsed once per directory here. Frameworks are immutable models."""
    cache: dict[tuple[Any, ...], list[Framework]] = {}

    def cached(load: Any) -> Any:
        def load_directory(directory: Path) -> list[Framework]:
            key = _directory_key(directory)
            if key not in cache:
                cache[key] = load(directory)
            return list(cache[key])

        return load_directory

    with pytest.MonkeyPatch.context() as mp:
        for module in (scoring_registry, evidence_items):
            mp.setattr(module, "load_directory", cached(module.load_directory))
        yield


# --- the scoring service -----------------------------------------------------------------------


def scoring_settings(url: str) -> ScoringSettings:
    return ScoringSettings(
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


@asynccontextmanager
async def scoring_service(url: str, conn: AsyncConnection | None = None) -> AsyncIterator[Any]:
    """The real scoring app on a migrated database, on the test's connection when given one."""
    from services.scoring.main import create_app

    async with started(create_app(scoring_settings(url)), conn) as app:
        yield app


def asgi(app: Any, name: str) -> httpx.AsyncClient:
    """A client of an app in this process, through httpx's ASGI transport."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")


async def seed_province(db: Database) -> None:
    """The province of tests/org.py, committed through the scoring API."""
    async with scoring_service(db.url) as app, asgi(app, "scoring") as c:
        await seed_org(c)


@pytest.fixture(scope="session")
async def scoring_db(backend: str) -> AsyncIterator[Database]:
    db = await Database.create("scoring", backend, SCORING_MIGRATIONS, scoring_metadata)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
async def province_db(backend: str) -> AsyncIterator[Database]:
    db = await Database.create(
        "scoring", backend, SCORING_MIGRATIONS, scoring_metadata, suffix="_province", seed=seed_province
    )
    yield db
    await db.dispose()


@pytest.fixture
def province() -> None:
    """Asking for this puts the test's scoring service on the database where the province of
    tests/org.py is seeded (once per run, not once per test)."""


def wants_province(request: pytest.FixtureRequest) -> bool:
    return "province" in request.fixturenames


@pytest.fixture
def scoring_database(backend: str, request: pytest.FixtureRequest) -> Database:
    """The empty scoring database or the seeded one (`backend` named so the choice is per backend)."""
    db: Database = request.getfixturevalue("province_db" if wants_province(request) else "scoring_db")
    return db


@pytest.fixture
async def scoring_conn(
    scoring_database: Database, request: pytest.FixtureRequest
) -> AsyncIterator[AsyncConnection | None]:
    """This test's connection to its scoring database (None for a test marked `commits`)."""
    async with transaction(scoring_database, request) as conn:
        yield conn


@pytest.fixture(scope="session")
async def scoring_upstreams(backend: str) -> AsyncIterator[tuple[AsyncExitStack, dict[str, Any]]]:
    """One running scoring app per scoring database of the backend, started when first needed."""
    async with AsyncExitStack() as stack:
        yield stack, {}


@pytest.fixture
async def scoring_app(
    scoring_upstreams: tuple[AsyncExitStack, dict[str, Any]],
    scoring_database: Database,
    scoring_conn: AsyncConnection | None,
) -> AsyncIterator[Any]:
    """The scoring service as another service's tests reach it: one app per database for the whole
    run, its sessions on this test's connection."""
    stack, running = scoring_upstreams
    app = running.get(scoring_database.url)
    if app is None:
        app = running[scoring_database.url] = await stack.enter_async_context(
            scoring_service(scoring_database.url)
        )
    async with bound(app, scoring_database, scoring_conn):
        yield app


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo province's data directory, seeded once per run (tests/demo.py)."""
    return build_template(tmp_path_factory.mktemp("demo-template") / "data")


@pytest.fixture
def demo_dir(demo_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the seeded demo data directory, for `embedded(demo_dir)`."""
    return copy_of(demo_template, tmp_path / "data")
