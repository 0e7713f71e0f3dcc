"""Readiness waits for the migration job: a service whose database is behind its code's Alembic
head answers 503 on /readyz (so a rolling update never puts new code before the schema), and
ready once the schema is at head."""

from __future__ import annotations

import httpx

from services.scoring.config import MIGRATIONS, ScoringSettings
from services.scoring.main import create_app
from shared.migrate import downgrade, upgrade
from tests.conftest import SECRET, make_database


async def test_readyz_is_503_until_the_schema_is_at_head(backend: str) -> None:
    url = await make_database("scoring", backend, MIGRATIONS, suffix="_gate")
    await downgrade(MIGRATIONS, url, "0001")  # the previous release's schema
    settings = ScoringSettings(
        database_url=url, migrate_on_start=False, internal_secret=SECRET, environment="test"
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://s") as c,
    ):
        r = await c.get("/readyz")
        assert r.status_code == 503
        assert r.json()["checks"] == {"database": "ok", "schema": "failed: SchemaBehind"}
        await upgrade(MIGRATIONS, url)  # the release's migration job runs
        r = await c.get("/readyz")
        assert (r.status_code, r.json()["checks"]["schema"]) == (200, "ok")
