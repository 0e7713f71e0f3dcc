"""Planner statistics refreshed after a bulk write (shared.db.refresh_statistics).

Without statistics PostgreSQL took `ix_assessment_year_state` for a lookup of 1,000 school codes
(the default selectivity of `kind = 'self'` looked smaller than that of the codes) and read every
row of the year for each batch (docs/assessments.md)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text

from shared.db import create_engine, refresh_statistics
from tests.harness import TEST_DATABASE_URL, _pg_url


async def test_sqlite_is_left_alone(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        assert await refresh_statistics(engine, {"assessment": ("school_code",)}) == []
    finally:
        await engine.dispose()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only (CI sets TEST_DATABASE_URL)")
async def test_stale_statistics_are_refreshed_for_the_named_columns_and_the_unique_key_is_used():
    table = f"stats_{uuid.uuid4().hex[:12]}"
    engine = create_engine(_pg_url("test"), pool_size=2)
    codes = ", ".join(f"'{i:08d}'" for i in range(0, 6000, 30))  # 200 of 6,000
    lookup = f"EXPLAIN SELECT id FROM {table} WHERE code IN ({codes}) AND kind = 'self'"
    try:
        async with engine.begin() as c:
            await c.execute(
                text(
                    f"CREATE TABLE {table} (id serial PRIMARY KEY, code text, year text, kind text, "
                    f"state text, doc text, UNIQUE (code, year, kind)) WITH (autovacuum_enabled = false)"
                )
            )
            await c.execute(text(f"CREATE INDEX {table}_ys ON {table} (year, kind, state)"))
            await c.execute(
                text(
                    f"INSERT INTO {table} (code, year, kind, state, doc) SELECT lpad(i::text, 8, '0'), "
                    f"'2024-2025', 'self', 'draft', repeat('x', 500) FROM generate_series(0, 5999) i"
                )
            )
        # the writer's counts reach pg_stat when its connection goes idle (at most a second later)
        async with engine.connect() as c:
            for _ in range(100):
                q = text("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = :t")
                if ((await c.execute(q, {"t": table})).scalar() or 0) >= 6000:
                    break
                await asyncio.sleep(0.1)
            before = "\n".join((await c.execute(text(lookup))).scalars())
        assert f"{table}_ys" in before  # the plan the bulk batches got, without statistics

        assert await refresh_statistics(engine, {table: ("code", "year", "kind", "state")}) == [table]

        async with engine.connect() as c:
            q = text("SELECT attname FROM pg_stats WHERE tablename = :t ORDER BY attname")
            assert list((await c.execute(q, {"t": table})).scalars()) == ["code", "kind", "state", "year"]
            after = "\n".join((await c.execute(text(lookup))).scalars())
        assert f"{table}_code_year_kind_key" in after
        assert f"{table}_ys" not in after
        # fresh now: nothing to do until a tenth of the table (plus 50 rows) has changed again
        assert await refresh_statistics(engine, {table: ("code", "year", "kind", "state")}) == []
    finally:
        async with engine.begin() as c:
            await c.execute(text(f"DROP TABLE IF EXISTS {table}"))
        await engine.dispose()
