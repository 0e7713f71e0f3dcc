"""Every main page opens for its people, passes axe-core, and is photographed into docs/web."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import YEAR, axe_check, shot, sign_in


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
