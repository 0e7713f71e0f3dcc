"""Folding the SQL aggregates into one summary per requested unit, in request order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.assessments.models import Assessment
from services.scoring.dashboard.repository import DashboardRepository, Filters, unit_schools
from services.scoring.dashboard.schemas import (
    AssessmentBrief,
    CriterionAverage,
    LevelCount,
    SchoolPage,
    SchoolRow,
    UnitSummary,
)
from shared.errors import NotFound
from shared.i18n import msg
from shared.principal import Principal


class UnitNotVisible(NotFound):
    code = "unit_not_found"
    message = msg("Không tìm thấy đơn vị.", "Org unit not found.")


def _brief(a: Assessment | None) -> AssessmentBrief | None:
    if a is None:
        return None
    return AssessmentBrief(
        state=a.state,
        version=a.version,
        g1_points=float(a.g1_points) if a.g1_points is not None else None,
        g1_level=a.g1_level,
        g2_points=float(a.g2_points) if a.g2_points is not None else None,
        g2_level=a.g2_level,
        overall_level=a.overall_level,
    )


class DashboardService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = DashboardRepository(session)

    async def summaries(self, p: Principal, year: str, unit_ids: Sequence[str]) -> list[UnitSummary]:
        """One summary per visible unit of `unit_ids`, in their order; invisible ones are left out."""
        visible = await self.repo.visible_unit_ids(p, unit_ids)
        ids = [u for u in dict.fromkeys(unit_ids) if u in visible]
        if not ids:
            return []
        us = unit_schools(p, ids)
        schools = await self.repo.school_counts(us)
        states: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: {"self": {}, "external": {}})
        for kind in ("self", "external"):
            for root, state, n in await self.repo.state_counts(us, year, kind):
                states[root][kind][state] = n
        levels: dict[str, dict[tuple[str, str, int], int]] = defaultdict(lambda: defaultdict(int))
        for root, kind, g1, g2, overall, n in await self.repo.level_rows(us, year):
            for group, level in (("1", g1), ("2", g2), ("overall", overall)):
                if level is not None:
                    levels[root][(kind, group, int(level))] += n
        criteria: dict[str, list[CriterionAverage]] = defaultdict(list)
        for root, kind, code, avg, n in await self.repo.criterion_rows(us, year):
            criteria[root].append(
                CriterionAverage(kind=kind, code=code, average_points=round(float(avg), 2), assessed=n)
            )
        return [
            UnitSummary(
                unit_id=u,
                year=year,
                schools=schools.get(u, 0),
                self_states=states[u]["self"],
                external_states={k: v for k, v in states[u]["external"].items()},
                levels=[
                    LevelCount(kind=k, group=g, level=lv, count=n)
                    for (k, g, lv), n in sorted(levels[u].items())
                ],
                criteria=sorted(criteria[u], key=lambda c: (c.kind, c.code)),
            )
            for u in ids
        ]

    async def summary(self, p: Principal, year: str, unit_id: str) -> UnitSummary:
        out = await self.summaries(p, year, [unit_id])
        if not out:
            raise UnitNotVisible()
        return out[0]

    async def schools(self, p: Principal, year: str, f: Filters, after: str | None, limit: int) -> SchoolPage:
        rows = await self.repo.schools(p, year, f, after, limit)
        items = [
            SchoolRow(
                code=s.code,
                name=s.name,
                levels=list(s.levels),
                managing_unit_id=m,
                self_assessment=_brief(a),
                external_assessment=_brief(e),
            )
            for s, m, a, e in rows
        ]
        return SchoolPage(items=items, next_cursor=items[-1].code if len(items) == limit else None)
