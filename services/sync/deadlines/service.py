"""At-risk list and timeliness: the expected set comes from the scoring registry as of the
deadline (so schools opened, closed or merged before it are counted right); what was sent comes
from our delivery jobs and CSDL's receipt times."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.deadlines.calendar import Deadline
from services.sync.deadlines.models import DeadlineOverride
from services.sync.deadlines.repository import DeadlineRepository
from services.sync.deadlines.rules import check_override
from services.sync.deadlines.schemas import (
    AtRiskOut,
    AtRiskReason,
    AtRiskSchool,
    CalendarOut,
    OverrideIn,
    SchoolTimeliness,
    Timeliness,
    TimelinessOut,
)
from services.sync.deliveries.models import DeliveryJob, JobState, standing
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.permissions import SET_CALENDAR
from services.sync.scope import covers_province, today, visible_now
from shared.contracts import AssessmentKind, SchoolScope
from shared.db import utcnow
from shared.principal import Principal
from shared.scoring_client import ScoringClient


class Deadlines:
    """Deadlines per province, resolved once per request."""

    def __init__(self, s: AsyncSession, year: str, kind: AssessmentKind) -> None:
        self.repo, self.year, self.kind = DeadlineRepository(s), year, kind
        self._cache: dict[str | None, Deadline] = {}

    async def of(self, province: str | None) -> Deadline:
        if province not in self._cache:
            self._cache[province] = await self.repo.deadline(province, self.year, self.kind)
        return self._cache[province]


async def expected_now_visible(
    scoring: ScoringClient, p: Principal, deadline_day: date, province: str | None
) -> list[SchoolScope]:
    """The schools expected to report (the registry as of the deadline day: opened after it, not
    expected; closed before it, not expected) that the caller may read now (today's placement).
    Names and provinces are today's."""
    expected = await scoring.schools_open(deadline_day, province)
    visible = await visible_now(scoring, p, [sc.code for sc in expected], province)
    return [visible[sc.code] for sc in expected if sc.code in visible]


def _by_school(jobs: list[DeliveryJob]) -> dict[str, list[DeliveryJob]]:
    out: dict[str, list[DeliveryJob]] = {}
    for j in jobs:
        out.setdefault(j.school_code, []).append(j)
    return out


class DeadlineService:
    """The calendar, at-risk and timeliness answers of one request: its session, and the scoring
    registry that says which schools are expected and which the caller may read."""

    def __init__(self, s: AsyncSession, scoring: ScoringClient) -> None:
        self.s, self.scoring = s, scoring

    async def at_risk(
        self,
        p: Principal,
        year: str,
        kind: AssessmentKind,
        as_of: date,
        within_days: int,
        province: str | None,
    ) -> AtRiskOut:
        """Schools whose deadline is at most `within_days` away (or passed) and whose result has not
        reached CSDL: not approved/recognised yet, still in delivery, or failed."""
        dl = Deadlines(self.s, year, kind)
        expected_as_of = (await dl.of(province)).on_time_deadline
        expected = await expected_now_visible(self.scoring, p, expected_as_of, province)
        jobs = _by_school(await DeliveryRepository(self.s).latest_per_school(year, kind.value))
        out: list[AtRiskSchool] = []
        for sc in expected:
            dd = await dl.of(sc.province_code)
            d, days_left = dd.on_time_deadline, dd.days_left(as_of)
            if days_left > within_days:  # a difference of dates, so no stored date can overflow it
                continue
            states = {j.state for j in jobs.get(sc.code, [])}
            if JobState.DELIVERED in states:
                continue
            reason = (
                AtRiskReason.NOT_READY
                if not states
                else AtRiskReason.DELIVERY_FAILED
                if states == {JobState.DEAD}
                else AtRiskReason.DELIVERY_PENDING
            )
            out.append(
                AtRiskSchool(
                    school_code=sc.code,
                    school_name=sc.name,
                    province_code=sc.province_code,
                    on_time_deadline=d,
                    days_left=days_left,
                    reason=reason,
                )
            )
        out.sort(key=lambda a: (a.days_left, a.school_code))
        return AtRiskOut(
            school_year=year,
            kind=kind.value,
            as_of=as_of,
            within_days=within_days,
            expected_as_of=expected_as_of,
            scope_as_of=today(),
            items=out,
            total=len(out),
        )

    async def timeliness(
        self,
        p: Principal,
        year: str,
        kind: AssessmentKind,
        province: str | None,
    ) -> TimelinessOut:
        """On time, late or missing per school, by the CSDL receipt of the result that stands: a
        result withdrawn (returned, reopened, superseded) no longer counts, whenever it was sent."""
        dl = Deadlines(self.s, year, kind)
        deadline_day = (await dl.of(province)).on_time_deadline
        expected = await expected_now_visible(self.scoring, p, deadline_day, province)
        repo = DeliveryRepository(self.s)
        jobs = _by_school(await repo.latest_per_school(year, kind.value))
        withdrawn = await repo.withdrawn_receipts(year, kind.value)
        rows: list[SchoolTimeliness] = []
        for sc in sorted(expected, key=lambda x: x.code):
            d = await dl.of(sc.province_code)
            stands = standing(jobs.get(sc.code, []))
            status = (
                Timeliness.MISSING
                if stands is None or stands.receipt_at is None
                else Timeliness.ON_TIME
                if d.on_time(stands.receipt_at)
                else Timeliness.LATE
            )
            rows.append(
                SchoolTimeliness(
                    school_code=sc.code,
                    school_name=sc.name,
                    province_code=sc.province_code,
                    on_time_deadline=d.on_time_deadline,
                    status=status,
                    receipt_id=stands.receipt_id if stands else None,
                    receipt_at=stands.receipt_at if stands else None,
                    withdrawn_receipt_ids=withdrawn.get(sc.code, []),
                )
            )
        return TimelinessOut(
            school_year=year,
            kind=kind.value,
            expected_as_of=deadline_day,
            scope_as_of=today(),
            expected=len(rows),
            on_time=sum(r.status == Timeliness.ON_TIME for r in rows),
            late=sum(r.status == Timeliness.LATE for r in rows),
            missing=sum(r.status == Timeliness.MISSING for r in rows),
            items=rows,
            total=len(rows),
        )

    async def calendar(self, year: str, province: str | None) -> CalendarOut:
        """The school year's deadlines of every kind: the province's own dates, else the national."""
        repo = DeadlineRepository(self.s)
        return CalendarOut(
            school_year=year,
            province_code=province,
            deadlines=[await repo.deadline(province, year, k) for k in AssessmentKind],
        )

    async def set_province_deadline(
        self,
        p: Principal,
        year: str,
        province: str,
        kind: AssessmentKind,
        body: OverrideIn,
        as_of: date,
    ) -> CalendarOut:
        """A province's own dates for one kind, set by an officer whose scope covers every school of
        the province (403 otherwise); answers the province's calendar as it now stands."""
        check_override(year, kind, body)
        if not await covers_province(self.scoring, p, province, as_of):
            raise SET_CALENDAR.refusal(p)
        await DeadlineRepository(self.s).upsert(
            DeadlineOverride(
                province_code=province,
                school_year=year,
                kind=kind.value,
                on_time_deadline=body.on_time_deadline,
                edit_lock_date=body.edit_lock_date,
                milestones=[m.model_dump(mode="json") for m in body.milestones],
                updated_by=p.sub,
                updated_at=utcnow(),
            )
        )
        return await self.calendar(year, province)
