"""The web app's own rules, without a browser: the session cookie cannot be read or forged, the
facts form keeps what it does not show, redirects stay on this site, the dispatcher splits paths."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml
from starlette.datastructures import FormData
from starlette.testclient import TestClient

from services.web import facts
from services.web.config import WebSettings
from services.web.dispatch import Dispatcher
from services.web.main import create_app
from services.web.pages import safe_next
from services.web.session import Session, SessionCodec
from tests.deploy.conftest import DEPLOY

FRAMEWORK: dict[str, Any] = {
    "context_facts": [{"code": "lms", "title": {"vi": "LMS", "en": "LMS"}}],
    "groups": [
        {
            "code": "1",
            "title": {"vi": "Nhóm 1", "en": "Group 1"},
            "criteria": [
                {"code": "1.1", "kind": "mandatory", "title": {"vi": "a", "en": "a"}, "items": []},
                {
                    "code": "1.4",
                    "kind": "scored",
                    "title": {"vi": "b", "en": "b"},
                    "items": [
                        {"code": "1.4.1", "title": {"vi": "c", "en": "c"}, "cap": {"rule": "count_band"}},
                        {"code": "1.6.1", "title": {"vi": "d", "en": "d"}, "cap": {"rule": "percent_band"}},
                    ],
                },
            ],
        }
    ],
}


def test_the_session_cookie_is_encrypted_and_tamper_evident() -> None:
    codec = SessionCodec("k" * 40, max_age=60)
    raw = codec.dumps(Session(token="eyJ.secret.token", username="head"))
    assert "eyJ" not in raw
    assert "head" not in raw
    assert codec.loads(raw).token == "eyJ.secret.token"  # type: ignore[union-attr]
    assert codec.loads(raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")) is None
    assert SessionCodec("other" * 10, max_age=60).loads(raw) is None  # another key: refused


@pytest.mark.parametrize("environment", ["production", "development", "test"])
def test_an_unset_or_placeholder_session_key_is_refused_in_every_mode(environment) -> None:
    with pytest.raises(ValueError, match="session_secret"):
        WebSettings(environment=environment)
    with pytest.raises(ValueError, match="placeholder"):
        WebSettings(
            environment=environment, session_secret="dev-only-web-session-secret-change-me-0123456789"
        )
    assert WebSettings(environment="production", session_secret="s" * 40).environment == "production"


def test_the_facts_form_merges_into_the_stored_facts() -> None:
    stored = {"1.1": {"met": True, "evidence": ["ev1"]}, "1.4.1": {"count": 3}, "2.1": {"members": 5}}
    sections = facts.build(FRAMEWORK, stored, None)
    form = FormData([("f|1.1|met", "1"), ("f|1.4.1|count", "12"), ("f|1.6.1|numerator", "3"),
                     ("f|1.6.1|denominator", "10"), ("f|lms|deployed", "1")])  # fmt: skip
    out = facts.merge(sections, form, stored)
    assert out["1.1"] == {"met": True, "evidence": ["ev1"]}  # evidence the form does not show: kept
    assert out["1.4.1"] == {"count": 12}
    assert out["1.6.1"] == {"numerator": 3, "denominator": 10}
    assert out["lms"] == {"deployed": True}
    assert out["2.1"] == {"members": 5}


def test_only_reopened_items_are_editable_and_merged() -> None:
    stored = {"1.4.1": {"count": 3}, "1.6.1": {"numerator": 1, "denominator": 2}}
    sections = facts.build(FRAMEWORK, stored, ["1.6.1"])
    editable = {r.code for s in sections for r in s.rows if r.editable}
    assert editable == {"1.6.1"}
    form = FormData([("f|1.4.1|count", "40"), ("f|1.6.1|numerator", "2"), ("f|1.6.1|denominator", "2")])
    out = facts.merge(sections, form, stored)
    assert out["1.4.1"] == {"count": 3}  # a closed item ignores what was posted
    assert out["1.6.1"] == {"numerator": 2, "denominator": 2}


def test_a_number_typed_wrong_is_sent_as_typed_for_the_service_to_explain() -> None:
    sections = facts.build(FRAMEWORK, {}, None)
    out = facts.merge(sections, FormData([("f|1.4.1|count", "mười")]), {})
    assert out["1.4.1"] == {"count": "mười"}


@pytest.mark.parametrize("url", ["//evil.example/x", "https://evil.example/", "/\\evil", "", None])
def test_redirects_after_sign_in_stay_on_this_site(url: str | None) -> None:
    assert safe_next(url) == "/"


def test_safe_paths_are_kept() -> None:
    assert safe_next("/schools/79100002/2024-2025") == "/schools/79100002/2024-2025"


def test_the_dispatcher_sends_api_paths_to_the_gateway_and_pages_to_the_web() -> None:
    def app_named(name: str) -> Any:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", name.encode())]})
            await send({"type": "http.response.body", "body": b""})

        return app

    # TestClient runs the app on its own thread's loop (the browser tests keep one running here)
    c = TestClient(Dispatcher(app_named("gateway"), app_named("web")))
    for path in ("/api/v1/org/schools", "/oauth/token", "/auth/login", "/graphql", "/docs", "/healthz"):
        assert c.get(path).headers["x-app"] == "gateway", path
    for path in ("/", "/login", "/schools/1/2024-2025", "/dashboard", "/static/app.css", "/apix"):
        assert c.get(path).headers["x-app"] == "web", path


def test_every_page_path_the_ingress_sends_to_the_web_is_served_by_it() -> None:
    ingress = yaml.safe_load((DEPLOY / "base" / "ingress.yaml").read_text())
    rules = ingress["spec"]["rules"][0]["http"]["paths"]
    paths = [x["path"] for x in rules if x["backend"]["service"]["name"] == "chiso-web"]
    samples = {
        "/logout": ("POST", "/logout"),
        "/lang": ("POST", "/lang"),
        "/schools/": ("GET", "/schools/79100002/2024-2025"),
        "/exports/": ("GET", "/exports/2024-2025.xlsx"),
        "/evidence/": ("GET", "/evidence/ev1/content"),
        "/static/": ("GET", "/static/app.css"),
        "/units/": ("GET", "/units/phong-79-q1/2024-2025"),
    }
    gateway = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(503)), base_url="http://gw"
    )
    c = TestClient(
        create_app(
            WebSettings(environment="test", session_secret="test-web-session-secret-0123456789"),
            gateway=gateway,
        ),
        follow_redirects=False,
    )
    assert paths
    for p in paths:
        method, path = samples.get(p, ("GET", p))
        r = c.request(method, path)
        assert r.status_code not in (404, 405), (p, r.status_code)  # routed (303 to sign in, 403 CSRF)
