"""The school's self-assessment council: who may see and change it, and its composition rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.scoring.council.audit import (
    audit,
    check_in_year,
    check_version,
    flush_new,
    raise_if,
    update_if_version,
)
from services.scoring.council.models import Council
from services.scoring.council.schemas import CouncilOut, CouncilRole, CouncilWrite
from services.scoring.org.repository import OrgRepository
from services.scoring.permissions import SCHOOL_RECORDS
from shared.db import utcnow
from shared.errors import FieldError, NotFound, SchoolNotFound
from shared.i18n import msg
from shared.principal import Principal


class CouncilNotFound(NotFound):
    code = "council_not_found"
    message = msg(
        "Trường chưa khai báo hội đồng tự đánh giá năm học này.", "No council recorded for this year."
    )


def composition_errors(body: CouncilWrite) -> list[FieldError | None]:
    """One chair (the head chairs the council) and at least one secretary, who keeps the minutes."""
    roles = [m.role for m in body.members]
    out: list[FieldError | None] = []
    if roles.count(CouncilRole.CHAIR) != 1:
        out.append(
            FieldError(
                pointer="/members",
                code="one_chair",
                message=msg("Hội đồng phải có đúng một Chủ tịch.", "The council needs exactly one chair."),
            )
        )
    if CouncilRole.SECRETARY not in roles:
        out.append(
            FieldError(
                pointer="/members",
                code="secretary_required",
                message=msg("Hội đồng phải có Thư ký.", "The council needs a secretary."),
            )
        )
    return out


def council_out(c: Council) -> CouncilOut:
    return CouncilOut.model_validate(c, from_attributes=True)


def _snapshot(c: Council | None) -> dict[str, Any]:
    return {} if c is None else council_out(c).model_dump(mode="json", exclude={"updated_at", "updated_by"})


class CouncilService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.org = OrgRepository(session)

    async def get(self, p: Principal, code: str, year: str) -> Council:
        if await self.org.school(code, p) is None:
            raise SchoolNotFound()
        c = await self.session.get(Council, (code, year))
        if c is None:
            raise CouncilNotFound()
        return c

    async def put(
        self, p: Principal, code: str, year: str, body: CouncilWrite, if_match: str | None
    ) -> tuple[Council, bool]:
        if await self.org.school(code, p) is None:
            raise SchoolNotFound()
        SCHOOL_RECORDS.check(p)  # after the school's scope: an outsider gets the 404 first
        raise_if([*composition_errors(body), check_in_year(body.decision_date, year, "/decision_date")])
        c = await self.session.get(Council, (code, year))
        check_version(if_match, c.version if c else None)
        before = _snapshot(c)
        data = body.model_dump(mode="json")
        created = c is None
        if c is None:
            c = Council(school_code=code, school_year=year, updated_by=p.sub, **data)
            c.decision_date = body.decision_date
            self.session.add(c)
            await flush_new(self.session)
        else:
            key = [col(Council.school_code) == code, col(Council.school_year) == year]
            values = {
                **data,
                "decision_date": body.decision_date,
                "updated_by": p.sub,
                "updated_at": utcnow(),
            }
            await update_if_version(self.session, Council, key, c.version, values)
            await self.session.refresh(c)
        audit(self.session, p, "council", code, year, before, _snapshot(c))
        return c, created
