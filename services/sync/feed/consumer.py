"""The change-feed consumer: reads scoring's events after the durable cursor and turns approvals
and recognitions into delivery jobs, in the same transaction that moves the cursor.

The cursor row is locked (`FOR UPDATE` on PostgreSQL; SQLite has one writer) for the whole step,
so consumers in several replicas take turns and each event is applied exactly once. Enqueueing
is idempotent anyway (a job per content key), so a replayed page changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.deadlines.repository import DeadlineRepository
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.feed.models import FeedCursor
from services.sync.feed.repository import lock_cursor
from services.sync.scoring_client import ScoringClient
from services.sync.webhooks.models import WebhookSubscription
from services.sync.webhooks.repository import WebhookRepository
from services.sync.webhooks.service import WORKFLOW_EVENTS, notify, workflow_body
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.contracts import AssessmentSnapshot, ChangeEvent, EventType
from shared.db import utcnow

log = logging.getLogger("services.sync.feed")

CURSOR = "scoring"
DELIVERABLE = {EventType.ASSESSMENT_APPROVED.value, EventType.ASSESSMENT_RECOGNISED.value}
# the result no longer stands: what reached CSDL is withdrawn, what did not is not sent
WITHDRAWING = {EventType.ASSESSMENT_RETURNED.value: "returned", "assessment.reopened": "reopened"}


class FeedConsumer:
    def __init__(
        self, factory: async_sessionmaker[AsyncSession], scoring: ScoringClient, batch: int, poll: float
    ) -> None:
        self.factory = factory
        self.scoring = scoring
        self.batch = batch
        self.poll = poll

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                n = await self.run_once()
            except Exception:
                log.exception("feed consumer: step failed; retrying")
                n = 0
            if n < self.batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll)

    async def run_once(self) -> int:
        """One page: returns how many events were read."""
        async with self.factory() as s:
            cursor = await lock_cursor(s, CURSOR)
            page = await self.scoring.events(cursor.position, self.batch)
            subs = await WebhookRepository(s).active() if page.events else []
            for ev in page.events:
                await apply(s, ev, subs)
            cursor.position = page.next_cursor
            cursor.updated_at = utcnow()
            await s.commit()
            return len(page.events)


async def apply(s: AsyncSession, ev: ChangeEvent, subs: list[WebhookSubscription] | None = None) -> str:
    """Turn one event into a job or a withdrawal, and pass workflow events on to webhooks (queued
    in the transaction that moves the cursor, so each is queued exactly once)."""
    if ev.type in WORKFLOW_EVENTS:
        await notify(s, ev.type, ev.school_code, workflow_body(ev), subs)
    if ev.type in WITHDRAWING:
        detail = ev.payload.get("reason")
        n = await WithdrawalRepository(s).for_assessment(
            ev.assessment_id,
            ev.school_year,
            WITHDRAWING[ev.type],
            str(detail) if detail else None,
            ev.id,
            utcnow(),
        )
        return f"withdrawing {n}"
    if ev.type not in DELIVERABLE:
        return "ignored"
    try:
        snap = AssessmentSnapshot.model_validate(ev.payload)
    except ValidationError:
        # a malformed snapshot would block the feed forever; it is logged loudly and passed over
        log.error("feed event %s carries no valid snapshot; not deliverable", ev.id)
        return "invalid"
    deadline = await DeadlineRepository(s).deadline(snap.province_code, snap.school_year, snap.kind)
    return await DeliveryRepository(s).enqueue(snap, ev.id, deadline.on_time_deadline, utcnow())


async def position(s: AsyncSession) -> int:
    c = await s.get(FeedCursor, CURSOR)
    return c.position if c else 0
