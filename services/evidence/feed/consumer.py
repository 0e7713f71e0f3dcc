"""Reading the scoring service's change feed to lock evidence that approved or recognised
assessments reference (`shared.feed`: the cursor moves in the transaction that adds the locks).

The lock inserts are idempotent, so a replayed page changes nothing. Locks are only ever added:
an approved self-assessment has been published and delivered, so its evidence stays a legal
record even if the assessment is later reopened.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.evidence.records.models import FeedCursor
from services.evidence.records.repository import EvidenceRepository
from shared import feed
from shared.contracts import AssessmentSnapshot, ChangeEvent, EventType
from shared.db import utcnow

LOCKING = {EventType.ASSESSMENT_APPROVED.value, EventType.ASSESSMENT_RECOGNISED.value}


class EvidenceFeed(feed.FeedConsumer):
    cursor_model = FeedCursor
    cursor_name = "scoring-feed"

    async def apply(self, session: AsyncSession, events: list[ChangeEvent]) -> None:
        rows: list[dict[str, Any]] = []
        for e in events:
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
