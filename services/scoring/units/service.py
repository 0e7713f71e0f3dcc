"""The unit's own assessment: each indicator counted in SQL over the schools managed in the unit's
subtree, turned into an exact ratio fact, and the unit framework scored by the school engine.

The denominator of every share is the schools placed under the unit today (a school without a
finished assessment counts against the share, as a school that has not reported). `share_on_time`
counts those whose result reached CSDL on time, by the receipt times the sync service holds
(`timeliness.py`); only scoring run without sync (its own tests) answers it as unavailable.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.scoring.assessments.models import Assessment
from services.scoring.dashboard.repository import DashboardRepository
from services.scoring.engine import CompiledFramework, Fact, Ratio, ScoreInput, compile_framework, score
from services.scoring.errors import UnitFrameworkNotFound, UnitNotFound
from services.scoring.frameworks.schemas import render_result, titles_of
from services.scoring.insights.repository import finished, level_col
from services.scoring.org.models import OrgUnit, Placement
from services.scoring.org.scope import placed_at
from services.scoring.units.model import Indicator, UnitFramework, load_units
from services.scoring.units.timeliness import SyncTimeliness
from shared.i18n import msg
from shared.principal import Principal

NOT_WIRED = msg(
    "Chưa có: thời điểm nộp lên CSDL ngành do dịch vụ đồng bộ nắm giữ, không được kết nối ở đây.",
    "Not available: the CSDL receipt times are held by the sync service, which is not connected here.",
)


@cache
def unit_frameworks() -> dict[str, tuple[UnitFramework, CompiledFramework]]:
    return {k: (u, compile_framework(u.framework)) for k, u in load_units().items()}


class UnitAssessmentService:
    def __init__(self, session: AsyncSession, timeliness: SyncTimeliness | None = None) -> None:
        self.session = session
        self.dash = DashboardRepository(session)
        self.timeliness = timeliness

    async def _on_time(self, p: Principal, unit_id: str, units: list[str], year: str, kind: str) -> int:
        """Schools placed under the unit today whose result reached CSDL on time (sync's figures)."""
        assert self.timeliness is not None
        province = (
            await self.session.execute(select(col(OrgUnit.province_code)).where(col(OrgUnit.id) == unit_id))
        ).scalar()
        on_time = await self.timeliness.on_time(p, year, kind, province)
        placed = select(col(Placement.school_code)).where(
            col(Placement.managing_unit_id).in_(units), placed_at()
        )
        return sum(code in on_time for code in (await self.session.execute(placed)).scalars())

    async def _count(self, units: list[str], year: str, ind: Indicator) -> int:
        a: Any = Assessment
        cond: list[Any] = [
            a.school_code == Placement.school_code,
            a.school_year == year,
            finished(a, ind.kind),
        ]
        if ind.measure == "share_at_level":
            assert ind.group is not None
            assert ind.min_level is not None
            cond.append(level_col(a, ind.group) >= ind.min_level)
        else:
            assert ind.item is not None
            cond.append(a.facts[(ind.item, "deployed")].as_boolean())
        q = (
            select(func.count())
            .select_from(Placement)
            .join(a, and_(*cond))
            .where(col(Placement.managing_unit_id).in_(units), placed_at())
        )
        return int((await self.session.execute(q)).scalar_one())

    async def assess(self, p: Principal, unit_id: str, year: str, framework: str) -> dict[str, Any]:
        found = unit_frameworks().get(framework)
        if found is None:
            raise UnitFrameworkNotFound()
        doc, cf = found
        tree = await self.dash.unit_tree(p, [unit_id])
        if not tree:
            raise UnitNotFound()
        units = sorted({u for _, u in tree})
        schools = sum(n for _, n in await self.dash.school_counts(units))
        facts: dict[str, Fact] = {}
        shown = []
        for code, ind in doc.indicators.items():
            row: dict[str, Any] = {
                "item": code,
                "indicator": ind.model_dump(exclude_none=True),
                "denominator": schools,
            }
            if ind.measure == "share_on_time" and (self.timeliness is None or not self.timeliness.wired):
                row |= {"available": False, "numerator": None, "why": NOT_WIRED.model_dump()}
            else:
                if ind.measure == "share_on_time":
                    n = await self._on_time(p, unit_id, units, year, ind.kind)
                else:
                    n = await self._count(units, year, ind)
                row |= {"available": True, "numerator": n}
                if schools:
                    facts[code] = Ratio(n, schools)
            shown.append(row)
        result = score(cf, ScoreInput(frozenset(), facts))
        return {
            "unit_id": unit_id,
            "year": year,
            "framework": cf.ref,
            "example": doc.example,
            "notice": doc.notice.model_dump(),
            "schools": schools,
            "indicators": shown,
            "score": render_result(result, titles_of(doc.framework)),
        }
