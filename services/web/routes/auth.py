"""Sign-in (the gateway's login, or the OpenID Connect provider where configured), sign-out, the
language switch and the home page that sends each person to their work."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Annotated
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.web.api import Api, api_of
from services.web.errors import EXPIRED, ApiProblem
from services.web.pages import redirect, render, safe_next
from services.web.session import LANGS, Session, check_csrf, session_of

router = APIRouter()
ApiDep = Annotated[Api, Depends(api_of)]


@router.get("/")
async def home(request: Request, api: ApiDep) -> Response:
    s = session_of(request)
    if not s.signed_in:
        return RedirectResponse("/login", status_code=303)
    year = request.app.state.settings.school_year
    if len(s.schools) == 1 and not s.has("officer", "assessor", "ministry_viewer", "admin"):
        return RedirectResponse(f"/schools/{s.schools[0]}/{year}", status_code=303)
    page = await api.get("/api/v1/org/schools", limit=100) if s.schools else None
    return render(request, "home.html", schools=(page or {}).get("items", []))


@router.get("/login")
async def login_page(request: Request, next: str | None = None, expired: bool = False) -> Response:
    s = session_of(request)
    notice = EXPIRED[s.lang] if expired else None
    oidc = request.app.state.settings.oidc_authorize_url is not None
    return render(request, "login.html", next=safe_next(next), notice=notice, oidc=oidc, failed=None)


@router.post("/login", dependencies=[Depends(check_csrf)])
async def login(
    request: Request,
    api: ApiDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    s = session_of(request)
    try:
        grant = await api.json("POST", "/auth/login", json={"username": username, "password": password})
    except ApiProblem as p:
        if p.status >= 500:
            raise
        return render(
            request,
            "login.html",
            status=401,
            next=safe_next(next),
            notice=None,
            oidc=False,
            failed=p.message(s.lang),
        )
    await _start_session(s, api, grant["access_token"], username)
    return redirect(request, safe_next(next))


async def _start_session(s: Session, api: Api, token: str, username: str) -> None:
    lang = s.lang
    s.sign_out()  # a new session (and CSRF token) at sign-in: no fixation
    s.lang, s.token, s.username = lang, token, username
    api.headers["Authorization"] = f"Bearer {token}"
    info = await api.get("/oauth/token_info")
    s.name = info.get("name") or username
    s.roles = [r["role"] for r in info.get("roles", [])]
    s.schools, s.org_units = info.get("schools", []), info.get("org_units", [])
    s.all_orgs = bool(info.get("all_orgs"))


@router.post("/logout", dependencies=[Depends(check_csrf)])
async def logout(request: Request) -> Response:
    session_of(request).sign_out()
    return redirect(request, "/login")


@router.post("/lang", dependencies=[Depends(check_csrf)])
async def switch_language(
    request: Request, lang: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
) -> Response:
    s = session_of(request)
    if lang in LANGS:
        s.lang = lang
    return redirect(request, safe_next(next))


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@router.get("/login/oidc")
async def oidc_start(request: Request) -> Response:
    """Authorization code flow with PKCE at the provider; the gateway verifies its tokens."""
    cfg = request.app.state.settings
    if not cfg.oidc_authorize_url:
        return RedirectResponse("/login", status_code=303)
    s = session_of(request)
    s.oidc_state = secrets.token_urlsafe(24)
    s.oidc_verifier, challenge = _pkce()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": cfg.oidc_client_id,
            "scope": cfg.oidc_scope,
            "redirect_uri": str(request.url_for("oidc_callback")),
            "state": s.oidc_state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return RedirectResponse(f"{cfg.oidc_authorize_url}?{query}", status_code=303)


@router.get("/login/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request, api: ApiDep, code: str = "", state: str = "") -> Response:
    cfg = request.app.state.settings
    s = session_of(request)
    if not cfg.oidc_token_url or not s.oidc_state or not secrets.compare_digest(state, s.oidc_state):
        return RedirectResponse("/login", status_code=303)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": cfg.oidc_client_id or "",
        "redirect_uri": str(request.url_for("oidc_callback")),
        "code_verifier": s.oidc_verifier or "",
    }
    async with httpx.AsyncClient(timeout=10.0) as client:
        r = await client.post(cfg.oidc_token_url, data=form)
    if r.status_code != 200 or "access_token" not in r.json():
        return render(
            request,
            "login.html",
            status=401,
            next="/",
            notice=None,
            oidc=True,
            failed={
                "vi": "Nhà cung cấp định danh từ chối đăng nhập.",
                "en": "The identity provider refused the sign-in.",
            }[s.lang],
        )
    await _start_session(s, api, r.json()["access_token"], "oidc")
    return RedirectResponse("/", status_code=303)
