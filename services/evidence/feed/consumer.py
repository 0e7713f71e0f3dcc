"""Reading the scoring service's change feed to lock evidence that approved or recognised
assessments reference.

The cursor lives in this service's database and moves in the same transaction as the locks the
events produce, so a crash re-reads at most one page and the lock inserts are idempotent; the
cursor row is locked while a page is applied, so replicas never apply pages twice at once. Locks
are only ever added: an approved self-assessment has been published and delivered, so its
evidence stays a legal record even if the assessment is later reopened.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.evidence.access import service_headers
from services.evidence.errors import UpstreamUnavailable
from services.evidence.records.models import FeedCursor
from services.evidence.records.repository import EvidenceRepository, insert_ignore
from shared.contracts import AssessmentSnapshot, EventPage, EventType
from shared.db import utcnow

log = logging.getLogger("services.evidence.feed")

CURSOR = "scoring-feed"
LOCKING = {EventType.ASSESSMENT_APPROVED.value, EventType.ASSESSMENT_RECOGNISED.value}


async def _cursor(session: AsyncSession) -> FeedCursor:
    await session.execute(insert_ignore(session, FeedCursor).values(name=CURSOR, position=0))
    row = (await session.execute(select(FeedCursor).filter_by(name=CURSOR).with_for_update())).scalar_one()
    return row


async def consume_once(
    factory: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, secret: str, limit: int = 200
) -> int:
    """Apply one page of events after the stored cursor; returns how many were read."""
    async with factory() as session:
        cursor = await _cursor(session)
        try:
            r = await client.get(
                "/internal/v1/events",
                params={"after": cursor.position, "limit": limit},
                headers=service_headers(secret),
            )
            r.raise_for_status()
        except httpx.HTTPError as exc:
            await session.rollback()
            raise UpstreamUnavailable() from exc
        page = EventPage.model_validate_json(r.content)
        rows = []
        for e in page.events:
            if e.type not in LOCKING:
                continue
            snap = AssessmentSnapshot.model_validate(e.payload)
            rows += [
                {
                    "evidence_id": eid,
                    "assessment_id": snap.assessment_id,
                    "school_code": snap.school_code,
                    "event_type": e.type,
                    "event_id": e.id,
                    "locked_at": utcnow(),
                }
                for eid in dict.fromkeys(snap.evidence_ids)
            ]
        await EvidenceRepository(session).lock(rows)
        cursor.position = page.next_cursor
        await session.commit()
        return len(page.events)


async def drain(factory: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, secret: str) -> int:
    """Read until the feed has nothing new; returns how many events were read."""
    total = 0
    while n := await consume_once(factory, client, secret):
        total += n
    return total


async def run_forever(
    factory: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, secret: str, poll_seconds: float
) -> None:
    while True:
        try:
            await drain(factory, client, secret)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("change feed: will retry")
        await asyncio.sleep(poll_seconds)
