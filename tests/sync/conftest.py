from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from services.sync.config import MIGRATIONS, SyncSettings
from services.sync.csdl.client import CsdlClient
from services.sync.fake_csdl.app import FakeCsdlSettings
from services.sync.fake_csdl.app import create_app as create_fake
from services.sync.feed.models import FeedCursor
from services.sync.main import create_app
from services.sync.models_base import metadata
from tests.conftest import SECRET, asgi
from tests.harness import Database, sessions, started, transaction


async def _rewind(s: AsyncSession) -> None:
    """The feed cursor's row is the migration's: kept, and put back at the feed's start."""
    await s.execute(update(FeedCursor).values(position=0))


@pytest.fixture(scope="session")
async def sync_db(backend: str) -> AsyncIterator[Database]:
    db = await Database.create(
        "sync", backend, MIGRATIONS, metadata, keep=frozenset({"feed_cursor"}), reset=_rewind
    )
    yield db
    await db.dispose()


@pytest.fixture
def sync_url(sync_db: Database) -> str:
    return sync_db.url


@pytest.fixture
async def sync_conn(
    sync_db: Database, request: pytest.FixtureRequest
) -> AsyncIterator[AsyncConnection | None]:
    """This test's connection to the sync database (None for a test marked `commits`)."""
    async with transaction(sync_db, request) as conn:
        yield conn


def make_settings(url: str, **over: Any) -> SyncSettings:
    base: dict[str, Any] = {
        "database_url": url,
        "migrate_on_start": False,
        "internal_secret": SECRET,
        "environment": "test",
        "run_workers": False,
        "csdl_client_id": "c",
        "csdl_client_secret": "s",
        "backoff_base_seconds": 0.0,
        "idle_poll_seconds": 0.02,
        "feed_poll_seconds": 0.02,
        "csdl_timeout_seconds": 2.0,
    }
    base.update(over)
    return SyncSettings(**base)


@pytest.fixture
def factory(sync_db: Database, sync_conn: AsyncConnection | None) -> async_sessionmaker[AsyncSession]:
    """Sessions on the sync database as the test's apps get them: in the test's transaction, or
    committing for real in a test marked `commits` (claims racing each other need that)."""
    return sessions(sync_db, sync_conn)


@pytest.fixture
def fake_app() -> Any:
    return create_fake(FakeCsdlSettings(client_id="c", client_secret="s", seed=11))


@pytest.fixture
async def fake_http(fake_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = fake_app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://csdl") as http:
        yield http


@pytest.fixture
def csdl(fake_http: httpx.AsyncClient) -> CsdlClient:
    return CsdlClient(fake_http, "c", "s", timeout=2.0)


# --- the sync app, wired to the real scoring service in-process -------------------------------


@pytest.fixture
async def scoring_http(scoring_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi(scoring_app, "scoring") as c:
        yield c


@pytest.fixture
async def sync_app(
    sync_url: str,
    scoring_http: httpx.AsyncClient,
    fake_http: httpx.AsyncClient,
    sync_conn: AsyncConnection | None,
) -> AsyncIterator[Any]:
    app = create_app(make_settings(sync_url), scoring_client=scoring_http, csdl_client=fake_http)
    async with started(app, sync_conn):
        yield app


@pytest.fixture
async def client(sync_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi(sync_app, "sync") as c:
        yield c
