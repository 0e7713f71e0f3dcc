"""Alembic, driven from code: one history per service, its own version table, async drivers.

Each service's `migrations/env.py` is three lines calling `run_env(metadata, version_table)`.
`upgrade()` runs in a worker thread because env.py drives an async engine with `asyncio.run`,
which cannot nest inside a running loop (tests, the embedded runner).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import ensure_sqlite_directory


def config(migrations_dir: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_sync(migrations_dir: Path, url: str, revision: str = "head") -> None:
    ensure_sqlite_directory(url)
    command.upgrade(config(migrations_dir, url), revision)


def downgrade_sync(migrations_dir: Path, url: str, revision: str = "base") -> None:
    command.downgrade(config(migrations_dir, url), revision)


async def upgrade(migrations_dir: Path, url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade_sync, migrations_dir, url, revision)


async def downgrade(migrations_dir: Path, url: str, revision: str = "base") -> None:
    await asyncio.to_thread(downgrade_sync, migrations_dir, url, revision)


def run_env(metadata: MetaData, version_table: str) -> None:
    """Body of a service's env.py (online mode only: we always have a database to talk to)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(do_run)
            await conn.commit()
        await engine.dispose()

    asyncio.run(run())
