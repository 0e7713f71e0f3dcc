"""Every query on the org registry, already filtered to what the caller may see."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.org.models import OrgUnit, Placement, School
from services.scoring.org.scope import placed_at, visible_schools, visible_units
from shared.principal import Principal


class OrgRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unit(self, unit_id: str, p: Principal | None = None) -> OrgUnit | None:
        q = select(OrgUnit).where(OrgUnit.id == unit_id)
        if p is not None:
            q = q.where(visible_units(p, OrgUnit.id))  # type: ignore[arg-type]
        return (await self.session.execute(q)).scalar_one_or_none()

    async def units(self, p: Principal, parent: str | None, after: str | None, limit: int) -> list[OrgUnit]:
        q = select(OrgUnit).where(visible_units(p, OrgUnit.id))  # type: ignore[arg-type]
        if parent is not None:
            q = q.where(OrgUnit.parent_id == parent)
        if after is not None:
            q = q.where(OrgUnit.id > after)
        return list((await self.session.execute(q.order_by(OrgUnit.id).limit(limit))).scalars())

    async def school(self, code: str, p: Principal | None = None) -> School | None:
        q = select(School).where(School.code == code)
        if p is not None:
            q = q.where(visible_schools(p, School.code))  # type: ignore[arg-type]
        return (await self.session.execute(q)).scalar_one_or_none()

    async def placement(self, code: str, as_of: date | None = None) -> Placement | None:
        q = select(Placement).where(Placement.school_code == code, placed_at(as_of))
        return (await self.session.execute(q)).scalar_one_or_none()

    async def schools(
        self, p: Principal, unit: str | None, after: str | None, limit: int
    ) -> list[tuple[School, Placement | None]]:
        q = (
            select(School, Placement)
            .outerjoin(Placement, (Placement.school_code == School.code) & placed_at())
            .where(visible_schools(p, School.code))  # type: ignore[arg-type]
        )
        if unit is not None:
            from services.scoring.org.scope import subtree

            q = q.where(Placement.managing_unit_id.in_(subtree({unit}, name="unit_filter")))
        if after is not None:
            q = q.where(School.code > after)
        rows = await self.session.execute(q.order_by(School.code).limit(limit))
        return [(s, pl) for s, pl in rows]

    async def schools_open_on(self, province: str | None, as_of: date) -> list[tuple[School, Placement]]:
        """Schools open on `as_of` with their placement then: the set expected to report."""
        q = (
            select(School, Placement)
            .join(Placement, (Placement.school_code == School.code) & placed_at(as_of))
            .where(
                (School.opened_on.is_(None)) | (School.opened_on <= as_of),  # type: ignore[union-attr,operator]
                (School.closed_on.is_(None)) | (School.closed_on > as_of),  # type: ignore[union-attr,operator]
            )
        )
        if province is not None:
            q = q.where(School.province_code == province)
        rows = await self.session.execute(q.order_by(School.code))
        return [(s, pl) for s, pl in rows]

    def add(self, obj: OrgUnit | School | Placement) -> None:
        self.session.add(obj)
