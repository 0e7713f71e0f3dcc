"""Links as evidence, and the SSRF-safe check (upstreams mocked with respx, DNS with a fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from services.evidence.links.check import LinkChecker, forbidden, validate_url
from shared.errors import Unprocessable
from tests.evidence.conftest import SCHOOL
from tests.org import OFFICER_A, OFFICER_B, STAFF

PUBLIC = "93.184.215.14"
PUBLIC2 = "151.101.1.69"
DNS = {
    "lms.example.vn": [PUBLIC],
    "cdn.example.vn": [PUBLIC2],
    "intranet.example.vn": ["10.0.0.5"],
    "mixed.example.vn": [PUBLIC, "192.168.1.1"],
    "metadata.example.vn": ["169.254.169.254"],
}


async def fake_resolver(host: str, port: int) -> list[str]:
    return DNS.get(host, [])


@pytest.fixture
async def checker() -> AsyncIterator[LinkChecker]:
    async with httpx.AsyncClient(follow_redirects=False) as c:
        yield LinkChecker(c, fake_resolver, timeout=1.0, max_bytes=64 * 1024, max_redirects=2)


class TestAddresses:
    @pytest.mark.parametrize(
        "address",
        [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "::1",
            "fe80::1",
            "fc00::1",
            "::ffff:127.0.0.1",
            "203.0.113.5",
            "not-an-ip",
        ],
    )
    def test_forbidden(self, address):
        assert forbidden(address)

    @pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111"])
    def test_public(self, address):
        assert not forbidden(address)

    @pytest.mark.parametrize(
        ("url", "code"),
        [
            ("ftp://lms.example.vn/", "url_scheme"),
            ("javascript:alert(1)", "url_scheme"),
            ("http://user:pw@lms.example.vn/", "url_credentials"),
            ("http:///nohost", "url_invalid"),
            ("file:///etc/passwd", "url_scheme"),
        ],
    )
    def test_bad_urls_are_422(self, url, code):
        with pytest.raises(Unprocessable) as e:
            validate_url(url)
        assert [(f.pointer, f.code) for f in e.value.errors] == [("/url", code)]


@respx.mock
class TestCheck:
    async def test_public_link_is_fetched_at_the_checked_address(self, checker):
        route = respx.get(f"http://{PUBLIC}/khoa-hoc").respond(200, text="ok")
        result = await checker.check("http://lms.example.vn/khoa-hoc")
        assert (result.status, result.error) == (200, None)
        assert route.calls.last.request.headers["host"] == "lms.example.vn"

    @pytest.mark.parametrize(
        "url",
        [
            "http://intranet.example.vn/",
            "http://mixed.example.vn/",
            "http://metadata.example.vn/latest/",
            "http://127.0.0.1:8000/",
            "http://[::1]/",
            "http://169.254.169.254/",
            "http://unknown.example.vn/",
        ],
    )
    async def test_forbidden_destinations_are_never_contacted(self, checker, url):
        route = respx.route().respond(200)
        result = await checker.check(url)
        assert (result.status, result.error) == (None, "forbidden_address")
        assert not route.called

    async def test_redirect_to_a_forbidden_host_is_not_followed(self, checker):
        respx.get(f"http://{PUBLIC}/").respond(302, headers={"Location": "http://169.254.169.254/latest/"})
        inner = respx.get("http://169.254.169.254/latest/").respond(200)
        result = await checker.check("http://lms.example.vn/")
        assert result.error == "forbidden_address"
        assert not inner.called

    async def test_redirect_to_a_public_host_is_followed(self, checker):
        respx.get(f"http://{PUBLIC}/").respond(301, headers={"Location": "https://cdn.example.vn/x"})
        final = respx.get(f"https://{PUBLIC2}/x").respond(204)
        result = await checker.check("http://lms.example.vn/")
        assert (result.status, result.error) == (204, None)
        assert final.calls.last.request.headers["host"] == "cdn.example.vn"
        assert final.calls.last.request.extensions["sni_hostname"] == "cdn.example.vn"

    async def test_redirect_loops_stop(self, checker):
        respx.get(f"http://{PUBLIC}/").respond(302, headers={"Location": "/"})
        assert (await checker.check("http://lms.example.vn/")).error == "too_many_redirects"

    async def test_redirect_to_another_scheme_is_refused(self, checker):
        respx.get(f"http://{PUBLIC}/").respond(302, headers={"Location": "file:///etc/passwd"})
        result = await checker.check("http://lms.example.vn/")
        assert (result.status, result.error) == (302, "bad_redirect")

    async def test_timeouts_and_refusals_are_recorded(self, checker):
        respx.get(f"http://{PUBLIC}/slow").mock(side_effect=httpx.ReadTimeout("slow"))
        respx.get(f"http://{PUBLIC}/down").mock(side_effect=httpx.ConnectError("refused"))
        assert (await checker.check("http://lms.example.vn/slow")).error == "timeout"
        assert (await checker.check("http://lms.example.vn/down")).error == "unreachable"

    async def test_reading_stops_at_the_cap(self, checker):
        sent = 0

        async def big() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(1000):
                sent += 1
                yield b"x" * 16384

        respx.get(f"http://{PUBLIC}/big").mock(return_value=httpx.Response(200, content=big()))
        assert (await checker.check("http://lms.example.vn/big")).status == 200
        assert sent <= 5


LINKS = f"/api/v1/schools/{SCHOOL}/evidence/links"
LINK = {"school_year": "2024-2025", "title": "Hệ thống LMS", "kind": "screenshot", "items": ["1.3.2"]}


@pytest.fixture
def fake_dns(app):
    app.state.link_checker.resolver = fake_resolver


class TestApi:
    async def test_add_without_check(self, client):
        r = await client.post(LINKS, json={**LINK, "url": "https://lms.example.vn/"}, headers=STAFF)
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["source"], body["url"], body["link_status"], body["codes"]) == (
            "link",
            "https://lms.example.vn/",
            None,
            ["MC-1.3-01"],
        )

    async def test_add_with_check_and_recheck(self, client, fake_dns, respx_mock):
        # the in-process ASGI transports (scoring, this app) are not intercepted by respx
        respx_mock.get(f"https://{PUBLIC}/").respond(200)
        r = await client.post(
            LINKS, json={**LINK, "url": "https://lms.example.vn/", "check": True}, headers=STAFF
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["link_status"], body["link_error"]) == (200, None)
        assert body["link_checked_at"]
        respx_mock.get(f"https://{PUBLIC}/").respond(404)
        r = await client.post(f"/api/v1/evidence/{body['id']}/check", headers=OFFICER_A)
        assert (r.status_code, r.json()["link_status"]) == (200, 404)
        r = await client.post(f"/api/v1/evidence/{body['id']}/check", headers=OFFICER_B)
        assert r.status_code == 404

    async def test_private_link_is_recorded_as_forbidden(self, client, fake_dns):
        r = await client.post(
            LINKS, json={**LINK, "url": "http://intranet.example.vn/", "check": True}, headers=STAFF
        )
        assert r.status_code == 201
        assert r.json()["link_error"] == "forbidden_address"

    async def test_bad_url_and_items_are_422(self, client):
        r = await client.post(LINKS, json={**LINK, "url": "ftp://x/"}, headers=STAFF)
        assert (r.status_code, r.json()["validation_errors"][0]["pointer"]) == (422, "/url")
        r = await client.post(LINKS, json={**LINK, "items": ["7.7"], "url": "https://x.vn/"}, headers=STAFF)
        assert (r.status_code, r.json()["validation_errors"][0]["pointer"]) == (422, "/items/0")

    async def test_only_the_school_adds_links(self, client):
        r = await client.post(LINKS, json={**LINK, "url": "https://x.vn/"}, headers=OFFICER_A)
        assert r.status_code == 403
        r = await client.post(LINKS, json={**LINK, "url": "https://x.vn/"}, headers=OFFICER_B)
        assert r.status_code == 404
