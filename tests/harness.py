"""The database side of the harness every service's tests share.

- `make_database(service, backend, migrations)`: a fresh database per service, backend and xdist
  worker, built by the service's own Alembic history (so the migrations are what the tests exercise).
- `Database`: such a database with the engine the harness takes each test's connection from, what a
  committed baseline holds (the seeded province, say) and how to restore it.
- `transaction(db, request)`: by default one connection inside a transaction that is rolled back
  after the test; every app of the test is handed it (`started`), so a request's commit releases a
  savepoint and nothing outlives the test. A test marked `@pytest.mark.commits` (concurrency, races
  between claims, several engines or processes) gets no connection: its apps commit for real through
  their own pools, and afterwards every row is deleted and the baseline restored.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import MetaData, delete, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.db import create_engine, session_factory
from shared.migrate import upgrade

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
_TMP = Path(tempfile.mkdtemp(prefix="chiso-tests-"))

COMMITS = "commits"  # the marker of a test whose apps commit for real


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


async def delete_rows(
    factory: async_sessionmaker[AsyncSession], metadata: MetaData, keep: frozenset[str] = frozenset()
) -> None:
    """Every row of the service's tables but `keep`, children first."""
    async with factory() as s:
        for table in reversed(metadata.sorted_tables):
            if table.name not in keep:
                await s.execute(delete(table))
        await s.commit()


def rollback_engine(url: str) -> AsyncEngine:
    """The engine of the connections tests roll back. On SQLite the driver's implicit transactions
    are turned off and BEGIN is sent explicitly, else a savepoint opened first would start (and its
    release commit) the transaction the test means to roll back: SQLAlchemy's recipe for pysqlite.
    Only here: a deferred BEGIN before the first read would make writers racing on the app's own
    engine fail at once ("database is locked") instead of waiting their turn."""
    engine = create_engine(url, pool_size=1)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _no_implicit_begin(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

    return engine


@dataclass
class Database:
    """A migrated test database of one service."""

    url: str
    metadata: MetaData
    engine: AsyncEngine  # as the service builds it: a test marked `commits` and the clean-up use it
    outer: AsyncEngine  # each other test's connection, its transaction rolled back (`transaction`)
    keep: frozenset[str] = frozenset()  # tables whose rows a clean-up keeps (a migration wrote them)
    reset: Callable[[AsyncSession], Awaitable[None]] | None = None  # then puts kept rows back
    seed: Callable[[Database], Awaitable[None]] | None = None  # the committed baseline every test sees

    @classmethod
    async def create(
        cls,
        service: str,
        backend: str,
        migrations: Path,
        metadata: MetaData,
        *,
        suffix: str = "",
        keep: frozenset[str] = frozenset(),
        reset: Callable[[AsyncSession], Awaitable[None]] | None = None,
        seed: Callable[[Database], Awaitable[None]] | None = None,
    ) -> Database:
        url = await make_database(service, backend, migrations, suffix)
        db = cls(url, metadata, create_engine(url), rollback_engine(url), keep, reset, seed)
        if seed is not None:
            await seed(db)
        return db

    async def clean(self) -> None:
        """After a test that committed: every row but `keep`'s removed, then the baseline restored."""
        factory = session_factory(self.engine)
        await delete_rows(factory, self.metadata, self.keep)
        if self.reset is not None:
            async with factory() as s:
                await self.reset(s)
                await s.commit()
        if self.seed is not None:
            await self.seed(self)

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.outer.dispose()


def commits(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker(COMMITS) is not None


@asynccontextmanager
async def transaction(db: Database, request: pytest.FixtureRequest) -> AsyncIterator[AsyncConnection | None]:
    """The test's connection to `db`, inside a transaction rolled back afterwards; None for a test
    marked `commits`, whose rows are deleted afterwards instead."""
    if commits(request):
        try:
            yield None
        finally:
            await db.clean()
        return
    async with db.outer.connect() as conn:
        outer = await conn.begin()
        try:
            yield conn
        finally:
            if outer.is_active:
                await outer.rollback()


def sessions(db: Database, conn: AsyncConnection | None) -> async_sessionmaker[AsyncSession]:
    """Sessions as the test's apps get them: in the test's transaction, or committing for real."""
    return session_factory(db.engine if conn is None else conn)


@asynccontextmanager
async def started(app: FastAPI, conn: AsyncConnection | None) -> AsyncIterator[FastAPI]:
    """The app's lifespan entered, its sessions on the test's connection when there is one."""
    if conn is not None:
        app.state.database_connection = conn
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def bound(app: FastAPI, db: Database, conn: AsyncConnection | None) -> AsyncIterator[FastAPI]:
    """A running app shared by many tests (its lifespan entered once), its sessions on this test's
    connection for the test's length."""
    before = app.state.session_factory
    app.state.session_factory = sessions(db, conn) if conn is not None else before
    try:
        yield app
    finally:
        app.state.session_factory = before
