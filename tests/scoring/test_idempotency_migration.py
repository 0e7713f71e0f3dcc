"""The upgrade that stores an answer's headers keeps scoring's records and gives each workflow
answer its ETag back, so its replays stay identical to the first answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from services.scoring.config import MIGRATIONS
from shared.migrate import downgrade, upgrade
from tests.conftest import make_database

AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


async def test_records_keep_their_answers_and_gain_their_etag(backend: str) -> None:
    url = await make_database("scoring", backend, MIGRATIONS, suffix="_idem_upgrade")
    await downgrade(MIGRATIONS, url, "0006_place_and_revoke")
    engine = create_async_engine(url)
    action = {"id": "a1", "version": 4, "state": "submitted", "permissions": {}}
    bulk = {"dry_run": False, "created": 1, "updated": 0, "unchanged": 0, "rejected": 0, "results": []}
    async with engine.begin() as conn:
        md = MetaData()
        await conn.run_sync(md.reflect)
        rows: list[dict[str, Any]] = [
            {"caller": "c", "key": "submit", "request_hash": "h", "status": 200, "body": action},
            {"caller": "c", "key": "bulk", "request_hash": "h", "status": 200, "body": bulk},
            {"caller": "c", "key": "running", "request_hash": "h", "status": None, "body": None},
        ]
        await conn.execute(insert(md.tables["idempotency_record"]), [{**r, "created_at": AT} for r in rows])
    await upgrade(MIGRATIONS, url)
    async with engine.connect() as conn:
        md = MetaData()
        await conn.run_sync(md.reflect)
        t = md.tables["idempotency_record"]
        got = {r.key: (r.status, r.body, r.headers) for r in await conn.execute(select(t))}
    await engine.dispose()
    assert got == {
        "submit": (200, action, {"ETag": '"4"'}),
        "bulk": (200, bulk, None),
        "running": (None, None, None),
    }
