"""A unit's external-assessment teams (đoàn kiểm tra, đánh giá ngoài) and their schedule."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.scoring.council.audit import (
    check_in_year,
    raise_if,
    save_versioned,
)
from services.scoring.council.models import TeamPlan
from services.scoring.errors import TeamPlanNotFound, UnitNotFound
from services.scoring.org.models import Placement
from services.scoring.org.repository import OrgRepository
from services.scoring.org.scope import placed_at, subtree
from services.scoring.permissions import TEAMS
from services.scoring.teams.schemas import TeamPlanOut, TeamPlanWrite, TeamRole
from shared.errors import FieldError
from shared.i18n import msg
from shared.principal import Principal


def plan_out(t: TeamPlan) -> TeamPlanOut:
    return TeamPlanOut.model_validate(t, from_attributes=True)


def _snapshot(t: TeamPlan | None) -> dict[str, Any]:
    return {} if t is None else plan_out(t).model_dump(mode="json", exclude={"updated_at", "updated_by"})


def _err(pointer: str, code: str, vi: str, en: str) -> FieldError:
    return FieldError(pointer=pointer, code=code, message=msg(vi, en))


class TeamService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.org = OrgRepository(session)

    async def _unit(self, p: Principal, unit_id: str) -> None:
        if await self.org.unit(unit_id, p) is None:
            raise UnitNotFound()

    async def get(self, p: Principal, unit_id: str, year: str) -> TeamPlan:
        await self._unit(p, unit_id)
        t = await self.session.get(TeamPlan, (unit_id, year))
        if t is None:
            raise TeamPlanNotFound()
        return t

    async def _assessed_by(self, unit_id: str, codes: list[str]) -> set[str]:
        """Of `codes`, the schools whose external assessment this unit (or a unit below it) runs."""
        q = select(col(Placement.school_code)).where(
            placed_at(),
            col(Placement.assessing_unit_id).in_(subtree({unit_id})),
            col(Placement.school_code).in_(codes),
        )
        return set((await self.session.execute(q)).scalars())

    async def _errors(self, unit_id: str, year: str, body: TeamPlanWrite) -> list[FieldError | None]:
        out: list[FieldError | None] = [check_in_year(body.decision_date, year, "/decision_date")]
        seen: dict[str, str] = {}
        codes = [a.school_code for t in body.teams for a in t.assignments]
        ours = await self._assessed_by(unit_id, codes)
        for i, team in enumerate(body.teams):
            if [m.role for m in team.members].count(TeamRole.LEAD) != 1:
                out.append(_err(f"/teams/{i}/members", "one_lead", "Mỗi đoàn có đúng một Trưởng đoàn.",
                                "Each team needs exactly one lead."))  # fmt: skip
            for j, a in enumerate(team.assignments):
                at = f"/teams/{i}/assignments/{j}"
                out.append(check_in_year(a.on, year, f"{at}/on"))
                if a.school_code not in ours:
                    out.append(_err(f"{at}/school_code", "school_not_assessed_here",
                                    "Trường không do đơn vị này đánh giá ngoài.",
                                    "This unit does not run this school's external assessment."))  # fmt: skip
                elif a.school_code in seen:
                    out.append(_err(f"{at}/school_code", "school_assigned_twice",
                                    f"Trường đã được phân công cho {seen[a.school_code]}.",
                                    f"The school is already assigned to {seen[a.school_code]}."))  # fmt: skip
                seen.setdefault(a.school_code, team.name)
        return out

    async def put(
        self, p: Principal, unit_id: str, year: str, body: TeamPlanWrite, if_match: str | None
    ) -> tuple[TeamPlan, bool]:
        await self._unit(p, unit_id)
        TEAMS.check(p)  # after the unit's scope: an outsider gets the 404 first
        raise_if(await self._errors(unit_id, year, body))
        t, created = await save_versioned(
            self.session, p, TeamPlan, (unit_id, year), body, if_match, "teams", _snapshot
        )
        return t, created
