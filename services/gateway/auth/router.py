from __future__ import annotations

import base64
import binascii
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from services.gateway.auth.schemas import ROLE_ACTIONS, LoginBody, RoleInfo, TokenInfo, TokenResponse
from services.gateway.auth.service import OAuthError, TokenGrant, TokenService
from services.gateway.auth.throttle import Throttle
from services.gateway.deps import SessionDep, SettingsDep, VerifiedDep
from services.gateway.errors import LoginThrottled
from services.gateway.ratelimit import limit_anonymous
from shared.errors import problem_responses

router = APIRouter(tags=["authentication"])


def _grant(g: TokenGrant) -> JSONResponse:
    # a client's token says its granted scopes; a person's, its roles (what its bearer may do)
    scope = g.scopes if g.scopes is not None else g.principal.roles
    body = TokenResponse(access_token=g.access_token, expires_in=g.expires_in, scope=" ".join(sorted(scope)))
    return JSONResponse(body.model_dump(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        cid, _, secret = base64.b64decode(raw).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return cid, secret


@router.post("/oauth/token", response_model=TokenResponse, responses={400: {}, 401: {}, 429: {}})
async def token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    # optional here so that a missing one gets RFC 6749's `invalid_request`, which OAuth client
    # libraries understand, rather than a problem+json 422
    grant_type: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form(max_length=1024)] = None,
) -> JSONResponse:
    """OAuth2 client credentials (RFC 6749 §4.4): a short-lived access token for an API client.
    The client authenticates with HTTP Basic or `client_id`/`client_secret` form fields. `scope`
    (space-separated) narrows the token to some scopes; without it the token has every scope the
    client may have (`admin` only for a client with the admin role)."""
    await limit_anonymous(request, "login")
    if not grant_type:
        raise OAuthError(
            "invalid_request",
            "grant_type is required (application/x-www-form-urlencoded: grant_type=client_credentials).",
        )
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Only client_credentials is supported here.")
    basic = _basic(request)
    if basic is not None:
        client_id, client_secret = basic
    if not client_id or not client_secret:
        raise OAuthError("invalid_client", "client_id and client_secret are required.", 401)
    async with throttled(request, f"client:{client_id}"):
        grant = await TokenService(session, settings).client_credentials(client_id, client_secret, scope)
    return _grant(grant)


@router.post("/auth/login", response_model=TokenResponse, responses={401: {}, 429: {}})
async def login(
    request: Request, body: LoginBody, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """Sign in a person with a local account (the embedded default); answers a bearer token."""
    await limit_anonymous(request, "login")
    async with throttled(request, f"user:{body.username.casefold()}"):
        grant = await TokenService(session, settings).login(body.username, body.password)
    return _grant(grant)


@asynccontextmanager
async def throttled(request: Request, account: str) -> AsyncIterator[None]:
    """Refuse while the account waits out its delay; count the attempt as failed before checking
    it (so concurrent guesses are counted too) and clear the record when it succeeds."""
    throttle: Throttle = request.app.state.login_throttle
    wait = await throttle.attempt(account)
    if wait > 0:
        retry = max(1, math.ceil(wait))
        raise LoginThrottled(headers={"Retry-After": str(retry)}, retry_after=retry)
    yield
    await throttle.succeeded(account)


@router.get("/oauth/token_info", response_model=TokenInfo, responses=problem_responses(401))
async def token_info(v: VerifiedDep) -> TokenInfo:
    """What this token may do and for which schools and units."""
    p = v.principal
    return TokenInfo(
        sub=p.sub,
        kind=p.kind,
        name=p.name,
        issuer=v.issuer,
        roles=[RoleInfo(role=r, may=ROLE_ACTIONS.get(r, [])) for r in sorted(p.roles)],
        org_units=sorted(p.org_units),
        schools=sorted(p.schools),
        all_orgs=p.all_orgs,
        expires_at=datetime.fromtimestamp(v.exp, UTC),
        credential_id=v.credential_id,
        links={
            "schools_in_scope": "/api/v1/org/schools",
            "units_in_scope": "/api/v1/org/units",
            "docs": "/docs",
        },
    )


def oauth_error_response(exc: OAuthError) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="chiso"'
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description}, status_code=exc.status, headers=headers
    )
