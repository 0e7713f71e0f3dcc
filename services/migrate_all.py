"""`python -m services.migrate_all [service ...] [--create-databases] [--wait SECONDS]`: the one-shot
migration job. Brings each service's database to its Alembic head (all four services by default).

Each service's database URL comes from the variable its own settings read (`SCORING_DATABASE_URL`,
`EVIDENCE_DATABASE_URL`, `SYNC_DATABASE_URL`, `GATEWAY_DATABASE_URL`); the job needs no other
secret. It waits for the database server to answer first (a fresh PostgreSQL container takes a few
seconds), and with `--create-databases` creates a missing PostgreSQL database (one-host installs; a
managed server's databases are usually provisioned ahead of time).
Upgrading is idempotent: running the job again at head changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from services.serve import SERVICES
from shared.migrate import upgrade
from shared.observability import configure_logging

log = logging.getLogger("chiso.migrate")
ORDER = ("scoring", "evidence", "sync", "gateway")


def migrations_dir(name: str) -> Path:
    module = importlib.import_module(SERVICES[name].settings.split(":")[0])
    path: Path = module.MIGRATIONS
    return path


def database_url(name: str) -> str:
    """`<PREFIX>DATABASE_URL`, read the way the service reads it, and nothing else: the job needs
    no other secret of the service (and is not refused for lacking one)."""
    service = SERVICES[name]
    default = service.settings_class().model_fields["database_url"].default

    class DatabaseOnly(BaseSettings):
        model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix=service.env_prefix)
        database_url: str = default

    return DatabaseOnly().database_url


def _admin_url(url: str) -> str:
    """The maintenance database of the same PostgreSQL server."""
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


async def wait_for_server(url: str, within: float) -> None:
    """Retry until the database server answers `SELECT 1` (its maintenance database for PostgreSQL)."""
    u = make_url(url)
    probe = _admin_url(url) if u.get_backend_name() == "postgresql" else url
    deadline = time.monotonic() + within
    delay = 0.5
    while True:
        engine = create_async_engine(probe)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return
        except Exception as e:  # any connection failure is retried until the deadline
            if time.monotonic() >= deadline:
                raise TimeoutError(f"database server at {u.host}:{u.port} did not answer") from e
            log.info("waiting for the database server at %s:%s (%s)", u.host, u.port, type(e).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        finally:
            await engine.dispose()


async def create_database(url: str) -> None:
    """`CREATE DATABASE` on PostgreSQL if it does not exist yet; SQLite creates its file itself."""
    u = make_url(url)
    if u.get_backend_name() != "postgresql" or not u.database:
        return
    admin = create_async_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            query = text("SELECT 1 FROM pg_database WHERE datname = :n")
            found = await conn.execute(query, {"n": u.database})
            if found.scalar() is None:
                quoted = u.database.replace('"', '""')
                await conn.execute(text(f'CREATE DATABASE "{quoted}"'))
                log.info("created database %s", u.database)
    finally:
        await admin.dispose()


async def migrate(names: Sequence[str], *, create: bool = False, wait: float = 60.0) -> None:
    for name in names:
        url = database_url(name)
        safe = make_url(url).render_as_string(hide_password=True)
        await wait_for_server(url, wait)
        if create:
            await create_database(url)
        log.info("upgrading %s (%s) to head", name, safe)
        await upgrade(migrations_dir(name), url)
        log.info("%s is at head", name)


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m services.migrate_all", description="Migrate to head.")
    p.add_argument("services", nargs="*", metavar="service", help=f"any of {', '.join(ORDER)} (default: all)")
    p.add_argument("--create-databases", action="store_true", help="create missing PostgreSQL databases")
    p.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the database server")
    p.add_argument("--log-json", action="store_true", help="log JSON lines")
    args = p.parse_args(argv)
    unknown = sorted(set(args.services) - set(ORDER))
    if unknown:
        p.error(f"unknown service(s): {', '.join(unknown)}")
    configure_logging(json_logs=args.log_json)
    asyncio.run(migrate(args.services or list(ORDER), create=args.create_databases, wait=args.wait))


if __name__ == "__main__":
    main()
