"""Publication (công bố): the links schools and units publish their results at, the public
listing of recognised results, and the roster of expected schools the papers are made from."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.assessments.models import Assessment
from services.scoring.council.audit import audit, flush_new, year_bounds
from services.scoring.council.models import PublicationLink
from services.scoring.errors import LinkNotFound, UnitNotFound
from services.scoring.org.repository import OrgRepository
from services.scoring.permissions import SCHOOL_RECORDS, UNIT_PUBLICATION
from services.scoring.publication.repository import PublicationRepository
from services.scoring.publication.schemas import LinkOut, PublicResult, RosterRow, SideOut
from shared.db import utcnow
from shared.errors import SchoolNotFound
from shared.principal import Principal


def side(a: Assessment | None) -> SideOut | None:
    if a is None:
        return None
    groups = (a.result or {}).get("groups", [])
    criteria = {
        c["code"]: {k: c.get(k) for k in ("points", "level", "met")} for g in groups for c in g["criteria"]
    }
    items = {code: cp[1] for code, cp in (a.result or {}).get("items", {}).items()}
    return SideOut.model_validate(
        {
            **{k: getattr(a, k) for k in SideOut.model_fields if k not in {"criteria", "items"}},
            "criteria": criteria,
            "items": items,
        }
    )


class PublicationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = PublicationRepository(session)
        self.org = OrgRepository(session)

    async def public_page(
        self, province: str, year: str, after: str | None, limit: int
    ) -> list[PublicResult]:
        rows = await self.repo.recognised(province, year, after, limit)
        return [
            PublicResult(
                school_code=s.code,
                school_name=s.name,
                school_levels=list(s.levels),
                managing_unit_id=u.id if u else None,
                managing_unit_name=u.name if u else None,
                g1_points=a.g1_points,
                g1_level=a.g1_level,
                g2_points=a.g2_points,
                g2_level=a.g2_level,
                decision_number=a.decision_number,
                decision_date=a.decision_date,
                publication_url=sl,
                unit_publication_url=ul,
            )
            for a, s, u, sl, ul in rows
        ]

    async def roster(
        self, p: Principal, unit_id: str, year: str, as_of: date | None, after: str | None, limit: int
    ) -> list[RosterRow]:
        if await self.org.unit(unit_id, p) is None:
            raise UnitNotFound()
        # expected to report: the schools open at the end of the school year unless told otherwise
        on = as_of or min(year_bounds(year)[1], utcnow().date())
        rows = await self.repo.roster(p, unit_id, year, on, after, limit)
        return [
            RosterRow(
                code=s.code,
                name=s.name,
                province_code=s.province_code,
                levels=list(s.levels),
                ownership=s.ownership,
                managing_unit_id=u.id,
                managing_unit_name=u.name,
                assessing_unit_id=pl.assessing_unit_id,
                publication_url=link,
                self_assessment=side(a),
                external_assessment=side(e),
            )
            for s, pl, u, link, a, e in rows
        ]

    async def _subject(self, p: Principal, kind: str, subject: str) -> None:
        if kind == "school":
            if await self.org.school(subject, p) is None:
                raise SchoolNotFound()
        elif await self.org.unit(subject, p) is None:
            raise UnitNotFound()

    async def get_link(self, p: Principal, kind: str, subject: str, year: str) -> PublicationLink:
        await self._subject(p, kind, subject)
        link = await self.repo.link(kind, subject, year)
        if link is None:
            raise LinkNotFound()
        return link

    async def put_link(self, p: Principal, kind: str, subject: str, year: str, url: str) -> PublicationLink:
        await self._subject(p, kind, subject)
        (SCHOOL_RECORDS if kind == "school" else UNIT_PUBLICATION).check(p)  # after the scope
        link = await self.repo.link(kind, subject, year)
        before: dict[str, Any] = {"url": link.url} if link else {}
        if link is None:
            link = PublicationLink(
                subject_kind=kind, subject_id=subject, school_year=year, url=url, updated_by=p.sub
            )
            self.session.add(link)
        else:
            link.url, link.updated_by, link.updated_at = url, p.sub, utcnow()
        await flush_new(self.session)
        audit(self.session, p, "publication", f"{kind}:{subject}", year, before, {"url": url})
        return link


def link_out(link: PublicationLink) -> LinkOut:
    return LinkOut.model_validate(link, from_attributes=True)
