"""The delivery queue's depth and age, as Prometheus sees them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from services.sync.deliveries.models import DeliveryJob, DeliveryWithdrawal, JobState
from shared.db import utcnow


def _job(n: int, state: JobState, age: timedelta) -> DeliveryJob:
    return DeliveryJob(
        id=f"job-{n}",
        idempotency_key=f"{n:064d}",
        school_code=f"7970{n:04d}",
        school_year="2024-2025",
        kind="self",
        assessment_id=f"a-{n}",
        version=1,
        content_hash="0" * 64,
        event_id=n,
        payload={},
        deadline=date(2025, 5, 31),
        state=state.value,
        created_at=utcnow() - age,
    )


def _value(text: str, prefix: str) -> float:
    return float(next(ln for ln in text.splitlines() if ln.startswith(prefix)).rsplit(" ", 1)[1])


async def test_queue_depth_and_oldest_pending(sync_app: Any, client: httpx.AsyncClient) -> None:
    async with sync_app.state.session_factory() as s:
        s.add_all(
            [
                _job(1, JobState.PENDING, timedelta(minutes=10)),
                _job(2, JobState.PENDING, timedelta(minutes=1)),
                _job(3, JobState.DELIVERED, timedelta(hours=5)),
                _job(4, JobState.DEAD, timedelta(hours=7)),
            ]
        )
        await s.commit()
        s.add(DeliveryWithdrawal(job_id="job-3", idempotency_key="w" * 64, reason="returned"))
        await s.commit()
    text = (await client.get("/metrics")).text
    assert _value(text, 'chiso_sync_jobs{state="pending"}') == 2
    assert _value(text, 'chiso_sync_jobs{state="delivered"}') == 1
    assert _value(text, 'chiso_sync_jobs{state="dead"}') == 1
    assert _value(text, 'chiso_sync_jobs{state="in_flight"}') == 0
    assert _value(text, 'chiso_sync_withdrawals{state="pending"}') == 1
    assert _value(text, 'chiso_sync_withdrawals{state="done"}') == 0
    assert 600 <= _value(text, "chiso_sync_oldest_pending_seconds ") < 700  # pending, not dead
    ready = await client.get("/readyz")
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "schema": "ok"}}
