"""Compose's PostgreSQL set-up (deploy/compose/postgres-roles.sh, run by the postgres image on its
first start), for real on the test server: one role per service owning only its database. Each
service's migrations run as its own role; no role may connect to another service's database."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from services.scoring.config import MIGRATIONS
from shared.migrate import upgrade
from tests.conftest import TEST_DATABASE_URL, _pg_url, worker_id
from tests.deploy.conftest import DEPLOY

pytestmark = pytest.mark.postgres
SERVICES = ("scoring", "evidence", "sync", "gateway")


@pytest.fixture
def prefix() -> Iterator[str]:
    if not TEST_DATABASE_URL:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    p = re.sub(r"[^a-z0-9_]", "_", f"t_roles_{worker_id()}_".lower())
    yield p
    drop = [a for s in SERVICES for a in ("-c", f'DROP DATABASE IF EXISTS "{p}{s}" WITH (FORCE)')]
    drop += [a for s in SERVICES for a in ("-c", f'DROP ROLE IF EXISTS "{p}{s}"')]
    subprocess.run(["psql", "-q", *drop], env=pg_env(), check=True)


def pg_env(**extra: str) -> dict[str, str]:
    u = make_url(TEST_DATABASE_URL)
    env = {**os.environ, "PGHOST": u.host or "127.0.0.1", "PGPORT": str(u.port or 5432),
           "PGUSER": u.username or "postgres", "PGDATABASE": "postgres", **extra}  # fmt: skip
    if u.password:
        env["PGPASSWORD"] = u.password
    return env


def role_url(prefix: str, service: str, database: str | None = None) -> str:
    name = prefix + service
    u = make_url(_pg_url(database or name)).set(username=name, password=f"pw-{service}")
    return u.render_as_string(hide_password=False)


async def test_each_service_owns_only_its_database(prefix):
    passwords = {f"{s.upper()}_DB_PASSWORD": f"pw-{s}" for s in SERVICES}
    script = DEPLOY / "compose" / "postgres-roles.sh"
    for _ in range(2):  # a second run (an existing volume) changes nothing and does not fail
        env = pg_env(CHISO_DB_PREFIX=prefix, **passwords)
        run = await asyncio.to_thread(
            subprocess.run, ["sh", str(script)], env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr

    await upgrade(MIGRATIONS, role_url(prefix, "scoring"))  # the owner migrates its own database
    own = create_async_engine(role_url(prefix, "scoring"))
    async with own.connect() as conn:
        owner = await conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'assessment'"))
    await own.dispose()
    assert owner == prefix + "scoring"

    foreign = create_async_engine(role_url(prefix, "scoring", database=prefix + "evidence"))
    with pytest.raises(Exception, match="permission denied for database"):
        async with foreign.connect():
            pass
    await foreign.dispose()
