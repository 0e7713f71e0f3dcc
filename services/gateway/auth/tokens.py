"""Access tokens: HS256 JWTs issued here (short-lived, roles and org scope inside), and, in
resource-server mode, RS256/ES256 JWTs of an OpenID Connect provider checked against its JWKS."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from pydantic import ValidationError

from services.gateway.config import GatewaySettings
from shared.principal import Principal, PrincipalKind, Role

LOCAL_ALGORITHM = "HS256"
OIDC_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class InvalidToken(Exception):
    """Missing, expired, forged, or for another audience: always a 401."""


@dataclass(frozen=True)
class Verified:
    """A verified token: the principal it speaks for, and what revocation is checked against."""

    principal: Principal
    generation: int | None  # None for tokens of an external provider
    credential_id: str | None
    exp: int
    issuer: str
    rate_limit: tuple[float, int] | None = None  # a client's own (per second, burst), if set
    scopes: frozenset[str] | None = None  # an API client's granted scopes; None: a person's token


def issue(
    settings: GatewaySettings,
    principal: Principal,
    generation: int,
    credential_id: str | None = None,
    now: float | None = None,
    rate_limit: tuple[float, int] | None = None,
    scopes: frozenset[str] | None = None,
) -> tuple[str, int]:
    """A signed token and its lifetime in seconds."""
    iat = int(now if now is not None else time.time())
    ttl = settings.access_token_ttl
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "sub": principal.sub,
        "kind": principal.kind.value,
        "name": principal.name,
        "roles": sorted(principal.roles),
        "org_units": sorted(principal.org_units),
        "schools": sorted(principal.schools),
        "all_orgs": principal.all_orgs,
        "gen": generation,
        "iat": iat,
        "exp": iat + ttl,
        "jti": uuid.uuid4().hex,
    }
    if credential_id is not None:
        claims["cid"] = credential_id
    if rate_limit is not None:
        claims["rl"] = list(rate_limit)
    if scopes is not None:
        claims["scope"] = " ".join(sorted(scopes))  # RFC 9068's claim
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=LOCAL_ALGORITHM)
    return token, ttl


def _principal(claims: dict[str, Any], default_kind: PrincipalKind) -> Principal:
    roles = claims.get("roles") or []
    if isinstance(roles, str):
        roles = roles.split()
    try:
        return Principal(
            sub=str(claims["sub"]),
            kind=PrincipalKind(claims.get("kind", default_kind.value)),
            name=claims.get("name"),
            roles=frozenset(Role(r) for r in roles if r in Role._value2member_map_),
            org_units=frozenset(claims.get("org_units") or []),
            schools=frozenset(claims.get("schools") or []),
            all_orgs=bool(claims.get("all_orgs", False)),
            exp=int(claims["exp"]),
        )
    except (KeyError, ValueError, TypeError, ValidationError) as e:
        raise InvalidToken("token claims do not describe a principal") from e


class VerifiedCache:
    """Tokens already verified, until they expire: a client reuses its token for many calls, and
    checking the signature and claims again each time is most of the gateway's own cost. Keyed by
    the token's exact text; only its content is cached: whether it was revoked is checked on every
    call all the same, and an entry past its token's expiry is never answered. Bounded, the least
    recently used token leaving first."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._items: dict[str, Verified] = {}  # in order of use, the least recent first

    def get(self, token: str, now: float) -> Verified | None:
        v = self._items.pop(token, None)
        if v is None or v.exp <= now:  # an expired entry is dropped, not put back
            return None
        self._items[token] = v  # back at the end: the most recently used
        return v

    def put(self, token: str, v: Verified) -> None:
        if token not in self._items and len(self._items) >= self.size:
            del self._items[next(iter(self._items))]  # the least recently used
        self._items[token] = v


def verify_local(settings: GatewaySettings, token: str) -> Verified:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[LOCAL_ALGORITHM],
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError as e:
        raise InvalidToken(str(e)) from e
    p = _principal(claims, PrincipalKind.USER)
    rl = claims.get("rl")
    rate = (float(rl[0]), int(rl[1])) if isinstance(rl, list) and len(rl) == 2 else None
    scope = claims.get("scope")
    scopes = frozenset(scope.split()) if isinstance(scope, str) else None
    return Verified(p, int(claims.get("gen", 0)), claims.get("cid"), p.exp, settings.jwt_issuer, rate, scopes)


class JwksCache:
    """The provider's signing keys, fetched with the gateway's HTTP client and kept for a while;
    an unknown `kid` refetches once (the provider rotated its keys)."""

    def __init__(
        self, settings: GatewaySettings, client: httpx.AsyncClient, clock: Any = time.monotonic
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched: float | None = None
        self._lock = asyncio.Lock()  # one fetch at a time; the others use its result

    async def _refresh(self) -> None:
        assert self.settings.oidc_jwks_url
        try:
            r = await self.client.get(self.settings.oidc_jwks_url)
            r.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(r.json())
        except (httpx.HTTPError, jwt.PyJWTError, ValueError) as e:
            raise InvalidToken("the identity provider's keys are unavailable") from e
        self._keys = {k.key_id: k for k in jwks.keys if k.key_id}

    def _age(self) -> float:
        return float("inf") if self._fetched is None else self.clock() - self._fetched

    async def key(self, kid: str) -> Any:
        """The key; an unknown `kid` refetches only once per cooldown, so tokens with made-up
        key ids cannot make the gateway fetch the JWKS on every request."""
        async with self._lock:
            stale = self._age() > self.settings.oidc_jwks_cache_seconds
            unknown = kid not in self._keys
            if stale or (unknown and self._age() > self.settings.oidc_jwks_refresh_cooldown_seconds):
                self._fetched = self.clock()  # a failed fetch waits out the cooldown too
                await self._refresh()
        if kid not in self._keys:
            raise InvalidToken("unknown signing key")
        return self._keys[kid]

    async def verify(self, token: str) -> Verified:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as e:
            raise InvalidToken(str(e)) from e
        if header.get("alg") not in OIDC_ALGORITHMS or not header.get("kid"):
            raise InvalidToken("not a token of the identity provider")
        key = await self.key(str(header["kid"]))
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=OIDC_ALGORITHMS,
                issuer=self.settings.oidc_issuer,
                audience=self.settings.oidc_audience,
                # the audience is required in this mode (settings refuse to start without one)
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as e:
            raise InvalidToken(str(e)) from e
        p = _principal(claims, PrincipalKind.USER)
        return Verified(p, None, None, p.exp, str(claims["iss"]))
