"""Dependency aliases: everything a route needs comes from the app's state, built in the lifespan."""

from __future__ import annotations

import logging
import time
from typing import Annotated

import jwt
from fastapi import Depends, Request

from services.gateway.auth.service import RevocationChecker
from services.gateway.auth.tokens import InvalidToken, JwksCache, Verified, VerifiedCache, verify_local
from services.gateway.config import GatewaySettings
from services.gateway.errors import InsufficientScope, TokenRequired
from shared.deps import SessionDep as SessionDep
from shared.deps import from_state
from shared.openapi.naming import scope_for
from shared.principal import Principal

log = logging.getLogger("chiso.gateway.auth")


def bearer(request: Request) -> str | None:
    raw = request.headers.get("authorization", "")
    scheme, _, token = raw.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def verify_token(request: Request, token: str) -> Verified:
    """A local HS256 token, or (resource-server mode) a token of the OIDC provider."""
    settings: GatewaySettings = request.app.state.settings
    jwks: JwksCache | None = request.app.state.jwks
    try:
        if jwks is not None and not token_is_local(token):
            return await jwks.verify(token)
        cache: VerifiedCache = request.app.state.verified_tokens
        v = cache.get(token, time.time())
        if v is None:
            v = verify_local(settings, token)
            cache.put(token, v)
        revocation: RevocationChecker = request.app.state.revocation
        await revocation.check(v)
        return v
    except InvalidToken as e:
        # the library's reason (signature, expiry, claims) helps a forger more than a client
        log.info("token refused: %s", e)
        raise TokenRequired("invalid") from e


def token_is_local(token: str) -> bool:
    try:
        return jwt.get_unverified_header(token).get("alg") == "HS256"
    except jwt.PyJWTError:
        return True  # let the local check reject it


async def optional_token(request: Request) -> Verified | None:
    cached: Verified | None = getattr(request.state, "verified", None)
    if cached is not None:
        return cached
    token = bearer(request)
    if token is None:
        return None
    v = await verify_token(request, token)
    request.state.verified = v
    request.state.principal_id = v.principal.sub  # for the access log
    if v.scopes is not None:  # a client's token: each operation needs its scope (naming.SCOPE_OF_PATH)
        need = scope_for(request.method, request.url.path)
        if need is not None and need not in v.scopes:
            raise InsufficientScope(need)
    return v


async def require_token(request: Request) -> Verified:
    v = await optional_token(request)
    if v is None:
        raise TokenRequired("missing")
    return v


async def require_principal(v: Annotated[Verified, Depends(require_token)]) -> Principal:
    return v.principal


VerifiedDep = Annotated[Verified, Depends(require_token)]
OptionalTokenDep = Annotated[Verified | None, Depends(optional_token)]
PrincipalDep = Annotated[Principal, Depends(require_principal)]
SettingsDep = Annotated[GatewaySettings, Depends(from_state("settings"))]
