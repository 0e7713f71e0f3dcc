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
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String, and_, case, cast, func, literal, null, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.scoring.assessments.models import Assessment, CriterionScore, State
from services.scoring.org.models import OrgUnit, Placement, School
from services.scoring.org.scope import placed_at, visible_schools, visible_units
from shared.contracts import SchoolLevel
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
    code: str | None = None  # one school (a GraphQL node refetched by its id)


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
            .where(*_finished_under(units, year))
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
                *_finished_under(units, year),
                CriterionScore.points.is_not(None),
            )
            .group_by(Placement.managing_unit_id, Assessment.kind, CriterionScore.code)
        )
        return [tuple(r) for r in (await self.session.execute(q)).all()]

    async def dimension_counts(self, units: list[str], dim: str) -> list[tuple[str, str, int]]:
        """(unit, value, schools) of a school dimension: `school_level` (a school of two levels
        counts under each) or `ownership`."""
        value, joined = _dimension(dim)
        q = (
            joined(select(Placement.managing_unit_id, value, func.count()).select_from(Placement))
            .where(Placement.managing_unit_id.in_(units), placed_at())
            .group_by(Placement.managing_unit_id, value)
        )
        return [(u, v, n) for u, v, n in (await self.session.execute(q)).all()]

    async def dimension_levels(self, units: list[str], year: str, dim: str) -> list[tuple[Any, ...]]:
        """(unit, value, kind, group 1 level, group 2 level, overall level, count) of finished
        assessments, per value of the dimension."""
        value, joined = _dimension(dim)
        levels = (Assessment.g1_level, Assessment.g2_level, Assessment.overall_level)
        q = (
            joined(
                select(Placement.managing_unit_id, value, Assessment.kind, *levels, func.count()).select_from(
                    Placement
                )
            )
            .join(Assessment, Assessment.school_code == Placement.school_code)
            .where(*_finished_under(units, year))
            .group_by(Placement.managing_unit_id, value, Assessment.kind, *levels)
        )
        return [tuple(r) for r in (await self.session.execute(q)).all()]

    async def frameworks_used(self, units: list[str], year: str) -> list[str]:
        """The framework versions the finished assessments under the units are scored with."""
        q = (
            select(Assessment.framework)
            .join(Placement, Placement.school_code == Assessment.school_code)
            .where(*_finished_under(units, year))
            .distinct()
        )
        return sorted(str(f) for f in (await self.session.execute(q)).scalars())

    async def item_rows(
        self, units: list[str], year: str, maxima: dict[tuple[str, str], Decimal]
    ) -> list[tuple[Any, ...]]:
        """(unit, kind, item, assessed, awarded any points, awarded the item's full points) over
        finished assessments. Each item's points are read from the stored result (`result.items`,
        code → [cap, points]) by the database's own JSON functions; `maxima` is the item's full
        points per (framework, item)."""
        dialect = self.session.bind.dialect.name if self.session.bind is not None else "sqlite"
        if dialect == "postgresql":
            each = func.json_each(Assessment.result["items"]).table_valued("key", "value")
            points = cast(func.json_extract_path_text(each.c.value, "1"), Numeric(7, 2))
        else:
            each = func.json_each(Assessment.result, "$.items").table_valued("key", "value")
            points = cast(func.json_extract(each.c.value, "$[1]"), Numeric(7, 2))
        whens = [
            (and_(Assessment.framework == fw, each.c.key == code), top) for (fw, code), top in maxima.items()
        ]
        full_at = case(*whens, else_=null()) if whens else cast(null(), Numeric(7, 2))
        q = (
            select(
                Placement.managing_unit_id,
                Assessment.kind,
                each.c.key,
                func.count(),
                func.sum(case((points > 0, 1), else_=0)),
                func.sum(case((and_(points > 0, points >= full_at), 1), else_=0)),
            )
            .select_from(Placement)
            .join(Assessment, Assessment.school_code == Placement.school_code)
            .join(each, true())
            .where(*_finished_under(units, year))
            .group_by(Placement.managing_unit_id, Assessment.kind, each.c.key)
        )
        return [
            (u, k, c, n, int(a or 0), int(f or 0))
            for u, k, c, n, a, f in (await self.session.execute(q)).all()
        ]

    async def schools(
        self, p: Principal, year: str, f: Filters, after: str | None, limit: int
    ) -> list[tuple[School, str | None, Assessment | None, Assessment | None]]:
        q = _filtered_schools(p, year, f)
        if after is not None:
            q = q.where(School.code > after)
        rows = await self.session.execute(q.order_by(School.code).limit(limit))
        return [(s, m, a, e) for s, m, a, e in rows.all()]

    async def count_schools(self, p: Principal, year: str, f: Filters) -> int:
        """How many schools the filter matches, all pages together: one COUNT in SQL."""
        q = select(func.count()).select_from(_filtered_schools(p, year, f).subquery())
        return int((await self.session.execute(q)).scalar_one())


def _filtered_schools(p: Principal, year: str, f: Filters) -> Any:
    """The caller's visible schools with their assessments of the year, the filter applied."""
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
    if f.code is not None:
        q = q.where(School.code == f.code)
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
    return q


def _units_under(unit: str) -> Any:
    """`unit` and every unit below it (named apart from the scope's own subtree CTE)."""
    base = select(OrgUnit.id.label("id")).where(OrgUnit.id == unit).cte("filter_tree", recursive=True)
    tree = base.union(select(OrgUnit.id).where(OrgUnit.parent_id == base.c.id))
    return select(tree.c.id)


def _school_levels() -> Any:
    """The school levels as a one-column table (a literal UNION: both backends read it)."""
    rows = [select(literal(sl.value, String).label("code")) for sl in SchoolLevel]
    return union_all(*rows).subquery("school_levels")


def _dimension(dim: str) -> tuple[Any, Any]:
    """(the dimension's column, a function joining what it needs onto a query over Placement)."""
    if dim == "ownership":
        return School.ownership, lambda q: q.join(School, School.code == Placement.school_code)
    levels = _school_levels()
    # levels is a JSON list; its text holds each code quoted, so "TH" never matches "THCS"
    pattern = literal('%"') + levels.c.code + literal('"%')
    return levels.c.code, lambda q: q.join(School, School.code == Placement.school_code).join(
        levels, cast(School.levels, String).like(pattern)
    )


def _finished_under(units: list[str], year: str) -> tuple[Any, ...]:
    """The year's finished assessments of the schools the units manage now: what every aggregate
    of the summary counts."""
    return (Placement.managing_unit_id.in_(units), placed_at(), Assessment.school_year == year, _finished())


def _finished() -> Any:
    return ((Assessment.kind == "self") & Assessment.state.in_(FINISHED["self"])) | (
        (Assessment.kind == "external") & Assessment.state.in_(FINISHED["external"])
    )
