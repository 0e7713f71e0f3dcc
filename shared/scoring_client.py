"""The scoring service as the other services see it: its change feed, school scope and the states
of a year's assessments, asked with a service principal signed with the internal secret.

Every answer that is neither the data nor a meaningful 404 (scoring down, timing out, a 5xx, or a
refused internal call) is `ScoringUnavailable`, a 503 the caller may retry: an upstream fault is
never the client's mistake, and never a 500."""

from __future__ import annotations

import logging
import re
import time
from datetime import date
from urllib.parse import quote

import httpx

from shared.contracts import EventPage, SchoolScope
from shared.errors import UpstreamUnavailable
from shared.i18n import msg
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal

log = logging.getLogger("shared.scoring_client")

# wider than scoring's own school code, so no code scoring knows is refused here; anything else
# never reaches scoring's URL space
SCHOOL_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class ScoringUnavailable(UpstreamUnavailable):
    message = msg("Dịch vụ đánh giá tạm thời không phản hồi.", "The scoring service is unavailable.")


class ScoringClient:
    """`caller`: the service's name in the signed principal (scoring's logs and audit show it).
    `scope_ttl`: seconds a school's scope is remembered (0: asked every time); a school moved to
    another managing unit is seen once its entry expires."""

    def __init__(self, http: httpx.AsyncClient, secret: str, caller: str, scope_ttl: float = 0.0) -> None:
        self.http = http
        self.secret = secret
        self.caller = caller
        self.scope_ttl = scope_ttl
        self._scopes: dict[tuple[str, bool], tuple[float, SchoolScope | None]] = {}

    def headers(self) -> dict[str, str]:
        p = Principal(
            sub=self.caller, kind=PrincipalKind.SERVICE, roles=frozenset({Role.SERVICE}), all_orgs=True
        )
        return {HEADER: sign_principal(p, self.secret, ttl=60)}

    async def _get(
        self, path: str, params: dict[str, str | int], *, absent_ok: bool = False
    ) -> httpx.Response:
        """The answer, when it is a 2xx (or a 404 with `absent_ok`); otherwise ScoringUnavailable."""
        try:
            r = await self.http.get(path, params=params, headers=self.headers())
        except httpx.HTTPError as e:
            raise ScoringUnavailable() from e
        if r.is_success or (absent_ok and r.status_code == 404):
            return r
        log.warning("scoring answered %s to %s", r.status_code, path)
        raise ScoringUnavailable()

    async def events(self, after: int, limit: int) -> EventPage:
        r = await self._get("/internal/v1/events", {"after": after, "limit": limit})
        return EventPage.model_validate_json(r.content)

    async def school_scope(self, code: str, *, last_known: bool = False) -> SchoolScope | None:
        """The school's place in the hierarchy today (`last_known`: where a closed school was last
        placed); None for a school scoring does not know."""
        if not SCHOOL_CODE.match(code):
            return None
        key = (code, last_known)
        now = time.monotonic()
        hit = self._scopes.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        params: dict[str, str | int] = {"last_known": "true"} if last_known else {}
        # escaped as well: a code is caller input and must never reach another path of scoring's
        r = await self._get(f"/internal/v1/schools/{quote(code, safe='')}/scope", params, absent_ok=True)
        found = None if r.status_code == 404 else SchoolScope.model_validate_json(r.content)
        if self.scope_ttl > 0:
            self._scopes[key] = (now + self.scope_ttl, found)
        return found

    async def schools_open(self, as_of: date, province: str | None = None) -> list[SchoolScope]:
        params: dict[str, str | int] = {"as_of": as_of.isoformat()}
        if province:
            params["province"] = province
        r = await self._get("/internal/v1/schools", params)
        return [SchoolScope.model_validate(x) for x in r.json()]

    async def assessment_states(self, year: str, kind: str) -> dict[str, str]:
        """School code → state of its assessment of this year and kind (absent: not started)."""
        r = await self._get("/internal/v1/assessment-states", {"school_year": year, "kind": kind})
        return {x["school_code"]: x["state"] for x in r.json()}
