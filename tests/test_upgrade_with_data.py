"""Each service's database upgrades from the previous release's schema while holding data, not
only from empty: a row in every table of the previous release, upgraded to head, is still there
and readable through the head's models. The previous release is the schema the system shipped
with before the scheduled jobs, reminders and job records arrived."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, MetaData, Table, func, insert, select, types
from sqlalchemy.ext.asyncio import create_async_engine

from shared.migrate import downgrade, upgrade
from tests.conftest import make_database

PREVIOUS_RELEASE = {"scoring": "0001", "evidence": "0002", "sync": "0001", "gateway": "0001"}


def _value(col: Any) -> Any:
    t = col.type
    if isinstance(t, types.Boolean):
        return False
    if isinstance(t, types.Integer):
        return 1
    if isinstance(t, types.Float):
        return 1.0
    if isinstance(t, types.Numeric):
        return Decimal("1")
    if isinstance(t, types.DateTime):
        return datetime(2025, 1, 1, tzinfo=UTC)
    if isinstance(t, types.Date):
        return date(2025, 1, 1)
    if isinstance(t, types.JSON):
        return {}
    if isinstance(t, types.String):
        if (col.table.name, col.name) == ("assessment", "kind"):
            return "self"  # the head reads `kind` as the enum: every stored kind is one of its values
        return "x"[: t.length or 1]
    raise AssertionError(f"no sample value for {col.table.name}.{col.name}: {t!r}")


def _old_tables(conn: Connection) -> list[Table]:
    md = MetaData()
    md.reflect(conn)
    return [t for t in md.sorted_tables if not t.name.startswith("alembic_version")]


def _fill(conn: Connection) -> dict[str, int]:
    """One row in every table (parents first: every key is "x" or 1, so foreign keys match)."""
    tables = _old_tables(conn)
    for t in tables:
        conn.execute(insert(t).values({c.name: _value(c) for c in t.columns}))
    return _counts(conn, [t.name for t in tables])  # with the rows the migrations seed


def _counts(conn: Connection, names: list[str]) -> dict[str, int]:
    md = MetaData()
    md.reflect(conn, only=names)
    return {n: int(conn.execute(select(func.count()).select_from(md.tables[n])).scalar_one()) for n in names}


@pytest.mark.parametrize("service", sorted(PREVIOUS_RELEASE))
async def test_upgrade_from_the_previous_release_keeps_its_rows(backend: str, service: str) -> None:
    importlib.import_module(f"services.{service}.main")
    migrations: Path = importlib.import_module(f"services.{service}.config").MIGRATIONS
    metadata: MetaData = importlib.import_module(f"services.{service}.models_base").metadata
    url = await make_database(service, backend, migrations, suffix="_upgrade")
    await downgrade(migrations, url, PREVIOUS_RELEASE[service])
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        before = await conn.run_sync(_fill)
    await engine.dispose()

    await upgrade(migrations, url)

    engine = create_async_engine(url)
    async with engine.connect() as conn:
        assert await conn.run_sync(_counts, list(before)) == before
        for table in metadata.sorted_tables:  # the head's models read the old rows
            if table.name in before:
                rows = (await conn.execute(select(table))).all()
                assert len(rows) == before[table.name], table.name
    await engine.dispose()
