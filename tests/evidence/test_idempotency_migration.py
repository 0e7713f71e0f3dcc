"""The upgrade to the shared idempotency table keeps evidence's keys: each becomes the answer its
create gave, so a retry across the upgrade replays it instead of creating a second evidence."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from services.evidence.config import MIGRATIONS
from shared.migrate import downgrade, upgrade
from tests.conftest import make_database

BEFORE = "0003_job_runs"
AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
EVIDENCE = {
    "id": "ev_1",
    "school_code": "79701001",
    "school_year": "2024-2025",
    "title": "Kế hoạch",
    "kind": "plan",
    "source": "file",
    "sha256": "a" * 64,
    "size": 12,
    "media_type": "application/pdf",
    "filename": "ke-hoach.pdf",
    "created_by": "staff-th1",
    "created_at": AT,
}


async def test_keys_become_their_answers_and_back(backend: str) -> None:
    url = await make_database("evidence", backend, MIGRATIONS, suffix="_idem_upgrade")
    await downgrade(MIGRATIONS, url, BEFORE)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        md = MetaData()
        await conn.run_sync(md.reflect)
        t = md.tables
        await conn.execute(insert(t["evidence"]).values(EVIDENCE))
        item = {"evidence_id": "ev_1", "school_code": "79701001", "school_year": "2024-2025"}
        await conn.execute(insert(t["evidence_item"]).values(**item, item_code="1.1.2", criterion_code="1.1"))
        await conn.execute(insert(t["evidence_code"]).values(**item, criterion_code="1.1", number=3))
        key = {"caller": "staff-th1", "key": "k1", "fingerprint": "f" * 64, "created_at": AT}
        await conn.execute(insert(t["idempotency_key"]).values(**key, evidence_id="ev_1"))
    await upgrade(MIGRATIONS, url)
    async with engine.connect() as conn:
        md = MetaData()
        await conn.run_sync(md.reflect)
        row = (await conn.execute(select(md.tables["idempotency_key"]))).mappings().one()
    assert (row["request_hash"], row["status"]) == ("f" * 64, 201)
    assert row["headers"] == {"Location": "/api/v1/evidence/ev_1"}
    body = row["body"]
    assert (body["id"], body["items"], body["codes"], body["locked"]) == (
        "ev_1",
        ["1.1.2"],
        ["MC-1.1-03"],
        False,
    )
    assert body["created_at"] == "2026-12-01T08:30:00Z"  # as the service writes it
    await downgrade(MIGRATIONS, url, BEFORE)
    async with engine.connect() as conn:
        md = MetaData()
        await conn.run_sync(md.reflect)
        back = (await conn.execute(select(md.tables["idempotency_key"]))).mappings().one()
    assert (back["fingerprint"], back["evidence_id"]) == ("f" * 64, "ev_1")
    await engine.dispose()
