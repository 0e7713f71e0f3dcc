"""Folding the SQL aggregates into one summary per requested unit, in request order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.assessments.models import Assessment
from services.scoring.dashboard.repository import DashboardRepository, Filters
from services.scoring.dashboard.schemas import (
    AssessmentBrief,
    CriterionAverage,
    LevelCount,
    SchoolPage,
    SchoolRow,
    UnitSummary,
)
from services.scoring.errors import UnitNotFound
from shared.pagination import trim
from shared.principal import Principal


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


@dataclass
class _Acc:
    """One root's figures, added up over the units of its subtree."""

    schools: int = 0
    states: dict[str, defaultdict[str, int]] = field(
        default_factory=lambda: {"self": defaultdict(int), "external": defaultdict(int)}
    )
    levels: defaultdict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    points: defaultdict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    counts: defaultdict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def summary(self, unit_id: str, year: str) -> UnitSummary:
        return UnitSummary(
            unit_id=unit_id,
            school_year=year,
            year=year,
            schools=self.schools,
            self_states=dict(self.states["self"]),
            external_states=dict(self.states["external"]),
            levels=[
                LevelCount(kind=k, group=g, level=lv, count=n)
                for (k, g, lv), n in sorted(self.levels.items())
            ],
            criteria=[
                CriterionAverage(
                    kind=k, code=c, average_points=round(float(self.points[(k, c)] / n), 2), assessed=n
                )
                for (k, c), n in sorted(self.counts.items())
                if n
            ],
        )


class DashboardService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = DashboardRepository(session)

    async def summaries(self, p: Principal, year: str, unit_ids: Sequence[str]) -> list[UnitSummary]:
        """One summary per visible unit of `unit_ids`, in their order; invisible ones are left out."""
        tree = await self.repo.unit_tree(p, unit_ids)
        roots_of: dict[str, list[str]] = defaultdict(list)  # unit → the requested roots above it
        for root, unit in tree:
            roots_of[unit].append(root)
        ids = [u for u in dict.fromkeys(unit_ids) if u in {r for r, _ in tree}]
        if not ids:
            return []
        units = sorted(roots_of)
        acc = {u: _Acc() for u in ids}
        for unit, n in await self.repo.school_counts(units):
            for r in roots_of[unit]:
                acc[r].schools += n
        for kind in ("self", "external"):
            for unit, state, n in await self.repo.state_counts(units, year, kind):
                for r in roots_of[unit]:
                    acc[r].states[kind][state] += n
        for unit, kind, g1, g2, overall, n in await self.repo.level_rows(units, year):
            for r in roots_of[unit]:
                for group, level in (("1", g1), ("2", g2), ("overall", overall)):
                    if level is not None:
                        acc[r].levels[(kind, group, int(level))] += n
        for unit, kind, code, total, n in await self.repo.criterion_rows(units, year):
            for r in roots_of[unit]:
                acc[r].points[(kind, code)] += Decimal(total)
                acc[r].counts[(kind, code)] += n
        return [acc[u].summary(u, year) for u in ids]

    async def summary(self, p: Principal, year: str, unit_id: str) -> UnitSummary:
        out = await self.summaries(p, year, [unit_id])
        if not out:
            raise UnitNotFound()
        return out[0]

    async def schools(self, p: Principal, year: str, f: Filters, after: str | None, limit: int) -> SchoolPage:
        found = await self.repo.schools(p, year, f, after, limit + 1)
        rows, nxt = trim(found, limit, lambda r: (r[0].code,))
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
        return SchoolPage(items=items, next_cursor=nxt)
