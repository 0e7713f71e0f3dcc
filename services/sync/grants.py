"""Scope at every webhook send: may this subscriber still see this school, now?

The subscriber's grant comes from the gateway's registry as it is now
(`GET /internal/v1/subjects/{kind}/{sub}`), the school's place in the hierarchy from the scoring
registry as it is now; `shared.principal.may_access_school` decides, as for every read. Where no
gateway is configured, the grant captured at subscription is used (school moves are still seen;
changes to the account are not). Answers are cached for one dispatch round only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from shared.contracts import SubjectGrant
from shared.principal import HEADER, Principal, PrincipalKind, Role, may_access_school, sign_principal
from shared.scoring_client import ScoringClient


class GrantsUnavailable(Exception):
    """The gateway or the scoring registry could not answer: send later, not blindly."""


class GatewayClient:
    def __init__(self, http: httpx.AsyncClient, secret: str) -> None:
        self.http, self.secret = http, secret

    async def grant(self, kind: str, sub: str) -> SubjectGrant | None:
        p = Principal(sub="sync", kind=PrincipalKind.SERVICE, roles=frozenset({Role.SERVICE}), all_orgs=True)
        try:
            path = f"/internal/v1/subjects/{quote(kind, safe='')}/{quote(sub, safe='')}"
            r = await self.http.get(path, headers={HEADER: sign_principal(p, self.secret, ttl=60)})
        except httpx.TransportError as e:
            raise GrantsUnavailable(f"gateway: {type(e).__name__}") from e
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise GrantsUnavailable(f"gateway answered {r.status_code}")
        return SubjectGrant.model_validate_json(r.content)


def principal_of(g: SubjectGrant) -> Principal:
    return Principal(
        sub=g.sub,
        kind=PrincipalKind(g.kind),
        roles=frozenset(Role(r) for r in g.roles if r in Role._value2member_map_),
        org_units=frozenset(g.org_units),
        schools=frozenset(g.schools),
        all_orgs=g.all_orgs,
    )


def snapshot(p: Principal) -> dict[str, Any]:
    """The grant as the subscriber's principal showed it when subscribing (the fallback)."""
    return SubjectGrant(
        sub=p.sub,
        kind=p.kind.value,
        roles=sorted(r.value for r in p.roles),
        org_units=sorted(p.org_units),
        schools=sorted(p.schools),
        all_orgs=p.all_orgs,
        active=True,
    ).model_dump()


class ScopeCheck:
    """One dispatch round's scope decisions, each grant and school looked up once."""

    def __init__(self, scoring: ScoringClient, gateway: GatewayClient | None) -> None:
        self.scoring, self.gateway = scoring, gateway
        self._grants: dict[tuple[str, str], SubjectGrant | None] = {}
        self._schools: dict[str, list[str] | None] = {}

    async def allows(self, kind: str, owner: str, stored: dict[str, Any] | None, school: str) -> bool:
        key = (kind, owner)
        if key not in self._grants:
            if self.gateway is not None:
                self._grants[key] = await self.gateway.grant(kind, owner)
            else:
                self._grants[key] = SubjectGrant.model_validate(stored) if stored else None
        g = self._grants[key]
        if g is None or not g.active:
            return False
        if school not in self._schools:
            try:
                sc = await self.scoring.school_scope(school)
            except Exception as e:  # scoring unavailable or answering oddly: decide later
                raise GrantsUnavailable(f"scoring: {type(e).__name__}") from e
            self._schools[school] = sc.ancestors if sc is not None else None
        ancestors = self._schools[school]
        return ancestors is not None and may_access_school(principal_of(g), school, ancestors)
