"""Analytics for Sở and Phòng: year on year, level transitions, self versus external, good models.
The figures are aggregated in SQL (`repository`); this folds them into the answers."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.dashboard.repository import DashboardRepository
from services.scoring.errors import UnitNotFound
from services.scoring.insights.repository import InsightsRepository
from services.scoring.insights.stats import outliers
from shared.pagination import decode_cursor, invalid_cursor, trim
from shared.principal import Principal

_CENT = Decimal("0.01")


def previous_year(year: str) -> str:
    first = int(year[:4])
    return f"{first - 1}-{first}"


def pts(d: Any) -> str | None:
    return None if d is None else str(Decimal(str(d)).quantize(_CENT))


def _share(k: int, n: int) -> str:
    return str((Decimal(k) / Decimal(n)).quantize(Decimal("0.0001"))) if n else "0"


class InsightsService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = InsightsRepository(session)
        self.dash = DashboardRepository(session)

    async def _units(self, p: Principal, unit_id: str) -> list[str]:
        tree = await self.dash.unit_tree(p, [unit_id])
        if not tree:
            raise UnitNotFound()
        return sorted({u for _, u in tree})

    async def year_on_year(
        self,
        p: Principal,
        unit_id: str,
        year: str,
        kind: str,
        after: str | None,
        limit: int,
        with_total: bool = False,
    ) -> dict[str, Any]:
        units = await self._units(p, unit_id)
        prev = previous_year(year)
        found = await self.repo.year_on_year(units, year, prev, kind, after, limit + 1)
        total = await self.repo.year_on_year_count(units, year, prev, kind) if with_total else None
        rows, nxt = trim(found, limit, lambda r: (r[0],))
        items = []
        for code, name, p1, l1, q1, m1, p2, l2, q2, m2, d1, d2 in rows:
            groups = [
                {
                    "code": g,
                    "points": pts(a),
                    "level": b,
                    "previous_points": pts(c),
                    "previous_level": d,
                    "change": pts(e),
                    "level_change": None if b is None or d is None else b - d,
                }
                for g, a, b, c, d, e in (("1", p1, l1, q1, m1, d1), ("2", p2, l2, q2, m2, d2))
            ]
            items.append({"school_code": code, "name": name, "groups": groups})
        return {
            "unit_id": unit_id,
            "year": year,
            "previous_year": prev,
            "kind": kind,
            "items": items,
            "next_cursor": nxt,
            "total": total,
        }

    async def transitions(
        self, p: Principal, unit_id: str, year: str, kind: str, group: str
    ) -> dict[str, Any]:
        units = await self._units(p, unit_id)
        prev = previous_year(year)
        rows = await self.repo.transitions(units, year, prev, kind, group)
        cells = sorted(rows, key=lambda r: (r[0] is None, r[0] or 0, r[1] or 0))
        return {
            "unit_id": unit_id,
            "year": year,
            "previous_year": prev,
            "kind": kind,
            "group": group,
            "cells": [{"from_level": f, "to_level": t, "schools": n} for f, t, n in cells],
            "up": sum(n for f, t, n in rows if f is not None and t is not None and t > f),
            "same": sum(n for f, t, n in rows if f is not None and f == t),
            "down": sum(n for f, t, n in rows if f is not None and t is not None and t < f),
            "new": sum(n for f, _, n in rows if f is None),
        }

    async def self_vs_external(self, p: Principal, unit_id: str, year: str) -> dict[str, Any]:
        units = await self._units(p, unit_id)
        stats = await self.repo.criterion_gaps(units, year)
        for g in ("1", "2"):
            n, mean, k = await self.repo.group_gaps(units, year, g)
            if n and mean is not None:
                stats.append((g, n, mean, k))
        by_code: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        for code, school, d in await self.repo.differences(units, year):
            by_code[code].append((school, d))
        out = []
        for code, n, mean, k in stats:
            diffs = sorted(by_code.get(code, []))
            flagged = outliers([d for _, d in diffs])
            out.append(
                {
                    "code": code,
                    "schools": n,
                    "mean_difference": pts(mean),
                    "self_higher": k,
                    "share_self_higher": _share(k, n),
                    "outliers": [
                        {
                            "school_code": diffs[i][0],
                            "difference": pts(diffs[i][1]),
                            "robust_z": str(z.quantize(_CENT)),
                        }
                        for i, z in flagged
                    ],
                }
            )
        return {
            "unit_id": unit_id,
            "year": year,
            "criteria": out,
            "units": await self._unit_gaps(p, unit_id, year),
        }

    async def _unit_gaps(self, p: Principal, unit_id: str, year: str) -> list[dict[str, Any]]:
        """Per child unit (its whole subtree), and the schools the unit manages itself: each
        group's mean of self − external over the schools with both assessments finished."""
        kids = await self.repo.children(unit_id)
        names = dict(kids)
        owner = {u: root for root, u in await self.dash.unit_tree(p, list(names))} if names else {}
        owner[unit_id] = unit_id  # schools the unit manages directly
        units = sorted(owner)
        sums: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0), 0])
        for g in ("1", "2"):
            for unit, n, total, k in await self.repo.unit_group_sums(units, year, g):
                acc = sums[(owner[unit], g)]
                acc[0] += n
                acc[1] += total
                acc[2] += k
        out = []
        for uid in [k for k, _ in kids if k in owner.values()] + [unit_id]:
            groups = [
                {
                    "code": g,
                    "schools": n,
                    "mean_difference": pts(total / n),
                    "self_higher": k,
                    "share_self_higher": _share(k, n),
                }
                for g in ("1", "2")
                for n, total, k in [sums.get((uid, g), [0, Decimal(0), 0])]
                if n
            ]
            if groups or uid != unit_id:
                out.append(
                    {"unit_id": uid, "name": names.get(uid), "direct": uid == unit_id, "groups": groups}
                )
        return out

    async def good_models(
        self,
        p: Principal,
        province: str,
        year: str,
        kind: str,
        group: str,
        level: str | None,
        unit: str | None,
        cursor: str | None,
        limit: int,
    ) -> dict[str, Any]:
        key = decode_cursor(cursor, 2)
        if key is not None and not key[0].isdigit():
            raise invalid_cursor()
        after = None if key is None else (int(key[0]), key[1])
        found = await self.repo.ranking(p, province, year, kind, group, level, unit, after, limit + 1)
        rows, nxt = trim(found, limit, lambda r: (str(r[0]), r[1]))
        items = [
            {"rank": r, "school_code": c, "name": nm, "points": pts(pt), "level": lv, "managing_unit_id": m}
            for r, c, nm, pt, lv, m, _total in rows
        ]
        # every row carries the whole ranked set's size; a page past the end knows none
        total = found[0][-1] if found else (0 if after is None else None)
        return {
            "province": province,
            "year": year,
            "kind": kind,
            "group": group,
            "items": items,
            "next_cursor": nxt,
            "total": total,
        }
