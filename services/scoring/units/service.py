"""The unit's own assessment: each indicator counted in SQL over the schools managed in the unit's
subtree, turned into an exact ratio fact, and the unit framework scored by the school engine.

The denominator of every share is the schools placed under the unit today (a school without a
finished assessment counts against the share, as a school that has not reported). `share_on_time`
needs the receipt times that only the sync service holds; scoring has no client for it, so it is
answered as unavailable (no fact: the item scores 0, with the reason) until one is wired.
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
from services.scoring.org.models import Placement
from services.scoring.org.scope import placed_at
from services.scoring.units.model import Indicator, UnitFramework, load_units
from shared.i18n import msg
from shared.principal import Principal

UNAVAILABLE = {
    "share_on_time": msg(
        "Chưa có: thời điểm nộp lên CSDL ngành do dịch vụ đồng bộ nắm giữ, chưa được kết nối.",
        "Not available: the CSDL receipt times are held by the sync service, which is not wired here.",
    )
}


@cache
def unit_frameworks() -> dict[str, tuple[UnitFramework, CompiledFramework]]:
    return {k: (u, compile_framework(u.framework)) for k, u in load_units().items()}


class UnitAssessmentService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dash = DashboardRepository(session)

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
            if ind.measure in UNAVAILABLE:
                row |= {"available": False, "numerator": None, "why": UNAVAILABLE[ind.measure].model_dump()}
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
