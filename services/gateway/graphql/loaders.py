"""DataLoaders, built per request: each batches one kind of lookup into one upstream call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from services.gateway.graphql.upstream import Upstream


class UnitIndex:
    """Every org unit the caller may see, fetched once per request (paged), indexed by parent."""

    def __init__(self, scoring: Upstream) -> None:
        self.scoring = scoring
        self._units: dict[str, dict[str, Any]] | None = None

    async def all(self) -> dict[str, dict[str, Any]]:
        if self._units is None:
            units: dict[str, dict[str, Any]] = {}
            cursor: str | None = None
            while True:
                params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
                page = await self.scoring.call("GET", "/api/v1/org/units", params=params) or {}
                units.update({u["id"]: u for u in page.get("items", [])})
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            self._units = units
        return self._units

    async def children(self, keys: Sequence[str]) -> list[list[dict[str, Any]]]:
        by_parent: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for u in (await self.all()).values():
            by_parent[u.get("parent_id")].append(u)
        return [sorted(by_parent.get(k, []), key=lambda u: u["id"]) for k in keys]

    async def units(self, keys: Sequence[str]) -> list[dict[str, Any] | None]:
        units = await self.all()
        return [units.get(k) for k in keys]


def summary_loader(scoring: Upstream) -> DataLoader[tuple[str, str], dict[str, Any] | None]:
    """(unit id, year) → the unit's summary; one POST per school year among the keys."""

    async def load(keys: Sequence[tuple[str, str]]) -> list[dict[str, Any] | None]:
        by_year: dict[str, list[str]] = defaultdict(list)
        for unit, year in keys:
            by_year[year].append(unit)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for year, units in by_year.items():
            body = {"school_year": year, "unit_ids": list(dict.fromkeys(units))}
            out = await scoring.call("POST", "/api/v1/dashboard/summaries", json=body) or {}
            for s in out.get("items", []):
                found[(s["unit_id"], year)] = s
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)
