"""Issuing tokens (client credentials, login) and checking that a token's subject, credential and
generation are still live, so revocation takes effect within `revocation_cache_seconds`."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway.auth.models import ApiClient, Subject, User
from services.gateway.auth.passwords import credential_id_of, verify_secret
from services.gateway.auth.repository import AuthRepository
from services.gateway.auth.tokens import InvalidToken, Verified, issue
from services.gateway.config import GatewaySettings
from shared.openapi.naming import client_scopes
from shared.principal import Principal, PrincipalKind, Role


class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer of the token and login endpoints."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def principal_of(s: Subject, sub: str, kind: PrincipalKind) -> Principal:
    return Principal(
        sub=sub,
        kind=kind,
        name=s.name,
        roles=frozenset(Role(r) for r in s.roles),
        org_units=frozenset(s.org_units),
        schools=frozenset(s.schools),
        all_orgs=s.all_orgs,
    )


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in: int
    principal: Principal
    scopes: frozenset[str] | None = None  # a client token's granted scopes


class TokenService:
    def __init__(self, session: AsyncSession, settings: GatewaySettings) -> None:
        self.repo = AuthRepository(session)
        self.settings = settings

    async def client_credentials(self, client_id: str, secret: str, scope: str | None = None) -> TokenGrant:
        bad = OAuthError("invalid_client", "Unknown client or wrong secret.", 401)
        cid = credential_id_of(secret)
        cred = await self.repo.credential(cid) if cid else None
        ok = await asyncio.to_thread(verify_secret, secret, cred.secret_hash if cred else None)
        if cred is None or not ok or cred.client_id != client_id:
            raise bad
        now = datetime.now(UTC)
        if cred.revoked_at is not None or (cred.expires_at is not None and cred.expires_at <= now):
            raise bad
        client = await self.repo.client(client_id)
        if client is None or client.disabled:
            raise bad
        cred.last_used_at = now
        p = principal_of(client, client.id, PrincipalKind.CLIENT)
        allowed = client_scopes({r.value for r in p.roles})
        # RFC 6749 §3.3: without `scope` the client gets every scope it may have
        granted = allowed if not scope or not scope.strip() else frozenset(scope.split())
        if not granted <= allowed:
            unknown = " ".join(sorted(granted - allowed))
            raise OAuthError("invalid_scope", f"Scopes not available to this client: {unknown}.")
        rate = client.rate_limit_per_second or self.settings.rate_limit_per_second
        burst = client.rate_limit_burst or self.settings.rate_limit_burst
        custom = client.rate_limit_per_second is not None or client.rate_limit_burst is not None
        token, ttl = issue(
            self.settings,
            p,
            client.token_generation,
            cred.id,
            rate_limit=(rate, burst) if custom else None,
            scopes=granted,
        )
        return TokenGrant(token, ttl, p, granted)

    async def login(self, username: str, password: str) -> TokenGrant:
        user = await self.repo.user_by_username(username)
        ok = await asyncio.to_thread(verify_secret, password, user.password_hash if user else None)
        if user is None or not ok or user.disabled:
            raise OAuthError("invalid_grant", "Wrong username or password.", 401)
        p = principal_of(user, user.id, PrincipalKind.USER)
        token, ttl = issue(self.settings, p, user.token_generation)
        return TokenGrant(token, ttl, p)


@dataclass(frozen=True)
class _Live:
    generation: int
    disabled: bool
    credential_live: bool
    # what the account holds now: a token may claim no more (a token signed with a leaked key
    # that claims `admin` for a school's account is refused, not trusted as issued)
    roles: frozenset[str] = frozenset()
    org_units: frozenset[str] = frozenset()
    schools: frozenset[str] = frozenset()
    all_orgs: bool = False

    def covers(self, p: Principal) -> bool:
        """The token claims only roles and scope the account holds at this moment."""
        return (
            {r.value for r in p.roles} <= self.roles
            and (self.all_orgs or not p.all_orgs)
            and (self.all_orgs or (p.org_units <= self.org_units and p.schools <= self.schools))
        )


class RevocationChecker:
    """Looks up the subject (and credential) of a local token, caching the answer briefly; the
    admin API drops the cached entry when it changes a subject, so in one process it is immediate."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], ttl: float) -> None:
        self.factory = factory
        self.ttl = ttl
        self._cache: dict[tuple[str, str, str | None], tuple[float, _Live]] = {}

    def forget(self, sub: str) -> None:
        for key in [k for k in self._cache if k[1] == sub]:
            self._cache.pop(key, None)

    async def _load(self, kind: str, sub: str, cid: str | None) -> _Live:
        async with self.factory() as session:
            repo = AuthRepository(session)
            subject: User | ApiClient | None = (
                await repo.client(sub) if kind == PrincipalKind.CLIENT else await repo.user(sub)
            )
            if subject is None:
                return _Live(0, True, False)
            live = True
            if cid is not None:
                cred = await repo.credential(cid)
                now = datetime.now(UTC)
                live = (
                    cred is not None
                    and cred.client_id == sub
                    and cred.revoked_at is None
                    and (cred.expires_at is None or cred.expires_at > now)
                )
            return _Live(
                subject.token_generation,
                subject.disabled,
                live,
                frozenset(subject.roles),
                frozenset(subject.org_units),
                frozenset(subject.schools),
                subject.all_orgs,
            )

    async def check(self, v: Verified) -> None:
        if v.generation is None:  # the external provider owns its tokens' revocation
            return
        key = (v.principal.kind.value, v.principal.sub, v.credential_id)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is None or hit[0] < now:
            live = await self._load(*key)
            self._cache[key] = (now + self.ttl, live)
        else:
            live = hit[1]
        if live.disabled or not live.credential_live or v.generation < live.generation:
            raise InvalidToken("token revoked")
        if not live.covers(v.principal):
            raise InvalidToken("token claims roles or scope its account does not hold")
