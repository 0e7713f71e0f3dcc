"""Dashboard aggregates, computed in SQL and already restricted to the schools the caller may see.

`unit_schools` maps each requested unit to the schools currently managed anywhere in its
subtree (one recursive CTE for the whole batch), so a batch of units costs one query per figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, String, and_, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.scoring.assessments.models import Assessment, CriterionScore, State
from services.scoring.org.models import OrgUnit, Placement, School
from services.scoring.org.scope import placed_at, visible_schools, visible_units
from shared.principal import Principal

FINISHED = {"self": [State.APPROVED.value, State.ACCEPTED.value]}
FINISHED["external"] = [State.CONCLUDED.value, State.RECOGNISED.value]


def unit_schools(p: Principal, roots: Sequence[str]) -> CTE:
    """(root, school_code) for every visible school placed under each root today."""
    base = (
        select(OrgUnit.id.label("root"), OrgUnit.id.label("unit"))
        .where(OrgUnit.id.in_(sorted(set(roots))))
        .cte("tree", recursive=True)
    )
    child = select(base.c.root, OrgUnit.id).where(OrgUnit.parent_id == base.c.unit)
    tree = base.union_all(child)
    return (
        select(tree.c.root, Placement.school_code)
        .join(Placement, Placement.managing_unit_id == tree.c.unit)
        .where(placed_at(), visible_schools(p, Placement.school_code))
        .cte("unit_school")
    )


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

    async def visible_unit_ids(self, p: Principal, ids: Sequence[str]) -> set[str]:
        q = select(OrgUnit.id).where(OrgUnit.id.in_(sorted(set(ids))), visible_units(p, OrgUnit.id))
        found = set((await self.session.execute(q)).scalars())
        if not p.all_orgs and not p.org_units:
            return set()
        return found

    async def school_counts(self, us: CTE) -> dict[str, int]:
        q = select(us.c.root, func.count()).group_by(us.c.root)
        return {r: n for r, n in (await self.session.execute(q)).all()}

    async def state_counts(self, us: CTE, year: str, kind: str) -> list[tuple[str, str, int]]:
        state = func.coalesce(Assessment.state, literal("not_started"))
        q = (
            select(us.c.root, state, func.count())
            .select_from(us)
            .outerjoin(
                Assessment,
                and_(
                    Assessment.school_code == us.c.school_code,
                    Assessment.school_year == year,
                    Assessment.kind == kind,
                ),
            )
            .group_by(us.c.root, state)
        )
        return [(r, s, n) for r, s, n in (await self.session.execute(q)).all()]

    async def level_rows(self, us: CTE, year: str) -> list[tuple[Any, ...]]:
        q = (
            select(
                us.c.root,
                Assessment.kind,
                Assessment.g1_level,
                Assessment.g2_level,
                Assessment.overall_level,
                func.count(),
            )
            .join(Assessment, Assessment.school_code == us.c.school_code)
            .where(Assessment.school_year == year, _finished())
            .group_by(
                us.c.root, Assessment.kind, Assessment.g1_level, Assessment.g2_level, Assessment.overall_level
            )
        )
        return [tuple(r) for r in (await self.session.execute(q)).all()]

    async def criterion_rows(self, us: CTE, year: str) -> list[tuple[Any, ...]]:
        q = (
            select(
                us.c.root,
                Assessment.kind,
                CriterionScore.code,
                func.avg(CriterionScore.points),
                func.count(CriterionScore.points),
            )
            .join(Assessment, Assessment.school_code == us.c.school_code)
            .join(CriterionScore, CriterionScore.assessment_id == Assessment.id)
            .where(Assessment.school_year == year, _finished(), CriterionScore.points.is_not(None))
            .group_by(us.c.root, Assessment.kind, CriterionScore.code)
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
