"""The pool's check of a connection before a request gets it (shared/db.py)."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import text

from shared.db import create_engine
from tests.harness import TEST_DATABASE_URL, _pg_url

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only (CI sets TEST_DATABASE_URL)")


async def test_a_connection_the_server_closed_is_replaced_not_failed():
    url = _pg_url("test")
    engine, admin = create_engine(url, pool_size=1), create_engine(url, pool_size=0)
    try:
        async with engine.connect() as c:
            first = (await c.execute(text("SELECT pg_backend_pid()"))).scalar()
        async with admin.connect() as c:  # a restart or an idle timeout, for this one connection
            await c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        async with engine.connect() as c:
            second = (await c.execute(text("SELECT pg_backend_pid()"))).scalar()
        assert second != first
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_the_check_is_one_statement_outside_any_transaction(monkeypatch):
    """SQLAlchemy's own pre-ping is BEGIN, a query and ROLLBACK on asyncpg: three round trips on
    every checkout. Ours is one statement by the simple protocol (what the driver is asked to run
    while a pooled connection is checked out is recorded)."""
    engine = create_engine(_pg_url("test"), pool_size=1)
    sent: list[str] = []
    original = asyncpg.Connection.execute

    async def recording(self: asyncpg.Connection, query: str, *args: object, **kw: object) -> str:
        sent.append(query)
        answer: str = await original(self, query, *args, **kw)
        return answer

    try:
        async with engine.connect() as c:  # the first checkout opens the connection
            await c.execute(text("SELECT 1"))
        monkeypatch.setattr(asyncpg.Connection, "execute", recording)
        async with engine.connect():  # the pooled one again: checked, nothing else
            pass
        assert sent == ["SELECT 1"]
    finally:
        await engine.dispose()
