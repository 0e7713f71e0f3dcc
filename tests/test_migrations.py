"""Every service's Alembic history upgrades and downgrades cleanly on each backend, and matches
its models."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from shared.migrate import downgrade, upgrade
from tests.conftest import make_database

SERVICES = ("scoring", "evidence", "sync", "gateway")


def _service(name: str) -> tuple[Path, MetaData]:
    importlib.import_module(f"services.{name}.main")  # the app imports every table model it uses
    migrations: Path = importlib.import_module(f"services.{name}.config").MIGRATIONS
    metadata: MetaData = importlib.import_module(f"services.{name}.models_base").metadata
    assert metadata.sorted_tables, name
    return migrations, metadata


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


@pytest.mark.parametrize("service", SERVICES)
async def test_down_to_base_and_up_again(backend: str, service: str) -> None:
    migrations, metadata = _service(service)
    url = await make_database(service, backend, migrations, suffix="_migrations")
    models = {t.name for t in metadata.sorted_tables}
    assert models <= await _tables(url)  # head has every table the models declare
    await downgrade(migrations, url)
    assert not models & await _tables(url)
    await upgrade(migrations, url)
    assert models <= await _tables(url)


@pytest.mark.parametrize("service", SERVICES)
async def test_models_and_migrations_agree(backend: str, service: str) -> None:
    """A model change without its migration fails here, not in production."""
    migrations, metadata = _service(service)
    url = await make_database(service, backend, migrations, suffix="_drift")
    engine = create_async_engine(url)

    def diff(conn: Connection) -> list[object]:
        def ours(name: str | None, kind: str, _parent: object) -> bool:
            return not (kind == "table" and (name or "").startswith("alembic_version"))

        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": ours})
        return list(compare_metadata(ctx, metadata))

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    await engine.dispose()
    assert changes == []
