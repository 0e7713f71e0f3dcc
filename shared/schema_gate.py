"""Readiness waits for the schema: a process whose database is not at its Alembic head (the release's
migration job has not run, or failed) answers 503 on `/readyz`, so a rolling update cannot put new
code in front of an old schema; the old pods keep serving until the job has run. Once at head the
answer is remembered (schemas only move forward under a running process)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.migrate import config


class SchemaBehind(Exception):
    pass


def version_table(migrations: Path) -> str:
    """`services/<name>/migrations` keeps its history in `alembic_version_<name>`."""
    return f"alembic_version_{migrations.parent.name}"


def schema_check(engine: AsyncEngine, migrations: Path, url: str) -> Callable[[], Awaitable[None]]:
    heads = set(ScriptDirectory.from_config(config(migrations, url)).get_heads())
    table = version_table(migrations)
    at_head = False

    def current(conn: Connection) -> set[str]:
        ctx = MigrationContext.configure(conn, opts={"version_table": table})
        return set(ctx.get_current_heads())

    async def check() -> None:
        nonlocal at_head
        if at_head:
            return
        async with engine.connect() as conn:
            found = await conn.run_sync(current)
        if found != heads:
            raise SchemaBehind(f"database at {sorted(found)}, code expects {sorted(heads)}")
        at_head = True

    return check
