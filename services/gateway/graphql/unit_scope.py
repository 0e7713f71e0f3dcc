"""Which schools lie under an org unit, for per-unit figures the sync service answers only per
province (timeliness): every school the caller may see is listed once per request (paged, a
bounded number of calls whatever the number of units) and each unit's subtree is resolved
locally from the unit index."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from services.gateway.graphql.loaders import UnitIndex
from services.gateway.graphql.upstream import Upstream


class SchoolIndex:
    """School code → managing unit, for the schools the caller may see, fetched once."""

    def __init__(self, scoring: Upstream, units: UnitIndex) -> None:
        self.scoring = scoring
        self.units = units
        self._managed: dict[str, str | None] | None = None
        self._lock = asyncio.Lock()

    async def _all(self) -> dict[str, str | None]:
        async with self._lock:  # concurrent resolvers share the one listing
            if self._managed is None:
                managed: dict[str, str | None] = {}
                cursor: str | None = None
                while True:
                    params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
                    page = await self.scoring.call("GET", "/api/v1/org/schools", params=params) or {}
                    managed.update({s["code"]: s.get("managing_unit_id") for s in page.get("items", [])})
                    cursor = page.get("next_cursor")
                    if not cursor:
                        break
                self._managed = managed
            return self._managed

    async def under(self, unit_id: str) -> set[str]:
        """Codes of the schools managed by the unit or by any unit below it."""
        tree = await subtree(self.units, unit_id)
        return {code for code, managing in (await self._all()).items() if managing in tree}


async def subtree(units: UnitIndex, unit_id: str) -> set[str]:
    """The unit and every unit below it, from the request's unit index."""
    by_parent: dict[str | None, list[str]] = defaultdict(list)
    for unit in (await units.all()).values():
        by_parent[unit.get("parent_id")].append(unit["id"])
    tree: set[str] = set()
    todo = [unit_id]
    while todo:
        uid = todo.pop()
        if uid not in tree:
            tree.add(uid)
            todo.extend(by_parent.get(uid, []))
    return tree


def restricted(report: dict[str, Any], codes: set[str]) -> dict[str, Any]:
    """A province's timeliness report narrowed to some schools, its counts recomputed."""
    schools = [s for s in report.get("items", []) if s["school_code"] in codes]
    counts = {k: sum(1 for s in schools if s["status"] == k) for k in ("on_time", "late", "missing")}
    return {**report, "items": schools, "total": len(schools), "expected": len(schools), **counts}
