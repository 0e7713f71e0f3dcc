"""The analytics queries: year on year, transitions, self versus external, good models. Every one
aggregates in SQL over the schools managed below a unit the caller may see (the service resolves
the unit's subtree through the dashboard's scoped CTE) or, for rankings, over the schools the
caller may see. Only finished assessments count, as on the dashboard: a self-assessment once
approved, an external one once concluded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.scoring.assessments.models import Assessment, CriterionScore
from services.scoring.dashboard.repository import FINISHED
from services.scoring.org.models import OrgUnit, Placement, School
from services.scoring.org.scope import placed_at, visible_schools
from shared.principal import Principal

Cur = aliased(Assessment, name="cur_a")
Prev = aliased(Assessment, name="prev_a")
SelfA = aliased(Assessment, name="self_a")
ExtA = aliased(Assessment, name="ext_a")


def finished(a: Any, kind: str) -> ColumnElement[bool]:
    return and_(a.kind == kind, a.state.in_(FINISHED[kind]))


def level_col(a: Any, group: str) -> Any:
    return {"1": a.g1_level, "2": a.g2_level, "overall": a.overall_level}[group]


def points_col(a: Any, group: str) -> Any:
    return {"1": a.g1_points, "2": a.g2_points}[group]


def units_under(unit: str) -> Any:
    base = select(OrgUnit.id.label("id")).where(OrgUnit.id == unit).cte("insights_tree", recursive=True)
    return select(base.union(select(OrgUnit.id).where(OrgUnit.parent_id == base.c.id)).c.id)


class InsightsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def year_on_year(
        self, units: list[str], year: str, prev: str, kind: str, after: str | None, limit: int
    ) -> list[Any]:
        """Per school with a finished assessment this year: this year's and last year's figures."""
        q = _year_on_year(units, year, prev, kind)
        if after is not None:
            q = q.where(School.code > after)
        return list((await self.session.execute(q.order_by(School.code).limit(limit))).all())

    async def year_on_year_count(self, units: list[str], year: str, prev: str, kind: str) -> int:
        """How many schools `year_on_year` lists on all its pages: one COUNT over the same query."""
        q = select(func.count()).select_from(_year_on_year(units, year, prev, kind).subquery())
        return int((await self.session.execute(q)).scalar_one())

    async def transitions(
        self, units: list[str], year: str, prev: str, kind: str, group: str
    ) -> list[tuple[int | None, int | None, int]]:
        """(last year's level or None, this year's level, schools): one GROUP BY."""
        frm, to = level_col(Prev, group), level_col(Cur, group)
        q = (
            select(frm, to, func.count())
            .select_from(Placement)
            .join(
                Cur,
                and_(Cur.school_code == Placement.school_code, Cur.school_year == year, finished(Cur, kind)),
            )
            .outerjoin(
                Prev,
                and_(
                    Prev.school_code == Placement.school_code, Prev.school_year == prev, finished(Prev, kind)
                ),
            )
            .where(Placement.managing_unit_id.in_(units), placed_at())
            .group_by(frm, to)
        )
        return [(f, t, n) for f, t, n in (await self.session.execute(q)).all()]

    def _pairs(self, units: list[str], year: str) -> Any:
        return (
            select(Placement.school_code)
            .join(SelfA, and_(SelfA.school_code == Placement.school_code, SelfA.school_year == year))
            .join(ExtA, and_(ExtA.school_code == Placement.school_code, ExtA.school_year == year))
            .where(
                Placement.managing_unit_id.in_(units),
                placed_at(),
                finished(SelfA, "self"),
                finished(ExtA, "external"),
            )
        )

    async def criterion_gaps(self, units: list[str], year: str) -> list[tuple[str, int, Decimal, int]]:
        """(criterion, schools, mean of self − external, schools whose self exceeds external)."""
        sc, ec = aliased(CriterionScore, name="sc"), aliased(CriterionScore, name="ec")
        diff = sc.points - ec.points
        q = (
            self._pairs(units, year)
            .with_only_columns(
                sc.code, func.count(), func.avg(diff), func.sum(case((sc.points > ec.points, 1), else_=0))
            )
            .join(sc, sc.assessment_id == SelfA.id)
            .join(ec, and_(ec.assessment_id == ExtA.id, ec.code == sc.code))
            .where(sc.points.is_not(None), ec.points.is_not(None))
            .group_by(sc.code)
            .order_by(sc.code)
        )
        return [(c, n, Decimal(str(m)), int(k or 0)) for c, n, m, k in (await self.session.execute(q)).all()]

    async def group_gaps(self, units: list[str], year: str, group: str) -> tuple[int, Decimal | None, int]:
        s, e = points_col(SelfA, group), points_col(ExtA, group)
        q = self._pairs(units, year).with_only_columns(
            func.count(), func.avg(s - e), func.sum(case((s > e, 1), else_=0))
        )
        n, m, k = (await self.session.execute(q)).one()
        return n, None if m is None else Decimal(str(m)), int(k or 0)

    async def unit_group_sums(
        self, units: list[str], year: str, group: str
    ) -> list[tuple[str, int, Decimal, int]]:
        """(managing unit, schools, sum of self − external, schools whose self is higher) of a
        group's points: sums, so a unit's figures are its subtree's units added up."""
        s, e = points_col(SelfA, group), points_col(ExtA, group)
        q = (
            self._pairs(units, year)
            .with_only_columns(
                Placement.managing_unit_id, func.count(), func.sum(s - e), func.sum(case((s > e, 1), else_=0))
            )
            .where(s.is_not(None), e.is_not(None))
            .group_by(Placement.managing_unit_id)
        )
        return [(u, n, Decimal(str(t)), int(k or 0)) for u, n, t, k in (await self.session.execute(q)).all()]

    async def children(self, unit_id: str) -> list[tuple[str, str]]:
        """(id, name) of the unit's child units, by id."""
        q = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.parent_id == unit_id).order_by(OrgUnit.id)
        return [(i, n) for i, n in (await self.session.execute(q)).all()]

    async def differences(self, units: list[str], year: str) -> list[tuple[str, str, Decimal]]:
        """(criterion or group, school, self − external) per school: the input of the robust test."""
        sc, ec = aliased(CriterionScore, name="sc"), aliased(CriterionScore, name="ec")
        q = (
            self._pairs(units, year)
            .with_only_columns(sc.code, Placement.school_code, sc.points - ec.points)
            .join(sc, sc.assessment_id == SelfA.id)
            .join(ec, and_(ec.assessment_id == ExtA.id, ec.code == sc.code))
            .where(sc.points.is_not(None), ec.points.is_not(None))
        )
        rows = [(c, s, Decimal(str(d))) for c, s, d in (await self.session.execute(q)).all()]
        for g in ("1", "2"):
            gq = self._pairs(units, year).with_only_columns(
                Placement.school_code, points_col(SelfA, g) - points_col(ExtA, g)
            )
            rows += [
                (g, s, Decimal(str(d))) for s, d in (await self.session.execute(gq)).all() if d is not None
            ]
        return rows

    async def ranking(
        self,
        p: Principal,
        province: str,
        year: str,
        kind: str,
        group: str,
        level: str | None,
        unit: str | None,
        after: tuple[int, str] | None,
        limit: int,
    ) -> list[Any]:
        """Schools ranked by the group's points, ties sharing a rank (RANK, so 1, 1, 3), from after
        (rank, code)."""
        a = aliased(Assessment, name="rank_a")
        pts = points_col(a, group)
        rank = func.rank().over(order_by=pts.desc()).label("rank")
        total = func.count().over().label("total")  # the ranked set's size, in the same scan
        q = (
            select(
                rank, School.code, School.name, pts, level_col(a, group), Placement.managing_unit_id, total
            )
            .select_from(School)
            .join(a, and_(a.school_code == School.code, a.school_year == year, finished(a, kind)))
            .outerjoin(Placement, and_(Placement.school_code == School.code, placed_at()))
            .where(School.province_code == province, visible_schools(p, School.code), pts.is_not(None))
        )
        if level is not None:
            # levels is a JSON list; its text holds each code quoted, so "TH" never matches "THCS"
            q = q.where(cast(School.levels, String).like(f'%"{level}"%'))
        if unit is not None:
            q = q.where(Placement.managing_unit_id.in_(units_under(unit)))
        # the rank is taken over the whole filtered set, so a page is cut outside the window
        ranked = q.subquery()
        page = select(*ranked.c)
        if after is not None:
            r, code = after
            page = page.where(or_(ranked.c.rank > r, and_(ranked.c.rank == r, ranked.c.code > code)))
        page = page.order_by(ranked.c.rank, ranked.c.code).limit(limit)
        return list((await self.session.execute(page)).all())


def _year_on_year(units: list[str], year: str, prev: str, kind: str) -> Any:
    """The schools the units manage with a finished assessment this year, beside last year's."""
    return (
        select(
            School.code,
            School.name,
            Cur.g1_points,
            Cur.g1_level,
            Prev.g1_points,
            Prev.g1_level,
            Cur.g2_points,
            Cur.g2_level,
            Prev.g2_points,
            Prev.g2_level,
            Cur.g1_points - Prev.g1_points,
            Cur.g2_points - Prev.g2_points,
        )
        .select_from(Placement)
        .join(School, School.code == Placement.school_code)
        .join(Cur, and_(Cur.school_code == School.code, Cur.school_year == year, finished(Cur, kind)))
        .outerjoin(
            Prev, and_(Prev.school_code == School.code, Prev.school_year == prev, finished(Prev, kind))
        )
        .where(Placement.managing_unit_id.in_(units), placed_at())
    )
