"""The queries behind publication and the roster: one round trip per page, joined in SQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.scoring.assessments.models import Assessment, State
from services.scoring.council.models import PublicationLink
from services.scoring.org.models import OrgUnit, Placement, School
from services.scoring.org.scope import placed_at, subtree, visible_schools
from shared.principal import Principal

SchoolLink = aliased(PublicationLink)
UnitLink = aliased(PublicationLink)
Self = aliased(Assessment)
External = aliased(Assessment)


def _link(alias: type[PublicationLink], kind: str, subject: object, year: str) -> object:
    return and_(alias.subject_kind == kind, alias.subject_id == subject, alias.school_year == year)


def _open_on(as_of: date) -> object:
    return and_(
        (School.opened_on.is_(None)) | (School.opened_on <= as_of),  # type: ignore[union-attr,operator]
        (School.closed_on.is_(None)) | (School.closed_on > as_of),  # type: ignore[union-attr,operator]
    )


class PublicationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def recognised(
        self, province: str, year: str, after: str | None, limit: int
    ) -> list[tuple[Assessment, School, OrgUnit | None, str | None, str | None]]:
        """Recognised external results of a province and year, with the publication links."""
        q = (
            select(Assessment, School, OrgUnit, SchoolLink.url, UnitLink.url)
            .join(School, School.code == Assessment.school_code)
            .outerjoin(Placement, (Placement.school_code == School.code) & placed_at())
            .outerjoin(OrgUnit, OrgUnit.id == Placement.managing_unit_id)
            .outerjoin(SchoolLink, _link(SchoolLink, "school", School.code, year))  # type: ignore[arg-type]
            .outerjoin(UnitLink, _link(UnitLink, "unit", OrgUnit.id, year))  # type: ignore[arg-type]
            .where(School.province_code == province, Assessment.school_year == year)
            .where(Assessment.kind == "external", Assessment.state == State.RECOGNISED.value)
        )
        if after is not None:
            q = q.where(School.code > after)
        rows = await self.session.execute(q.order_by(School.code).limit(limit))
        return [(a, s, u, sl, ul) for a, s, u, sl, ul in rows.all()]

    async def roster(
        self, p: Principal, unit_id: str, year: str, as_of: date, after: str | None, limit: int
    ) -> list[tuple[School, Placement, OrgUnit, str | None, Assessment | None, Assessment | None]]:
        """Every school managed under `unit_id` and open on `as_of` (the schools expected to report),
        in the caller's scope, with its self and external assessment of the year if any."""
        q = (
            select(School, Placement, OrgUnit, SchoolLink.url, Self, External)
            .join(Placement, (Placement.school_code == School.code) & placed_at(as_of))
            .join(OrgUnit, OrgUnit.id == Placement.managing_unit_id)
            .outerjoin(SchoolLink, _link(SchoolLink, "school", School.code, year))  # type: ignore[arg-type]
            .outerjoin(
                Self, and_(Self.school_code == School.code, Self.school_year == year, Self.kind == "self")
            )
            .outerjoin(
                External,
                and_(
                    External.school_code == School.code,
                    External.school_year == year,
                    External.kind == "external",
                ),
            )
            .where(Placement.managing_unit_id.in_(subtree({unit_id}, name="roster_units")), _open_on(as_of))  # type: ignore[arg-type]
            .where(visible_schools(p, School.code))  # type: ignore[arg-type]
        )
        if after is not None:
            q = q.where(School.code > after)
        rows = await self.session.execute(q.order_by(School.code).limit(limit))
        return [(s, pl, u, link, a, e) for s, pl, u, link, a, e in rows.all()]

    async def link(self, kind: str, subject: str, year: str) -> PublicationLink | None:
        q = select(PublicationLink).where(_link(PublicationLink, kind, subject, year))  # type: ignore[arg-type]
        return (await self.session.execute(q)).scalar_one_or_none()
