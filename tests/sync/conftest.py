from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.config import MIGRATIONS, SyncSettings
from services.sync.csdl.client import CsdlClient
from services.sync.fake_csdl.app import FakeCsdlSettings
from services.sync.fake_csdl.app import create_app as create_fake
from services.sync.feed.models import FeedCursor
from services.sync.models_base import metadata
from shared.db import create_engine, session_factory
from shared.principal import Principal, PrincipalKind, Role, sign_principal
from tests.conftest import SECRET, delete_rows, make_database, scoring_service


@pytest.fixture(scope="session")
async def sync_url(backend: str) -> str:
    return await make_database("sync", backend, MIGRATIONS)


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


async def wipe(factory: async_sessionmaker[AsyncSession]) -> None:
    await delete_rows(factory, metadata, keep=frozenset({"feed_cursor"}))
    async with factory() as s:
        await s.execute(update(FeedCursor).values(position=0))
        await s.commit()


@pytest.fixture
async def factory(sync_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the backend's database; tests commit for real (claims and concurrency need it),
    and every row is removed afterwards."""
    engine = create_engine(sync_url)
    f = session_factory(engine)
    yield f
    await wipe(f)
    await engine.dispose()


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


def who(
    sub: str,
    *roles: Role,
    units: tuple[str, ...] = (),
    schools: tuple[str, ...] = (),
    all_orgs: bool = False,
) -> dict[str, str]:
    kind = PrincipalKind.CLIENT if Role.VENDOR_CLIENT in roles else PrincipalKind.USER
    p = Principal(
        sub=sub,
        kind=kind,
        roles=frozenset(roles),
        org_units=frozenset(units),
        schools=frozenset(schools),
        all_orgs=all_orgs,
    )
    # Signed once at import and reused by the whole session, which can outlast the production
    # TTL on a slow machine: a day keeps the headers valid; expiry itself is tested in shared/.
    return {"X-Chiso-Principal": sign_principal(p, SECRET, ttl=86_400)}


# --- the real scoring service in-process, and the sync app wired to it ------------------------

from services.scoring.config import MIGRATIONS as SCORING_MIGRATIONS  # noqa: E402
from services.sync.main import create_app  # noqa: E402


@pytest.fixture(scope="session")
async def scoring_url(backend: str) -> str:
    return await make_database("scoring", backend, SCORING_MIGRATIONS, suffix="_for_sync")


@pytest.fixture
async def scoring_app(scoring_url: str) -> AsyncIterator[Any]:
    async with scoring_service(scoring_url) as app:
        yield app


@pytest.fixture
async def scoring_http(scoring_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=scoring_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://scoring") as c:
        yield c


@pytest.fixture
async def sync_app(
    sync_url: str, scoring_http: httpx.AsyncClient, fake_http: httpx.AsyncClient
) -> AsyncIterator[Any]:
    app = create_app(make_settings(sync_url), scoring_client=scoring_http, csdl_client=fake_http)
    async with app.router.lifespan_context(app):
        yield app
        await wipe(app.state.session_factory)


@pytest.fixture
async def client(sync_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sync_app), base_url="http://sync") as c:
        yield c
