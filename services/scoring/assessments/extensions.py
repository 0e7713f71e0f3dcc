"""Reopening a school past the edit lock (gia hạn / mở lại): the province's Sở GDĐT only, as an
explicit act with a reason and an end date. Each grant is a row of `edit_extension` (append-only),
an audit entry on the assessment when it exists, and an `assessment.reopened` event."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.scoring.assessments.models import EditExtension
from services.scoring.assessments.rules import vn_today
from services.scoring.assessments.service import AssessmentService, check_year
from services.scoring.deps import PrincipalDep, RegistryDep, SessionDep
from services.scoring.feed.repository import emit, event
from services.scoring.org.models import OrgUnit, UnitKind
from services.scoring.org.repository import OrgRepository
from services.scoring.org.scope import ancestors
from shared.contracts import AssessmentKind, EventType
from shared.errors import FieldError, Forbidden, SchoolNotFound, Unprocessable, problem_responses
from shared.i18n import msg
from shared.pagination import Cursor, Limit, Page, paginate_ids
from shared.principal import Principal, Role
from shared.requestid import current_request_id

router = APIRouter(prefix="/api/v1/schools/{code}/assessments/{year}", tags=["assessments"])
MAX_DAYS = 366


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
    until: date = Field(description="the last day (Vietnam time) the school may write and submit")


class ExtensionOut(BaseModel):
    id: int
    school_code: str
    school_year: str
    kind: str
    until: date
    reason: str
    granted_by: str
    granted_by_name: str | None


async def _province_officer(session: AsyncSession, p: Principal, code: str) -> bool:
    """An officer (a person) of a Sở above the school's managing unit."""
    if Role.OFFICER not in p.acting_roles:
        return False
    placement = await OrgRepository(session).placement(code)
    if placement is None:
        return False
    mine = [u for u in await ancestors(session, placement.managing_unit_id) if u in p.org_units]
    kinds = (await session.execute(select(col(OrgUnit.kind)).where(col(OrgUnit.id).in_(mine)))).scalars()
    return any(k == UnitKind.DEPARTMENT for k in kinds)


def _check(body: ExtensionIn) -> None:
    today = vn_today()
    if not body.reason.strip() or not today <= body.until <= today + timedelta(days=MAX_DAYS):
        bad = "/reason" if not body.reason.strip() else "/until"
        raise Unprocessable(
            errors=[
                FieldError(
                    pointer=bad,
                    code="reason_required" if bad == "/reason" else "until_out_of_range",
                    message=msg(
                        f"Lý do bắt buộc; ngày kết thúc từ hôm nay đến {MAX_DAYS} ngày sau.",
                        f"A reason is required; the end date is from today to {MAX_DAYS} days ahead.",
                    ),
                )
            ]
        )


@router.post(
    "/{kind}/extensions",
    status_code=201,
    response_model=ExtensionOut,
    responses=problem_responses(403, 404, 422),
)
async def grant_extension(
    code: str,
    year: str,
    kind: Annotated[AssessmentKind, Path()],
    body: ExtensionIn,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
) -> ExtensionOut:
    """Reopen the school past the edit lock until `until` (the province's Sở officer only)."""
    check_year(year)
    svc = AssessmentService(session, registry)
    if await svc.org.school(code, p) is None:
        raise SchoolNotFound()
    if not await _province_officer(session, p, code):
        raise Forbidden(
            msg(
                "Chỉ cán bộ Sở GDĐT của tỉnh được mở lại.", "Only an officer of the province's Sở may reopen."
            ),
            hint="needs a person with the officer role at the Sở (department) above the school",
        )
    _check(body)
    ext = EditExtension(
        school_code=code,
        school_year=year,
        kind=kind.value,
        until=body.until,
        reason=body.reason.strip(),
        granted_by=p.sub,
        granted_by_name=p.name,
        request_id=current_request_id(),
    )
    session.add(ext)
    await session.flush()
    a = await svc.repo.get(p, code, year, kind)
    if a is not None:
        svc.record(p, a, "extension", reason=f"{ext.reason} (until {ext.until.isoformat()})")
        extra: dict[str, Any] = {
            "action": "extension",
            "by": p.sub,
            "reason": ext.reason,
            "until": str(ext.until),
        }
        await emit(session, [event(EventType.ASSESSMENT_REOPENED.value, code, year, a.id, a.version, extra)])
    return ExtensionOut.model_validate(ext, from_attributes=True)


@router.get("/{kind}/extensions", response_model=Page[ExtensionOut], responses=problem_responses(404, 422))
async def list_extensions(
    code: str,
    year: str,
    kind: Annotated[AssessmentKind, Path()],
    p: PrincipalDep,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[ExtensionOut]:
    """Every extension granted to the school for this school year and kind, oldest first."""
    check_year(year)
    if await OrgRepository(session).school(code, p) is None:
        raise SchoolNotFound()
    q = (
        select(EditExtension)
        .where(
            col(EditExtension.school_code) == code,
            col(EditExtension.school_year) == year,
            col(EditExtension.kind) == kind.value,
        )
        .order_by(col(EditExtension.id))
    )
    granted = list((await session.execute(q)).scalars())
    rows, nxt, total = paginate_ids(granted, cursor, limit, lambda e: int(e.id or 0))
    return Page(
        items=[ExtensionOut.model_validate(e, from_attributes=True) for e in rows],
        next_cursor=nxt,
        total=total,
    )
