"""`deadline.at_risk` announcements, at most once per school, school year, kind and day.

The daily job and the admin route both go through `announce`: a school already announced today
is left out (the record is this table's primary key), so a re-run, a retried CronJob or an admin
pressing the button after the job has run sends nothing twice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, col

from services.sync.deadlines.schemas import AtRiskOut
from services.sync.deadlines.service import DeadlineService
from services.sync.models_base import SyncModel
from services.sync.webhooks.repository import WebhookRepository
from services.sync.webhooks.service import notify
from shared.contracts import AssessmentKind
from shared.db import UTCDateTime, utcnow
from shared.principal import Principal
from shared.scoring_client import ScoringClient


class AtRiskAnnouncement(SyncModel, table=True):
    __tablename__ = "at_risk_announcement"

    school_code: str = Field(primary_key=True, max_length=32)
    school_year: str = Field(primary_key=True, max_length=9)
    kind: str = Field(primary_key=True, max_length=16)
    day: date = Field(primary_key=True)  # Vietnam's calendar day of the announcement
    days_left: int
    reason: str = Field(max_length=32)
    announced_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


async def announce(
    s: AsyncSession,
    scoring: ScoringClient,
    p: Principal,
    year: str,
    kind: AssessmentKind,
    today: date,
    within_days: int,
) -> tuple[AtRiskOut, int]:
    """The at-risk list of today, and how many schools were announced now (not earlier today)."""
    out = await DeadlineService(s, scoring).at_risk(p, year, kind, today, within_days, None)
    done = set(
        await s.scalars(
            select(col(AtRiskAnnouncement.school_code)).where(
                AtRiskAnnouncement.school_year == year,  # type: ignore[arg-type]
                AtRiskAnnouncement.kind == kind.value,  # type: ignore[arg-type]
                AtRiskAnnouncement.day == today,  # type: ignore[arg-type]
            )
        )
    )
    subs = await WebhookRepository(s).active()
    n = 0
    for sc in out.items:
        if sc.school_code in done:
            continue
        s.add(
            AtRiskAnnouncement(
                school_code=sc.school_code,
                school_year=year,
                kind=kind.value,
                day=today,
                days_left=sc.days_left,
                reason=sc.reason.value,
            )
        )
        body = {"school_year": year, "kind": kind.value, **sc.model_dump(mode="json")}
        await notify(s, "deadline.at_risk", sc.school_code, body, subs)
        n += 1
    await s.flush()
    return out, n
