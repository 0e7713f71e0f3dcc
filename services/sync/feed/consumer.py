"""The change-feed consumer: turns scoring's approvals and recognitions into delivery jobs and
its returns and reopenings into withdrawals, in the transaction that moves the cursor
(`shared.feed`). Enqueueing is idempotent anyway (a job per content key), so a replayed page
changes nothing.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.deadlines.repository import DeadlineRepository
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.feed.models import FeedCursor
from services.sync.webhooks.models import WebhookSubscription
from services.sync.webhooks.repository import WebhookRepository
from services.sync.webhooks.service import WORKFLOW_EVENTS, notify, workflow_body
from services.sync.withdrawals.repository import WithdrawalRepository
from shared import feed
from shared.contracts import AssessmentSnapshot, ChangeEvent, EventType
from shared.db import utcnow

log = logging.getLogger("services.sync.feed")

DELIVERABLE = {EventType.ASSESSMENT_APPROVED.value, EventType.ASSESSMENT_RECOGNISED.value}
# the result no longer stands: what reached CSDL is withdrawn, what did not is not sent
WITHDRAWING = {EventType.ASSESSMENT_RETURNED.value: "returned", "assessment.reopened": "reopened"}


class FeedConsumer(feed.FeedConsumer):
    cursor_model = FeedCursor
    cursor_name = "scoring"

    async def apply(self, session: AsyncSession, events: list[ChangeEvent]) -> None:
        subs = await WebhookRepository(session).active()  # once a page, not once an event
        for ev in events:
            await apply(session, ev, subs)


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
