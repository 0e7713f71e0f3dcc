"""The Sở dashboard shows the API's own figures for the demo province, each a link to the schools
behind it; the public page needs no sign-in; the session cookie is out of page scripts' reach;
a form without its CSRF token is refused; the keyboard alone signs in and reaches the facts form."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

from tests.web.conftest import PASSWORD, YEAR, Server, axe_check, shot, sign_in

SO = "so-79"
PHONG = ["phong-79-q1", "phong-79-q3", "phong-79-td", "phong-79-cc"]


def figure(page: Any, name: str) -> int:
    return int(page.inner_text(f"[data-figure='{name}']"))


def levels_table(page: Any, unit: str) -> list[list[int]]:
    """The level 1, 2, 3 and not-assessed counts of one unit's rows (one per school level)."""
    name = page.inner_text(f"[data-table='states-{SO}'] tr:has([data-figure='schools-{unit}']) th")
    rows = page.locator(f"[data-table='levels-{SO}'] tbody tr", has=page.locator(f"th:text-is('{name}')"))
    return [[int(x) for x in r.locator("td").all_inner_texts()[1:]] for r in rows.all()]


def test_so_dashboard_counts_equal_the_api(page: Any, server: Server) -> None:
    sign_in(page, "so.officer")
    axe_check(page)  # the home page of a person with no school of their own
    page.goto("/dashboard")
    page.wait_for_selector("[data-figure='schools-so-79']")
    page.wait_for_selector(f"[data-table='levels-{SO}']")
    headers = server.token("so.officer")
    for unit in [SO, *PHONG]:
        r = httpx.get(
            f"{server.url}/api/v1/dashboard/units/{unit}/summary", params={"year": YEAR}, headers=headers
        )
        api = r.json()
        assert figure(page, f"schools-{unit}") == api["schools"], unit
        states = api["self_states"]
        for state in ("not_started", "draft", "submitted", "approved", "accepted"):
            assert figure(page, f"self-{state}-{unit}") == states.get(state, 0), (unit, state)
        ext = api["external_states"]
        for state in ("in_progress", "concluded", "recognised"):
            assert figure(page, f"ext-{state}-{unit}") == ext.get(state, 0), (unit, state)
        if unit != SO:  # levels by school level, summed over TH/THCS/THPT, equal the API's levels
            cells = levels_table(page, unit)
            assert sum(sum(row) for row in cells) == api["schools"], unit
            finished = {
                x["level"]: x["count"]
                for x in api["levels"]
                if x["kind"] == "self" and x["group"] == "overall"
            }
            for lv in (1, 2, 3):
                assert sum(row[lv - 1] for row in cells) == finished.get(lv, 0), (unit, lv)
    axe_check(page)
    shot(page, "dashboard", full=True)
    # an export, one click away, with its progress shown while it comes
    with page.expect_download() as download:
        page.click("text=Excel kết quả tự đánh giá")
    page.wait_for_selector("#export-progress:has-text('Đã hoàn tất')")
    assert download.value.suggested_filename == f"tu-danh-gia-{YEAR}.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert workbook.worksheets[0].max_row > 1
    # a figure opens the schools behind it
    expected = figure(page, "self-approved-phong-79-q1")
    page.click("[data-figure='self-approved-phong-79-q1']")
    page.wait_for_url("**/dashboard/schools?**")
    assert page.locator("tbody tr").count() == expected
    axe_check(page)


def test_public_page_needs_no_sign_in(page: Any, server: Server) -> None:
    """The page shows papers' listing (every page of it), and only recognised results."""
    listing: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": "500", **({"cursor": cursor} if cursor else {})}
        r = httpx.get(f"{server.url}/api/v1/public/provinces/79/results/{YEAR}", params=params)
        assert r.status_code == 200  # no token
        listing += r.json()["items"]
        if not (cursor := r.json()["next_cursor"]):
            break
    response = page.goto("/public")
    assert response.status == 200
    assert "/login" not in page.url
    rows = page.locator("tr[data-school]")
    shown = rows.evaluate_all("rs => rs.map(r => r.dataset.school)")
    assert shown == [x["school_code"] for x in listing][: len(shown)]
    assert len(shown) == min(len(listing), 100)
    gql = {"query": f'{{ schools(year: "{YEAR}", first: 200, filter: {{externalState: recognised}}) '
           "{ nodes { code } } }"}  # fmt: skip
    rec = httpx.post(f"{server.url}/graphql", json=gql, headers=server.token("ministry")).json()
    recognised = {n["code"] for n in rec["data"]["schools"]["nodes"]}
    assert shown
    assert set(shown) == recognised  # every recognised result, and nothing else
    first = listing[0]
    row = page.inner_text(f"tr[data-school='{first['school_code']}']")
    assert first["decision_number"] in row
    assert (
        page.get_attribute(
            f"tr[data-school='{first['school_code']}'] a[href^='https://{first['school_code']}']", "href"
        )
        == first["publication_url"]
    )
    axe_check(page)
    shot(page, "public")


def test_session_cookie_is_http_only_and_forms_need_csrf(page: Any) -> None:
    sign_in(page, "staff.79100002")
    assert page.evaluate("document.cookie") == ""
    [cookie] = [c for c in page.context.cookies() if c["name"] == "chiso_web"]
    assert cookie["httpOnly"]
    assert cookie["secure"]
    assert cookie["sameSite"] == "Lax"
    r = page.request.post(f"/schools/79100002/{YEAR}/self/do/submit", form={"csrf": "forged"})
    assert r.status == 403
    r = page.request.post("/logout", form={})
    assert r.status == 403
    page.reload()
    assert "/login" not in page.url  # still signed in: the refused logout did nothing


def test_keyboard_only_path(page: Any) -> None:
    page.goto("/login")
    page.keyboard.type("staff.79100002")  # the username field has the focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/schools/79100002/{YEAR}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Nhập số liệu":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/self/facts")
    assert page.evaluate("document.activeElement.tagName") in {"BODY", "INPUT", "A"}
