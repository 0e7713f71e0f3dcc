"""Every main page opens for its people, passes axe-core, and is photographed into docs/web."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from services.web.config import WebSettings
from services.web.main import create_app
from tests.web.conftest import PASSWORD, YEAR, Server, axe_check, shot, sign_in


def test_school_page_shows_points_and_why(page: Any) -> None:
    page.goto("/login")
    axe_check(page)
    shot(page, "login")
    sign_in(page, "head.79100002")
    assert page.url.endswith(f"/schools/79100002/{YEAR}")
    page.wait_for_selector("#evidence table, #evidence p")
    assert page.locator("tr#row-self-1\\.3\\.1").count() == 1
    assert "Đã triển khai" in page.inner_text("tr#row-self-1\\.3\\.1") or "Chưa" in page.inner_text(
        "tr#row-self-1\\.3\\.1"
    )
    axe_check(page)
    shot(page, "school")


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def test_evidence_upload_and_link_show_their_catalogue_codes(page: Any) -> None:
    sign_in(page, "staff.79100002")
    page.wait_for_selector("#evidence details")
    page.click("#evidence summary")
    page.fill("#ev-title", "Kế hoạch dạy học trực tuyến")
    page.select_option("#ev-kind", "plan")
    page.fill("#ev-items", "1.1")
    page.set_input_files(
        "#ev-file", files=[{"name": "ke-hoach.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("#evidence button[type=submit]")
    page.wait_for_selector("#evidence table")
    row = page.inner_text("#evidence tbody tr")
    assert "MC-1.1-01" in row
    assert "Kế hoạch dạy học trực tuyến" in row
    # a wrong item code is explained in the page, in Vietnamese, and nothing is added
    page.click("#evidence summary")
    page.fill("#ev-title", "Sai mã")
    page.fill("#ev-items", "9.9.9")
    page.fill("#ev-url", "https://lms.example.edu.vn/")
    page.click("#evidence button[type=submit]")
    page.wait_for_selector("#evidence .notice.error")
    assert "/items/0" in page.inner_text("#evidence .notice.error")
    assert page.locator("#evidence tbody tr").count() == 1
    with page.expect_download() as download:
        page.click("#evidence tbody a")
    assert download.value.suggested_filename.endswith(".pdf")
    axe_check(page)
    shot(page, "evidence", at="#ev-h")


def test_the_web_app_alone_calls_the_gateway_over_http(server: Server) -> None:
    """Distributed mode: no client handed in, the app's lifespan opens one to WEB_GATEWAY_URL."""
    app = create_app(
        WebSettings(
            environment="test", gateway_url=server.url, session_secret="test-web-session-secret-0123456789"
        )
    )
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        page = c.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "username": "head.79100002", "password": PASSWORD, "next": "/"}
        assert c.post("/login", data=form).status_code == 303
        r = c.get(f"/schools/79100002/{YEAR}")
        assert r.status_code == 200
        assert "Trường Tiểu học Trần Hưng Đạo" in r.text
        assert c.get("/readyz").status_code == 200
