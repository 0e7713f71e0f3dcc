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
# insights' answer in cases the national framework never gives (checked on hand-worked documents
# in tests/scoring/test_next_level.py): a group no change of facts lifts, and one at the top
NEXT = {
    "groups": [
        {"code": "1", "level": 1, "points": "40.00", "target_level": 2, "target_points": "50.00",
         "reachable": False, "best_points": "45.00", "complete": True, "options": [],
         "why": {"vi": "Nhóm 1 không thể đạt Mức 2.", "en": "Group 1 cannot reach level 2."}},
        {"code": "2", "level": 3, "points": "90.00", "target_level": None, "target_points": None,
         "reachable": False, "best_points": "90.00", "complete": True, "options": [],
         "why": {"vi": "Nhóm 2 đã ở Mức 3.", "en": "Group 2 is at level 3."}},
    ]
}  # fmt: skip
JOB = "0f3c2a5e-1b2c-4d3e-8f90-1234567890ab"
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


def test_the_next_level_section_says_when_no_change_reaches_it_and_at_the_top() -> None:
    def gw(r: httpx.Request) -> httpx.Response:
        assert r.headers["authorization"] == "Bearer tok"  # the person's own token
        if r.url.path == f"{BASE}/self/next-level":
            return httpx.Response(200, json=NEXT)
        return httpx.Response(404, json={"code": "not_found"})

    c = client(gw)
    signed_in(c, lang="en")
    html = c.get("/schools/79100002/2024-2025/next-level").text
    assert (
        'data-case="unreachable">No change of facts reaches the next level. Most points reachable: 45.00.'
        in html
    )
    assert 'data-case="top">Already at the top level.' in html
    assert "Group 1 cannot reach level 2." in html
    assert "<table" not in html


def test_a_long_import_is_a_job_whose_progress_the_page_polls() -> None:
    polls = iter(
        [
            {"job": JOB, "state": "running", "total": 400, "done": 150, "report": None},
            {"job": JOB, "state": "done", "total": 400, "done": 400,
             "report": {"dry_run": False, "total": 200, "created": 200, "updated": 0, "unchanged": 0,
                        "rejected": 0, "committed": True, "errors": []}},
        ]
    )  # fmt: skip

    def gw(r: httpx.Request) -> httpx.Response:
        if r.method == "POST" and r.url.path == "/api/v1/imports/du-lieu-truong.xlsx":
            assert r.url.params["dry_run"] == "false"
            assert r.content == b"PK-workbook"
            url = f"/api/v1/imports/jobs/{JOB}"
            return httpx.Response(202, json={"job": JOB, "status_url": url}, headers={"Location": url})
        if r.url.path == f"/api/v1/imports/jobs/{JOB}":
            return httpx.Response(200, json=next(polls))
        return httpx.Response(404, json={"code": "not_found"})

    c = client(gw)
    signed_in(c)
    csrf = SessionCodec(SECRET, 3600).loads(c.cookies[COOKIE]).csrf  # type: ignore[union-attr]
    files = {"file": ("du-lieu.xlsx", b"PK-workbook")}
    r = c.post("/imports", data={"csrf": csrf, "kind": "du-lieu-truong", "commit": "1"}, files=files)
    assert (r.status_code, r.headers["location"]) == (303, f"/imports/jobs/{JOB}")
    running = c.get(r.headers["location"]).text
    assert '<progress max="400" value="150"' in running
    assert f'hx-get="/imports/jobs/{JOB}" hx-trigger="every 1s"' in running
    done = c.get(r.headers["location"]).text
    assert 'id="committed"' in done
    assert "hx-trigger" not in done  # finished: the page stops polling


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
