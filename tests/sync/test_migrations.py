"""The sync service's Alembic history upgrades and downgrades cleanly on each backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

import services.sync.deadlines.models
import services.sync.deliveries.models
import services.sync.feed.models
import services.sync.webhooks.models  # noqa: F401  (register the tables)
from services.sync.config import MIGRATIONS
from services.sync.models_base import metadata
from shared.migrate import downgrade, upgrade
from tests.conftest import make_database


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


async def test_down_to_base_and_up_again(backend: str) -> None:
    url = await make_database("sync", backend, MIGRATIONS, suffix="_migrations")
    models = {t.name for t in metadata.sorted_tables}
    assert models <= await _tables(url)  # head has every table the models declare
    await downgrade(MIGRATIONS, url)
    assert not models & await _tables(url)
    await upgrade(MIGRATIONS, url)
    assert models <= await _tables(url)


async def test_models_and_migrations_agree(backend: str) -> None:
    """A model change without its migration fails here, not in production."""
    url = await make_database("sync", backend, MIGRATIONS, suffix="_drift")
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
