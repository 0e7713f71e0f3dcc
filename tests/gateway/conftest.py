"""A real gateway in front of a real scoring service, both on the backend's databases, talking
over httpx's in-process ASGI transport (the same client code as over the network)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from services.gateway.admin.schemas import ClientCreate, UserCreate
from services.gateway.admin.service import AdminService
from services.gateway.config import MIGRATIONS, GatewaySettings
from services.gateway.main import create_app
from services.gateway.models_base import metadata
from shared.principal import Role
from tests.conftest import SECRET, asgi
from tests.harness import Database, started, transaction

JWT_SECRET = "test-gateway-jwt-secret-at-least-32-bytes"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
async def gateway_db(backend: str) -> AsyncIterator[Database]:
    db = await Database.create("gateway", backend, MIGRATIONS, metadata)
    yield db
    await db.dispose()


@pytest.fixture
def gateway_url(gateway_db: Database) -> str:
    return gateway_db.url


@pytest.fixture
async def gateway_conn(
    gateway_db: Database, request: pytest.FixtureRequest
) -> AsyncIterator[AsyncConnection | None]:
    """This test's connection to the gateway database (None for a test marked `commits`); every
    gateway app the test builds is handed it (`started`, `running`)."""
    async with transaction(gateway_db, request) as conn:
        yield conn


def gateway_settings(url: str, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "database_url": url,
        "migrate_on_start": False,
        "internal_secret": SECRET,
        "jwt_secret": JWT_SECRET,
        "environment": "test",
        "rate_limit_per_second": 1000.0,
        "rate_limit_burst": 1000,
        "login_rate_per_second": 1000.0,
        "login_burst": 1000,
        "preview_rate_per_second": 1000.0,
        "preview_burst": 1000,
        "revocation_cache_seconds": 2.0,
    }
    return GatewaySettings(**{**values, **overrides})


@pytest.fixture
async def upstreams(scoring_app: Any) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with asgi(scoring_app, "scoring") as c:
        yield {"scoring": c}


@pytest.fixture
async def gateway(
    gateway_url: str, upstreams: dict[str, httpx.AsyncClient], gateway_conn: AsyncConnection | None
) -> AsyncIterator[Any]:
    async with started(create_app(gateway_settings(gateway_url), upstreams), gateway_conn) as app:
        yield app


@pytest.fixture
async def gw(gateway: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi(gateway, "gw") as c:
        yield c


@pytest.fixture
async def scoring(upstreams: dict[str, httpx.AsyncClient], province: None) -> httpx.AsyncClient:
    """Direct access to the scoring service, the province of tests/org.py seeded (signed headers
    from tests/org.py)."""
    return upstreams["scoring"]


async def add_user(app: Any, username: str, *roles: Role, **scope: Any) -> str:
    async with app.state.session_factory() as s:
        u = await AdminService(s).create_user(
            UserCreate(username=username, name=username, password=PASSWORD, roles=list(roles), **scope)
        )
        await s.commit()
        return u.id


async def add_client(app: Any, client_id: str, *roles: Role, **scope: Any) -> tuple[str, str]:
    """(client id, secret)."""
    async with app.state.session_factory() as s:
        c, _, secret = await AdminService(s).create_client(
            ClientCreate(id=client_id, name=client_id, roles=list(roles), **scope)
        )
        await s.commit()
        return c.id, secret


async def login(gw: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await gw.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def client_token(gw: httpx.AsyncClient, client_id: str, secret: str) -> dict[str, str]:
    r = await gw.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
async def admin(gateway: Any, gw: httpx.AsyncClient) -> dict[str, str]:
    await add_user(gateway, "admin", Role.ADMIN, all_orgs=True)
    return await login(gw, "admin")


@asynccontextmanager
async def running(app: Any, conn: AsyncConnection | None) -> AsyncIterator[httpx.AsyncClient]:
    """A further gateway (other settings) with its lifespan entered, on the test's connection to the
    gateway database, and a client for it."""
    async with started(app, conn), asgi(app, "gw") as c:
        yield c
