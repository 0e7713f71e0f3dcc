"""Pages against a stand-in gateway (httpx.MockTransport): sections built to the contracts of
endpoints other areas serve (next level, plan), sign-in at an OpenID Connect provider, and what
happens when the gateway says the token is no longer good."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import respx
from starlette.testclient import TestClient

from services.web.config import WebSettings
from services.web.main import create_app
from services.web.session import COOKIE, Session, SessionCodec

SECRET = "contract-test-session-key-0123456789abcdef"
BASE = "/api/v1/schools/79100002/assessments/2024-2025"
NEXT = {
    "groups": [
        {
            "code": "1", "level": 2, "points": 64, "target_level": 3, "reachable": True,
            "options": [{"effort": 2, "points_after": 78, "changes": [
                {"item": "1.6.1", "from": 4, "to": 7, "points_gained": 3,
                 "why": {"vi": "Nâng tỉ lệ lên trên 60%.", "en": "Raise the share above 60%."}}]}],
            "why": {"vi": "Cần thêm 12 điểm.", "en": "12 more points are needed."},
        }
    ]
}  # fmt: skip
PLAN = {"targets": [{"item": "1.6.1", "owner": "Tổ Tin học", "due": "2025-12-31"}]}
TOKEN_INFO = {
    "name": "Hiệu trưởng",
    "roles": [{"role": "school_head"}],
    "schools": ["79100002"],
    "org_units": [],
}


def client(handler: Callable[[httpx.Request], httpx.Response], **settings: Any) -> TestClient:
    gateway = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://gw")
    app = create_app(WebSettings(environment="test", session_secret=SECRET, **settings), gateway=gateway)
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def signed_in(c: TestClient, lang: str = "vi") -> None:
    s = Session(token="tok", username="head", lang=lang, roles=["school_head"], schools=["79100002"])
    c.cookies.set(COOKIE, SessionCodec(SECRET, 3600).dumps(s))


def test_the_next_level_and_plan_sections_follow_the_insights_contract() -> None:
    def gw(r: httpx.Request) -> httpx.Response:
        assert r.headers["authorization"] == "Bearer tok"  # the person's own token
        if r.url.path == f"{BASE}/self/next-level":
            return httpx.Response(200, json=NEXT)
        if r.url.path == f"{BASE}/plan":
            return httpx.Response(200, json=PLAN)
        return httpx.Response(404, json={"code": "not_found"})

    c = client(gw)
    signed_in(c)
    html = c.get("/schools/79100002/2024-2025/next-level").text
    assert "Mức 2 → Mức mục tiêu 3" in html
    assert "1.6.1: 4 → 7 (+3) — Nâng tỉ lệ lên trên 60%." in html
    assert "Cần thêm 12 điểm." in html
    assert "Tổ Tin học" in html
    assert "2025-12-31" in html


def test_without_the_next_level_endpoint_the_section_says_so() -> None:
    c = client(lambda r: httpx.Response(404, json={"code": "route_not_found"}))
    signed_in(c, lang="en")
    assert "This is not available on this system yet." in c.get("/schools/79100002/2024-2025/next-level").text


def test_an_expired_or_revoked_token_ends_the_session_and_asks_to_sign_in_again() -> None:
    c = client(lambda r: httpx.Response(401, json={"code": "token_invalid"}))
    signed_in(c)
    r = c.get("/schools/79100002/2024-2025")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/schools/79100002/2024-2025&expired=1"
    assert "Phiên làm việc đã hết hạn" in c.get(r.headers["location"]).text
    r = c.get("/schools/79100002/2024-2025")  # the old token is gone from the session
    assert r.headers["location"] == "/login?next=/schools/79100002/2024-2025"


@respx.mock
def test_oidc_sign_in_uses_pkce_and_checks_the_state() -> None:
    c = client(
        lambda r: httpx.Response(200, json=TOKEN_INFO),
        oidc_authorize_url="https://idp.example/authorize",
        oidc_token_url="https://idp.example/token",
        oidc_client_id="chiso-web",
    )
    r = c.get("/login/oidc")
    q = parse_qs(urlsplit(r.headers["location"]).query)
    assert q["code_challenge_method"] == ["S256"]
    assert q["response_type"] == ["code"]
    assert (
        c.get("/login/oidc/callback", params={"code": "c", "state": "forged"}).headers["location"] == "/login"
    )

    def token(request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        digest = hashlib.sha256(form["code_verifier"][0].encode()).digest()
        assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == q["code_challenge"][0]
        return httpx.Response(200, json={"access_token": "provider-token", "token_type": "Bearer"})

    respx.post("https://idp.example/token").mock(side_effect=token)
    r = c.get("/login/oidc/callback", params={"code": "the-code", "state": q["state"][0]})
    assert r.headers["location"] == "/"
    session = SessionCodec(SECRET, 3600).loads(c.cookies[COOKIE])
    assert session is not None
    assert session.token == "provider-token"
    assert session.schools == ["79100002"]
    assert json.dumps(session.roles) == '["school_head"]'
