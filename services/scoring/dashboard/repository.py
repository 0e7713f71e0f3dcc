"""Dashboard aggregates, computed in SQL and already restricted to what the caller may see.

`unit_tree` resolves each requested unit the caller may see to the units of its subtree (one
recursive CTE for the whole batch; the scope is applied to the roots inside the query, and every
school managed below a visible root is visible). The figures are then grouped by managing unit
over an explicit list of units, which the planner estimates well on both backends; the service
adds the units of each root up (counts and sums are additive, averages are sum / count).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.scoring.assessments.models import Assessment, CriterionScore, State
from services.scoring.org.models import OrgUnit, Placement, School
from services.scoring.org.scope import placed_at, visible_schools, visible_units
from shared.principal import Principal

FINISHED = {"self": [State.APPROVED.value, State.ACCEPTED.value]}
FINISHED["external"] = [State.CONCLUDED.value, State.RECOGNISED.value]


@dataclass
class Filters:
    unit: str | None = None
    level: str | None = None  # school level: MN, TH, THCS, THPT, ...
    state: str | None = None  # of the self-assessment; `not_started` for none
    external_state: str | None = None
    g1_level: int | None = None
    g2_level: int | None = None


class DashboardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unit_tree(self, p: Principal, roots: Sequence[str]) -> list[tuple[str, str]]:
        """(root, unit) for each root the caller may see and every unit in its subtree."""
        base = (
            select(OrgUnit.id.label("root"), OrgUnit.id.label("unit"))
            .where(OrgUnit.id.in_(sorted(set(roots))), visible_units(p, OrgUnit.id))
            .cte("tree", recursive=True)
        )
        child = select(base.c.root, OrgUnit.id).where(OrgUnit.parent_id == base.c.unit)
        tree = base.union_all(child)
        rows = await self.session.execute(select(tree.c.root, tree.c.unit))
        return [(r, u) for r, u in rows.all()]

    async def school_counts(self, units: list[str]) -> list[tuple[str, int]]:
        q = (
            select(Placement.managing_unit_id, func.count())
            .where(Placement.managing_unit_id.in_(units), placed_at())
            .group_by(Placement.managing_unit_id)
        )
        return [(u, n) for u, n in (await self.session.execute(q)).all()]

    async def state_counts(self, units: list[str], year: str, kind: str) -> list[tuple[str, str, int]]:
        state = func.coalesce(Assessment.state, literal("not_started"))
        q = (
            select(Placement.managing_unit_id, state, func.count())
            .outerjoin(
                Assessment,
                and_(
                    Assessment.school_code == Placement.school_code,
                    Assessment.school_year == year,
                    Assessment.kind == kind,
                ),
            )
            .where(Placement.managing_unit_id.in_(units), placed_at())
            .group_by(Placement.managing_unit_id, state)
        )
        return [(u, st, n) for u, st, n in (await self.session.execute(q)).all()]

    async def level_rows(self, units: list[str], year: str) -> list[tuple[Any, ...]]:
        """(unit, kind, group 1 level, group 2 level, overall level, count) of finished assessments."""
        levels = (Assessment.g1_level, Assessment.g2_level, Assessment.overall_level)
        q = (
            select(Placement.managing_unit_id, Assessment.kind, *levels, func.count())
            .join(Assessment, Assessment.school_code == Placement.school_code)
            .where(
                Placement.managing_unit_id.in_(units),
                placed_at(),
                Assessment.school_year == year,
                _finished(),
            )
            .group_by(Placement.managing_unit_id, Assessment.kind, *levels)
        )
        return [tuple(r) for r in (await self.session.execute(q)).all()]

    async def criterion_rows(self, units: list[str], year: str) -> list[tuple[Any, ...]]:
        """(unit, kind, criterion, sum of points, count) over finished assessments."""
        q = (
            select(
                Placement.managing_unit_id,
                Assessment.kind,
                CriterionScore.code,
                func.sum(CriterionScore.points),
                func.count(CriterionScore.points),
            )
            .join(Assessment, Assessment.school_code == Placement.school_code)
            .join(CriterionScore, CriterionScore.assessment_id == Assessment.id)
            .where(
                Placement.managing_unit_id.in_(units),
                placed_at(),
                Assessment.school_year == year,
                _finished(),
                CriterionScore.points.is_not(None),
            )
            .group_by(Placement.managing_unit_id, Assessment.kind, CriterionScore.code)
        )
        return [tuple(r) for r in (await self.session.execute(q)).all()]

    async def schools(
        self, p: Principal, year: str, f: Filters, after: str | None, limit: int
    ) -> list[tuple[School, str | None, Assessment | None, Assessment | None]]:
        sa_, ea = aliased(Assessment, name="self_a"), aliased(Assessment, name="ext_a")
        q = (
            select(School, Placement.managing_unit_id, sa_, ea)
            .outerjoin(Placement, and_(Placement.school_code == School.code, placed_at()))
            .outerjoin(sa_, and_(sa_.school_code == School.code, sa_.school_year == year, sa_.kind == "self"))
            .outerjoin(ea, and_(ea.school_code == School.code, ea.school_year == year, ea.kind == "external"))
            .where(visible_schools(p, School.code))
        )
        if f.unit is not None:
            q = q.where(Placement.managing_unit_id.in_(_units_under(f.unit)))
        if f.level is not None:
            # levels is a JSON list; its text holds each code quoted, so "TH" never matches "THCS"
            q = q.where(cast(School.levels, String).like(f'%"{f.level}"%'))
        for col, want in ((sa_.state, f.state), (ea.state, f.external_state)):
            if want == "not_started":
                q = q.where(col.is_(None))
            elif want is not None:
                q = q.where(col == want)
        if f.g1_level is not None:
            q = q.where(sa_.g1_level == f.g1_level)
        if f.g2_level is not None:
            q = q.where(sa_.g2_level == f.g2_level)
        if after is not None:
            q = q.where(School.code > after)
        rows = await self.session.execute(q.order_by(School.code).limit(limit))
        return [(s, m, a, e) for s, m, a, e in rows.all()]


def _units_under(unit: str) -> Any:
    """`unit` and every unit below it (named apart from the scope's own subtree CTE)."""
    base = select(OrgUnit.id.label("id")).where(OrgUnit.id == unit).cte("filter_tree", recursive=True)
    tree = base.union(select(OrgUnit.id).where(OrgUnit.parent_id == base.c.id))
    return select(tree.c.id)


def _finished() -> Any:
    return ((Assessment.kind == "self") & Assessment.state.in_(FINISHED["self"])) | (
        (Assessment.kind == "external") & Assessment.state.in_(FINISHED["external"])
    )
