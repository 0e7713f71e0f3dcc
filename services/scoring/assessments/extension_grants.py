"""Reopening a school past the edit lock (gia hạn / mở lại): the province's Sở GDĐT only, as an
explicit act with a reason and an end date. Each grant is a row of `edit_extension` (append-only),
an audit entry on the assessment when it exists, and an `assessment.reopened` event.
The same officers may revoke a running grant, with a reason: the row records who, when and why,
the assessment's audit gets an entry, and writes past the lock are refused again at once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.scoring.assessments.calendar import extensions_of
from services.scoring.assessments.models import EditExtension
from services.scoring.assessments.rules import vn_today
from services.scoring.assessments.service import AssessmentService, check_year
from services.scoring.errors import ExtensionNotFound
from services.scoring.feed.repository import emit, event
from services.scoring.frameworks.registry import FrameworkRegistry
from services.scoring.org.models import OrgUnit, UnitKind
from services.scoring.org.repository import OrgRepository
from services.scoring.org.scope import ancestors
from services.scoring.permissions import EXTEND
from shared.contracts import AssessmentKind, EventType
from shared.db import utcnow
from shared.errors import Conflict, SchoolNotFound, Unprocessable
from shared.i18n import msg
from shared.principal import Principal, Role
from shared.requestid import current_request_id

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
    revoked_at: datetime | None = Field(None, description="set when revoked: the grant ended then")
    revoked_by: str | None = None
    revoked_by_name: str | None = None
    revoke_reason: str | None = None


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


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
        raise Unprocessable.at(
            bad,
            "reason_required" if bad == "/reason" else "until_out_of_range",
            f"Lý do bắt buộc; ngày kết thúc từ hôm nay đến {MAX_DAYS} ngày sau.",
            f"A reason is required; the end date is from today to {MAX_DAYS} days ahead.",
        )


async def _as_province_officer(
    session: AsyncSession, registry: FrameworkRegistry, p: Principal, code: str, year: str
) -> AssessmentService:
    """The school in the caller's scope (404 first, so an outsider learns nothing), then the
    caller a Sở officer above it (403): who may grant or revoke an extension."""
    check_year(year)
    svc = AssessmentService(session, registry)
    if await svc.org.school(code, p) is None:
        raise SchoolNotFound()
    if not await _province_officer(session, p, code):
        raise EXTEND.refusal(p)
    return svc


async def grant(
    session: AsyncSession,
    registry: FrameworkRegistry,
    p: Principal,
    code: str,
    year: str,
    kind: AssessmentKind,
    body: ExtensionIn,
) -> EditExtension:
    """Reopen the school past the edit lock until `until` (the province's Sở officer only)."""
    svc = await _as_province_officer(session, registry, p, code, year)
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
    return ext


async def granted(
    session: AsyncSession, p: Principal, code: str, year: str, kind: AssessmentKind
) -> list[EditExtension]:
    """Every extension granted to the school for this school year and kind, oldest first."""
    check_year(year)
    if await OrgRepository(session).school(code, p) is None:
        raise SchoolNotFound()
    q = extensions_of(code, year, kind).order_by(col(EditExtension.id))
    return list((await session.execute(q)).scalars())


async def revoke(
    session: AsyncSession,
    registry: FrameworkRegistry,
    p: Principal,
    code: str,
    year: str,
    kind: AssessmentKind,
    extension_id: int,
    body: RevokeIn,
) -> EditExtension:
    """End a running extension now, with a reason (the province's Sở officer only)."""
    svc = await _as_province_officer(session, registry, p, code, year)
    if not body.reason.strip():
        raise Unprocessable.at("/reason", "reason_required", "Lý do bắt buộc.", "A reason is required.")
    ext = await session.get(EditExtension, extension_id)
    if ext is None or (ext.school_code, ext.school_year, ext.kind) != (code, year, kind.value):
        raise ExtensionNotFound()
    # conditional on the row not being revoked yet, and still running: of two revocations one wins
    done = await session.execute(
        update(EditExtension)
        .where(
            col(EditExtension.id) == extension_id,
            col(EditExtension.revoked_at).is_(None),
            col(EditExtension.until) >= vn_today(),
        )
        .values(
            revoked_at=utcnow(), revoked_by=p.sub, revoked_by_name=p.name, revoke_reason=body.reason.strip()
        )
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise Conflict(
            msg(
                "Lần gia hạn này đã kết thúc hoặc đã bị thu hồi.", "This extension has ended or was revoked."
            ),
            code="extension_not_running",
        )
    await session.refresh(ext)
    a = await svc.repo.get(p, code, year, kind)
    if a is not None:
        svc.record(p, a, "extension_revoked", reason=f"{ext.reason} → {ext.revoke_reason}")
    return ext
