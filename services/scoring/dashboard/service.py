"""Folding the SQL aggregates into one summary per requested unit, in request order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.assessments.models import Assessment
from services.scoring.dashboard.repository import DashboardRepository, Filters
from services.scoring.dashboard.schemas import (
    AssessmentBrief,
    CriterionAverage,
    DimensionSummary,
    ItemShare,
    LevelCount,
    SchoolPage,
    SchoolRow,
    UnitSummary,
)
from services.scoring.errors import UnitNotFound
from services.scoring.frameworks.registry import FrameworkRegistry, Published
from shared.pagination import trim
from shared.principal import Principal


def _brief(a: Assessment | None) -> AssessmentBrief | None:
    if a is None:
        return None
    return AssessmentBrief(
        state=a.state,
        version=a.version,
        g1_points=float(a.g1_points) if a.g1_points is not None else None,
        g1_level=a.g1_level,
        g2_points=float(a.g2_points) if a.g2_points is not None else None,
        g2_level=a.g2_level,
        overall_level=a.overall_level,
    )


Levels = defaultdict[tuple[str, str, int], int]  # (kind, group, level) → assessments
_SHARE = Decimal("0.0001")


def _levels() -> Levels:
    return defaultdict(int)


def _level_counts(levels: Levels) -> list[LevelCount]:
    return [LevelCount(kind=k, group=g, level=lv, count=n) for (k, g, lv), n in sorted(levels.items())]


def _add_levels(into: Levels, kind: str, g1: Any, g2: Any, overall: Any, n: int) -> None:
    for group, level in (("1", g1), ("2", g2), ("overall", overall)):
        if level is not None:
            into[(kind, group, int(level))] += n


def _share(k: int, n: int) -> float:
    return float((Decimal(k) / Decimal(n)).quantize(_SHARE)) if n else 0.0


@dataclass
class _Labels:
    """Titles and maxima from the frameworks the counted assessments are scored with (the newest
    one's wording when several)."""

    titles: dict[str, str] = field(default_factory=dict)
    maxima: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def of(cls, pubs: list[Published]) -> _Labels:
        out = cls()
        for pub in pubs:
            out.titles.update(pub.titles)
            for c in pub.framework.criteria():
                if c.max_points is not None:
                    out.maxima[c.code] = Decimal(str(c.max_points))
            out.maxima.update({code: Decimal(it.max_c) / 100 for code, it in pub.compiled.items.items()})
        return out

    def top(self, code: str) -> float | None:
        m = self.maxima.get(code)
        return None if m is None else float(m)


@dataclass
class _Dim:
    schools: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    levels: defaultdict[str, Levels] = field(default_factory=lambda: defaultdict(_levels))

    def rows(self) -> list[DimensionSummary]:
        return [
            DimensionSummary(value=v, schools=self.schools[v], levels=_level_counts(self.levels[v]))
            for v in sorted(set(self.schools) | set(self.levels))
        ]


@dataclass
class _Acc:
    """One root's figures, added up over the units of its subtree."""

    schools: int = 0
    states: dict[str, defaultdict[str, int]] = field(
        default_factory=lambda: {"self": defaultdict(int), "external": defaultdict(int)}
    )
    levels: defaultdict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    points: defaultdict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    counts: defaultdict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    dims: dict[str, _Dim] = field(default_factory=lambda: {"school_level": _Dim(), "ownership": _Dim()})
    items: defaultdict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0])
    )

    def summary(self, unit_id: str, year: str, labels: _Labels) -> UnitSummary:
        return UnitSummary(
            unit_id=unit_id,
            school_year=year,
            year=year,
            schools=self.schools,
            self_states=dict(self.states["self"]),
            external_states=dict(self.states["external"]),
            levels=_level_counts(self.levels),
            criteria=[
                CriterionAverage(
                    kind=k,
                    code=c,
                    title=labels.titles.get(c),
                    max_points=labels.top(c),
                    average_points=round(float(self.points[(k, c)] / n), 2),
                    assessed=n,
                )
                for (k, c), n in sorted(self.counts.items())
                if n
            ],
            school_levels=self.dims["school_level"].rows(),
            ownerships=self.dims["ownership"].rows(),
            item_shares=[
                ItemShare(
                    kind=k,
                    code=c,
                    criterion=c.rsplit(".", 1)[0],
                    title=labels.titles.get(c),
                    max_points=labels.top(c),
                    assessed=n,
                    awarded=a,
                    full=f,
                    share_awarded=_share(a, n),
                    share_full=_share(f, n),
                )
                for (k, c), (n, a, f) in sorted(
                    self.items.items(), key=lambda kv: (kv[0][0], _code_key(kv[0][1]))
                )
                if n
            ],
        )


def _code_key(code: str) -> tuple[int, ...]:
    """`1.10.2` after `1.9.1`: item codes sort by their numbers."""
    return tuple(int(p) if p.isdigit() else 0 for p in code.split("."))


class DashboardService:
    def __init__(self, session: AsyncSession, registry: FrameworkRegistry | None = None) -> None:
        self.repo = DashboardRepository(session)
        self.registry = registry

    async def summaries(self, p: Principal, year: str, unit_ids: Sequence[str]) -> list[UnitSummary]:
        """One summary per visible unit of `unit_ids`, in their order; invisible ones are left out."""
        tree = await self.repo.unit_tree(p, unit_ids)
        roots_of: dict[str, list[str]] = defaultdict(list)  # unit → the requested roots above it
        for root, unit in tree:
            roots_of[unit].append(root)
        ids = [u for u in dict.fromkeys(unit_ids) if u in {r for r, _ in tree}]
        if not ids:
            return []
        units = sorted(roots_of)
        acc = {u: _Acc() for u in ids}
        for unit, n in await self.repo.school_counts(units):
            for r in roots_of[unit]:
                acc[r].schools += n
        for kind in ("self", "external"):
            for unit, state, n in await self.repo.state_counts(units, year, kind):
                for r in roots_of[unit]:
                    acc[r].states[kind][state] += n
        for unit, kind, g1, g2, overall, n in await self.repo.level_rows(units, year):
            for r in roots_of[unit]:
                _add_levels(acc[r].levels, kind, g1, g2, overall, n)
        for unit, kind, code, total, n in await self.repo.criterion_rows(units, year):
            for r in roots_of[unit]:
                acc[r].points[(kind, code)] += Decimal(total)
                acc[r].counts[(kind, code)] += n
        # the SQL groups by managing unit; each requested unit adds up the units of its subtree
        for dim in ("school_level", "ownership"):
            for unit, value, n in await self.repo.dimension_counts(units, dim):
                for r in roots_of[unit]:
                    acc[r].dims[dim].schools[value] += n
            for unit, value, kind, g1, g2, overall, n in await self.repo.dimension_levels(units, year, dim):
                for r in roots_of[unit]:
                    _add_levels(acc[r].dims[dim].levels[value], kind, g1, g2, overall, n)
        pubs = self._frameworks(await self.repo.frameworks_used(units, year))
        maxima = {
            (pub.framework.ref, code): Decimal(it.max_c) / 100
            for pub in pubs
            for code, it in pub.compiled.items.items()
        }
        for unit, kind, code, n, awarded, full in await self.repo.item_rows(units, year, maxima):
            for r in roots_of[unit]:
                counts = acc[r].items[(kind, code)]
                counts[0] += n
                counts[1] += awarded
                counts[2] += full
        labels = _Labels.of(pubs)
        return [acc[u].summary(u, year, labels) for u in ids]

    def _frameworks(self, refs: list[str]) -> list[Published]:
        """The published frameworks of `refs`, oldest first (so the newest one's titles win)."""
        if self.registry is None:
            return []
        found = [pub for ref in refs if (pub := self.registry.get(ref)) is not None]
        return sorted(found, key=lambda p: (p.framework.id, p.framework.version))

    async def summary(self, p: Principal, year: str, unit_id: str) -> UnitSummary:
        out = await self.summaries(p, year, [unit_id])
        if not out:
            raise UnitNotFound()
        return out[0]

    async def schools(
        self, p: Principal, year: str, f: Filters, after: str | None, limit: int, with_total: bool = False
    ) -> SchoolPage:
        found = await self.repo.schools(p, year, f, after, limit + 1)
        rows, nxt = trim(found, limit, lambda r: (r[0].code,))
        items = [
            SchoolRow(
                code=s.code,
                name=s.name,
                levels=list(s.levels),
                managing_unit_id=m,
                self_assessment=_brief(a),
                external_assessment=_brief(e),
            )
            for s, m, a, e in rows
        ]
        total = await self.repo.count_schools(p, year, f) if with_total else None
        return SchoolPage(items=items, next_cursor=nxt, total=total)
