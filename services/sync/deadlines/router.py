"""Deadline calendar, at-risk list and timeliness."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.sync.deadlines.announcements import announce
from services.sync.deadlines.calendar import VN_TZ
from services.sync.deadlines.models import DeadlineOverride
from services.sync.deadlines.repository import DeadlineRepository
from services.sync.deadlines.rules import check_override, check_year
from services.sync.deadlines.schemas import AtRiskOut, AtRiskSchool, CalendarOut, OverrideIn, TimelinessOut
from services.sync.deadlines.service import at_risk, timeliness
from services.sync.deps import PrincipalDep, ScoringDep, SessionDep
from services.sync.scope import READERS, covers_province, require
from shared.contracts import AssessmentKind, SchoolYear
from shared.db import utcnow
from shared.errors import Forbidden, problem_responses
from shared.i18n import msg
from shared.pagination import Cursor, Limit, paginate
from shared.principal import Role

router = APIRouter(prefix="/api/v1/sync", tags=["deadlines"])

YearQ = Annotated[SchoolYear, Query(description="school year, e.g. 2024-2025")]
PROVINCE_PATTERN = r"^[0-9A-Za-z]{1,8}$"
ProvinceQ = Annotated[
    str | None, Query(pattern=PROVINCE_PATTERN, description="province code (mã tỉnh)", examples=["79"])
]
ProvinceP = Annotated[str, Path(pattern=PROVINCE_PATTERN, description="province code (mã tỉnh)")]


def _today() -> date:
    return datetime.now(VN_TZ).date()


@router.get("/deadlines", response_model=CalendarOut, responses=problem_responses(401, 403, 422))
async def calendar(
    p: PrincipalDep, session: SessionDep, school_year: YearQ, province: ProvinceQ = None
) -> CalendarOut:
    """The deadline calendar of a school year: national defaults or the province's own dates."""
    require(p, *READERS)
    check_year(school_year, "/query/school_year")
    repo = DeadlineRepository(session)
    return CalendarOut(
        school_year=school_year,
        province_code=province,
        deadlines=[await repo.deadline(province, school_year, k) for k in AssessmentKind],
    )


@router.put(
    "/deadlines/{school_year}/provinces/{province}/{kind}",
    response_model=CalendarOut,
    responses=problem_responses(401, 403, 422),
)
async def set_province_deadline(
    school_year: SchoolYear,
    province: ProvinceP,
    kind: AssessmentKind,
    body: OverrideIn,
    p: PrincipalDep,
    session: SessionDep,
    scoring: ScoringDep,
) -> CalendarOut:
    """Set a province's on-time deadline (never later than the Ministry's), edit lock date and
    internal milestones for one kind; every date within the school year."""
    check_override(school_year, kind, body)
    if not await covers_province(scoring, p, province, _today()):
        raise Forbidden(
            msg("Chỉ Sở GDĐT của tỉnh được đặt lịch.", "Only the province's department may set it.")
        )
    repo = DeadlineRepository(session)
    await repo.upsert(
        DeadlineOverride(
            province_code=province,
            school_year=school_year,
            kind=kind.value,
            on_time_deadline=body.on_time_deadline,
            edit_lock_date=body.edit_lock_date,
            milestones=[m.model_dump(mode="json") for m in body.milestones],
            updated_by=p.sub,
            updated_at=utcnow(),
        )
    )
    return CalendarOut(
        school_year=school_year,
        province_code=province,
        deadlines=[await repo.deadline(province, school_year, k) for k in AssessmentKind],
    )


def _at_risk_key(s: AtRiskSchool) -> tuple[str, str]:
    # days left are negative once the deadline passed; shifted and zero-padded, the text order of
    # the keys is the list's order (any two dates differ by fewer than 10 million days)
    return f"{s.days_left + 10_000_000:08d}", s.school_code


@router.get("/at-risk", response_model=AtRiskOut, responses=problem_responses(401, 403, 422))
async def at_risk_list(
    p: PrincipalDep,
    session: SessionDep,
    scoring: ScoringDep,
    school_year: YearQ,
    kind: AssessmentKind = AssessmentKind.SELF,
    province: ProvinceQ = None,
    within_days: Annotated[int, Query(ge=0, le=366)] = 14,
    as_of: date | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> AtRiskOut:
    """Schools in scope not yet approved / recognised / delivered within N days of the deadline,
    the closest deadline first."""
    require(p, *READERS)
    check_year(school_year, "/query/school_year")
    out = await at_risk(session, scoring, p, school_year, kind, as_of or _today(), within_days, province)
    out.items, out.next_cursor, out.total = paginate(out.items, cursor, limit, _at_risk_key, arity=2)
    return out


@router.post("/at-risk/announce", response_model=AtRiskOut, responses=problem_responses(401, 403, 422))
async def announce_at_risk(
    p: PrincipalDep,
    session: SessionDep,
    scoring: ScoringDep,
    school_year: YearQ,
    kind: AssessmentKind = AssessmentKind.SELF,
    within_days: Annotated[int, Query(ge=0, le=366)] = 14,
) -> AtRiskOut:
    """Send `deadline.at_risk` to the webhook subscribers of every school at risk today, once per
    school and day (the scheduled job `at-risk-announce` does this daily)."""
    require(p, Role.ADMIN)
    check_year(school_year, "/query/school_year")
    out, _ = await announce(session, scoring, p, school_year, kind, _today(), within_days)
    return out


@router.get("/timeliness", response_model=TimelinessOut, responses=problem_responses(401, 403, 422))
async def timeliness_report(
    p: PrincipalDep,
    session: SessionDep,
    scoring: ScoringDep,
    school_year: YearQ,
    kind: AssessmentKind = AssessmentKind.SELF,
    province: ProvinceQ = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> TimelinessOut:
    """On time, late or missing per school in scope, from CSDL receipt times; the counts cover
    every school, the rows come a page at a time by school code."""
    require(p, *READERS)
    check_year(school_year, "/query/school_year")
    out = await timeliness(session, scoring, p, school_year, kind, province)
    out.items, out.next_cursor, out.total = paginate(out.items, cursor, limit, lambda s: (s.school_code,))
    return out
