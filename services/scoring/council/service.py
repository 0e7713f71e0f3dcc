"""The school's self-assessment council: who may see and change it, and its composition rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.council.audit import (
    check_in_year,
    raise_if,
    save_versioned,
)
from services.scoring.council.models import Council
from services.scoring.council.schemas import CouncilOut, CouncilRole, CouncilWrite
from services.scoring.errors import CouncilNotFound
from services.scoring.org.repository import OrgRepository
from services.scoring.permissions import SCHOOL_RECORDS
from shared.errors import FieldError, SchoolNotFound
from shared.i18n import msg
from shared.principal import Principal


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
        c, created = await save_versioned(
            self.session, p, Council, (code, year), body, if_match, "council", _snapshot
        )
        return c, created
