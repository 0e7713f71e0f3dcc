"""The scoring service, as the sync service sees it: the change feed and school scope look-ups,
called with a service principal signed with the internal secret."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import httpx

from shared.contracts import EventPage, SchoolScope
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal


class ScoringUnavailable(Exception):
    pass


class ScoringClient:
    def __init__(self, http: httpx.AsyncClient, secret: str) -> None:
        self.http = http
        self.secret = secret

    def _headers(self) -> dict[str, str]:
        p = Principal(sub="sync", kind=PrincipalKind.SERVICE, roles=frozenset({Role.SERVICE}), all_orgs=True)
        return {HEADER: sign_principal(p, self.secret, ttl=60)}

    async def _get(self, path: str, params: dict[str, str | int]) -> httpx.Response:
        try:
            r = await self.http.get(path, params=params, headers=self._headers())
        except httpx.TransportError as e:
            raise ScoringUnavailable(str(e)) from e
        if r.status_code >= 500:
            raise ScoringUnavailable(f"scoring answered {r.status_code}")
        return r

    async def events(self, after: int, limit: int) -> EventPage:
        r = await self._get("/internal/v1/events", {"after": after, "limit": limit})
        r.raise_for_status()
        return EventPage.model_validate_json(r.content)

    async def school_scope(self, code: str, *, last_known: bool = False) -> SchoolScope | None:
        params: dict[str, str | int] = {"last_known": "true"} if last_known else {}
        # escaped: a code is caller input and must never reach another path of scoring's
        r = await self._get(f"/internal/v1/schools/{quote(code, safe='')}/scope", params)
        if r.status_code == 404:
            return None
        r.raise_for_status()
        return SchoolScope.model_validate_json(r.content)

    async def schools_open(self, as_of: date, province: str | None = None) -> list[SchoolScope]:
        params: dict[str, str | int] = {"as_of": as_of.isoformat()}
        if province:
            params["province"] = province
        r = await self._get("/internal/v1/schools", params)
        r.raise_for_status()
        return [SchoolScope.model_validate(x) for x in r.json()]

    async def assessment_states(self, year: str, kind: str) -> dict[str, str]:
        """School code → state of its assessment of this year and kind (absent: not started)."""
        r = await self._get("/internal/v1/assessment-states", {"school_year": year, "kind": kind})
        r.raise_for_status()
        return {x["school_code"]: x["state"] for x in r.json()}
