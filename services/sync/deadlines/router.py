"""Deadline calendar, at-risk list and timeliness."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.sync.deadlines.announcements import announce
from services.sync.deadlines.calendar import VN_TZ
from services.sync.deadlines.rules import check_year
from services.sync.deadlines.schemas import AtRiskOut, AtRiskSchool, CalendarOut, OverrideIn, TimelinessOut
from services.sync.deadlines.service import DeadlineService
from services.sync.deps import ScoringDep, SessionDep
from services.sync.permissions import CalendarSetter, SyncAdmin, SyncReader
from shared.contracts import AssessmentKind, SchoolYear
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit, paginate

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
    p: SyncReader, session: SessionDep, scoring: ScoringDep, school_year: YearQ, province: ProvinceQ = None
) -> CalendarOut:
    """The deadline calendar of a school year: national defaults or the province's own dates."""
    check_year(school_year, "/query/school_year")
    return await DeadlineService(session, scoring).calendar(school_year, province)


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
    p: CalendarSetter,
    session: SessionDep,
    scoring: ScoringDep,
) -> CalendarOut:
    """Set a province's on-time deadline (never later than the Ministry's), edit lock date and
    internal milestones for one kind; every date within the school year."""
    return await DeadlineService(session, scoring).set_province_deadline(
        p, school_year, province, kind, body, _today()
    )


def _at_risk_key(s: AtRiskSchool) -> tuple[str, str]:
    # days left are negative once the deadline passed; shifted and zero-padded, the text order of
    # the keys is the list's order (any two dates differ by fewer than 10 million days)
    return f"{s.days_left + 10_000_000:08d}", s.school_code


@router.get("/at-risk", response_model=AtRiskOut, responses=problem_responses(401, 403, 422))
async def at_risk_list(
    p: SyncReader,
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
    check_year(school_year, "/query/school_year")
    out = await DeadlineService(session, scoring).at_risk(
        p, school_year, kind, as_of or _today(), within_days, province
    )
    out.items, out.next_cursor, out.total = paginate(out.items, cursor, limit, _at_risk_key, arity=2)
    return out


@router.post("/at-risk/announce", response_model=AtRiskOut, responses=problem_responses(401, 403, 422))
async def announce_at_risk(
    p: SyncAdmin,
    session: SessionDep,
    scoring: ScoringDep,
    school_year: YearQ,
    kind: AssessmentKind = AssessmentKind.SELF,
    within_days: Annotated[int, Query(ge=0, le=366)] = 14,
) -> AtRiskOut:
    """Send `deadline.at_risk` to the webhook subscribers of every school at risk today, once per
    school and day (the scheduled job `at-risk-announce` does this daily)."""
    check_year(school_year, "/query/school_year")
    out, _ = await announce(session, scoring, p, school_year, kind, _today(), within_days)
    return out


@router.get("/timeliness", response_model=TimelinessOut, responses=problem_responses(401, 403, 422))
async def timeliness_report(
    p: SyncReader,
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
    check_year(school_year, "/query/school_year")
    out = await DeadlineService(session, scoring).timeliness(p, school_year, kind, province)
    out.items, out.next_cursor, out.total = paginate(out.items, cursor, limit, lambda s: (s.school_code,))
    return out
