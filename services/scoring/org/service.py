"""Org registry rules: creating and changing units and schools, and their lifecycle by date."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.errors import UnitNotFound
from services.scoring.org.models import LifecycleEvent, OrgUnit, Placement, School
from services.scoring.org.provinces import place_of
from services.scoring.org.repository import OrgRepository
from services.scoring.org.schemas import (
    Close,
    Merge,
    Move,
    SchoolCreate,
    SchoolPublic,
    SchoolUpdate,
    UnitCreate,
    UnitPublic,
    UnitUpdate,
)
from services.scoring.org.scope import ancestors
from shared.contracts import SchoolScope
from shared.db import utcnow
from shared.errors import Conflict, SchoolNotFound, Unprocessable
from shared.i18n import msg
from shared.principal import Principal


def unit_public(u: OrgUnit) -> UnitPublic:
    out = UnitPublic.model_validate(u, from_attributes=True)
    out.place = place_of(u.place_name, u.province_code)
    return out


def school_public(s: School, pl: Placement | None) -> SchoolPublic:
    return SchoolPublic(
        code=s.code,
        name=s.name,
        province_code=s.province_code,
        levels=list(s.levels),
        ownership=s.ownership,
        managing_unit_id=pl.managing_unit_id if pl else None,
        assessing_unit_id=pl.assessing_unit_id if pl else None,
        opened_on=s.opened_on,
        closed_on=s.closed_on,
        merged_into=s.merged_into,
    )


class OrgService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = OrgRepository(session)

    async def _unit_or_422(self, unit_id: str, pointer: str) -> OrgUnit:
        u = await self.repo.unit(unit_id)
        if u is None:
            raise Unprocessable.at(pointer, "unknown_unit", "Không có đơn vị này.", "No such unit.")
        return u

    def _event(
        self, p: Principal, kind: str, subject_kind: str, subject: str, on: date, **detail: object
    ) -> None:
        self.session.add(
            LifecycleEvent(
                subject_kind=subject_kind, subject_id=subject, kind=kind, on=on, detail=detail, actor=p.sub
            )
        )

    async def create_unit(self, p: Principal, body: UnitCreate) -> UnitPublic:
        if await self.repo.unit(body.id) is not None:
            raise Conflict(
                msg("Mã đơn vị đã tồn tại.", "An org unit with this id exists."), code="unit_exists"
            )
        if body.parent_id is not None:
            await self._unit_or_422(body.parent_id, "/parent_id")
        u = OrgUnit(**body.model_dump())
        self.repo.add(u)
        self._event(p, "opened", "unit", u.id, body.opened_on or utcnow().date())
        await self.session.flush()
        return unit_public(u)

    async def update_unit(self, p: Principal, unit_id: str, body: UnitUpdate) -> UnitPublic:
        u = await self.repo.unit(unit_id)
        if u is None:
            raise UnitNotFound()
        if body.parent_id is not None:
            if body.parent_id == unit_id or unit_id in await ancestors(self.session, body.parent_id):
                raise Unprocessable.at("/parent_id", "cycle", "Tạo vòng lặp.", "Would create a cycle.")
            await self._unit_or_422(body.parent_id, "/parent_id")
            self._event(
                p,
                "moved",
                "unit",
                unit_id,
                utcnow().date(),
                from_parent=u.parent_id,
                to_parent=body.parent_id,
            )
            u.parent_id = body.parent_id
        if body.name is not None:
            u.name = body.name
        if "place_name" in body.model_fields_set:  # null clears it: the province's name again
            u.place_name = body.place_name
        u.updated_at = utcnow()
        await self.session.flush()
        return unit_public(u)

    async def create_school(self, p: Principal, body: SchoolCreate) -> SchoolPublic:
        if await self.repo.school(body.code) is not None:
            raise Conflict(
                msg("Mã trường đã tồn tại.", "A school with this code exists."), code="school_exists"
            )
        managing = await self._unit_or_422(body.managing_unit_id, "/managing_unit_id")
        assessing_id = body.assessing_unit_id or managing.id
        await self._unit_or_422(assessing_id, "/assessing_unit_id")
        opened = body.opened_on or date(2000, 1, 1)
        s = School(
            code=body.code,
            name=body.name,
            province_code=body.province_code or managing.province_code,
            levels=[lv.value for lv in body.levels],
            ownership=body.ownership,
            opened_on=body.opened_on,
        )
        pl = Placement(
            school_code=s.code,
            managing_unit_id=managing.id,
            assessing_unit_id=assessing_id,
            valid_from=opened,
        )
        self.repo.add(s)
        await self.session.flush()
        self.repo.add(pl)
        self._event(p, "opened", "school", s.code, opened)
        await self.session.flush()
        return school_public(s, pl)

    async def get_school(self, p: Principal, code: str) -> SchoolPublic:
        s = await self.repo.school(code, p)
        if s is None:
            raise SchoolNotFound()
        pl = await self.repo.placement(code)
        out = school_public(s, pl)
        # a school's own staff may not list units, but its papers are headed with its unit's name
        unit = await self.repo.unit(pl.managing_unit_id) if pl else None
        out.managing_unit_name = unit.name if unit else None
        out.managing_unit_place = place_of(unit.place_name, unit.province_code) if unit else None
        return out

    async def update_school(self, p: Principal, code: str, body: SchoolUpdate) -> SchoolPublic:
        s = await self.repo.school(code)
        if s is None:
            raise SchoolNotFound()
        if body.name is not None:
            s.name = body.name
        if body.levels is not None:
            s.levels = [lv.value for lv in body.levels]
        if body.ownership is not None:
            s.ownership = body.ownership
        s.updated_at = utcnow()
        await self.session.flush()
        return school_public(s, await self.repo.placement(code))

    async def move_school(self, p: Principal, code: str, body: Move) -> SchoolPublic:
        """A new placement from `on`; the old one ends there, so history stays answerable."""
        s = await self.repo.school(code)
        if s is None:
            raise SchoolNotFound()
        await self._unit_or_422(body.managing_unit_id, "/managing_unit_id")
        assessing = body.assessing_unit_id or body.managing_unit_id
        await self._unit_or_422(assessing, "/assessing_unit_id")
        cur = await self.repo.placement(code)
        if cur is not None:
            if body.on <= cur.valid_from:
                raise Unprocessable.at(
                    "/on",
                    "before_current_placement",
                    f"Phải sau ngày {cur.valid_from.isoformat()}.",
                    f"Must be after {cur.valid_from.isoformat()}.",
                )
            cur.valid_to = body.on
        await self.session.flush()
        new = Placement(
            school_code=code,
            managing_unit_id=body.managing_unit_id,
            assessing_unit_id=assessing,
            valid_from=body.on,
        )
        self.repo.add(new)
        self._event(p, "moved", "school", code, body.on, to=body.managing_unit_id, assessing=assessing)
        await self.session.flush()
        return school_public(s, new)

    async def close_school(
        self, p: Principal, code: str, body: Close, merged_into: str | None = None
    ) -> SchoolPublic:
        s = await self.repo.school(code)
        if s is None:
            raise SchoolNotFound()
        if s.closed_on is not None:
            raise Conflict(msg("Trường đã đóng.", "The school is already closed."), code="already_closed")
        s.closed_on, s.merged_into, s.updated_at = body.on, merged_into, utcnow()
        cur = await self.repo.placement(code)
        if cur is not None:
            cur.valid_to = max(body.on, cur.valid_from + timedelta(days=1))
        self._event(
            p,
            "merged" if merged_into else "closed",
            "school",
            code,
            body.on,
            into=merged_into,
            reason=body.reason,
        )
        await self.session.flush()
        return school_public(s, None)

    async def merge_school(self, p: Principal, code: str, body: Merge) -> SchoolPublic:
        if body.into == code or await self.repo.school(body.into) is None:
            raise Unprocessable.at("/into", "unknown_school", "Không có trường này.", "No such school.")
        return await self.close_school(p, code, Close(on=body.on), merged_into=body.into)

    async def scope(self, code: str, last_known: bool = False) -> SchoolScope:
        """`last_known`: a school no longer placed (closed, merged) answers with where it last sat."""
        s = await self.repo.school(code)
        if s is None:
            raise SchoolNotFound()
        pl = await self.repo.placement(code)
        if pl is None and last_known:
            pl = await self.repo.last_placement(code)
        anc: list[str] = []
        if pl is not None:
            anc = await ancestors(self.session, pl.managing_unit_id)
            if pl.assessing_unit_id not in anc:
                anc += await ancestors(self.session, pl.assessing_unit_id)
        return SchoolScope(
            code=s.code, name=s.name, province_code=s.province_code, ancestors=anc, active=s.closed_on is None
        )
