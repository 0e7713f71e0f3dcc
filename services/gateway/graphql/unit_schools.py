"""`OrgUnit.schools` for many units in one request without one upstream call per unit: the
schools matching the filter are listed once (paged by 500) and split by managing unit locally,
each unit's page cut by its own cursor (the school code, in the REST cursor's form). A single
unit keeps the direct call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from services.gateway.graphql.loaders import UnitIndex
from services.gateway.graphql.unit_scope import subtree
from services.gateway.graphql.upstream import Upstream
from shared.pagination import encode_cursor

Params = tuple[tuple[str, Any], ...]  # the filter's upstream parameters, year included, no unit
Key = tuple[str, Params, int, str | None]  # unit, filter, first, after (a school code)
PAGE = 500


async def _all(scoring: Upstream, params: Params) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    # the whole list is read: its length is the count, the service need not count again
    base = {k: v for k, v in params if k != "include_total"}
    while True:
        query = {**base, "limit": PAGE, **({"cursor": cursor} if cursor else {})}
        page = await scoring.call("GET", "/api/v1/dashboard/schools", params=query) or {}
        rows += page.get("items", [])
        cursor = page.get("next_cursor")
        if not cursor:
            return rows


def unit_schools_loader(scoring: Upstream, units: UnitIndex) -> DataLoader[Key, dict[str, Any]]:
    async def load(keys: Sequence[Key]) -> list[dict[str, Any]]:
        if len(keys) == 1:
            unit, params, first, after = keys[0]
            cursor = {"cursor": encode_cursor(after)} if after else {}
            query = {**dict(params), "unit": unit, "limit": first, **cursor}
            return [await scoring.call("GET", "/api/v1/dashboard/schools", params=query) or {}]
        listed: dict[Params, list[dict[str, Any]]] = defaultdict(list)
        for params in dict.fromkeys(k[1] for k in keys):
            listed[params] = await _all(scoring, params)
        out = []
        for unit, params, first, after in keys:
            tree = await subtree(units, unit)
            mine = [s for s in listed[params] if s.get("managing_unit_id") in tree]
            rows = [s for s in mine if after is None or s["code"] > after]
            page = rows[:first]
            nxt = encode_cursor(page[-1]["code"]) if len(rows) > first else None
            # the unit's whole list is in hand: its count is free
            out.append({"items": page, "next_cursor": nxt, "total": len(mine)})
        return out

    return DataLoader(load_fn=load)
