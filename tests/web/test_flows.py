"""The cycle as people walk it in the browser: a head approves; a Phòng returns one item with a
comment and the school fixes it and resubmits; scope holds when a URL is edited."""

from __future__ import annotations

import re
from typing import Any

import httpx

from services.scoring.assessments.rules import vn_today
from tests.web.conftest import YEAR, Server, axe_check, make_user, shot, sign_in, sign_out


def state_of(page: Any) -> str:
    return str(page.inner_text("#self-h .badge"))


def test_head_approves_a_submitted_self_assessment(page: Any, server: Server) -> None:
    code = "79100003"  # submitted in the demo
    sign_in(page, make_user(server, f"head.{code}", "school_head", code))
    assert page.url.endswith(f"/schools/{code}/{YEAR}")
    assert state_of(page) == "Đã nộp"
    page.click("button[data-action=approve]")
    page.wait_for_url(re.compile(r"ok=done"))
    assert state_of(page) == "Đã phê duyệt"
    assert page.locator("button[data-action=approve]").count() == 0  # approved is read-only
    r = httpx.get(
        f"{server.url}/api/v1/schools/{code}/assessments/{YEAR}/self", headers=server.token("so.officer")
    )
    assert r.json()["state"] == "approved"


def test_phong_returns_one_item_and_the_school_fixes_it(page: Any, server: Server) -> None:
    code = "79100004"  # approved in the demo, under Phòng Quận 1
    staff = make_user(server, f"staff.{code}", "school_staff", code)
    head = make_user(server, f"head.{code}", "school_head", code)

    sign_in(page, "phong.q1")
    page.goto("/review")
    axe_check(page)
    shot(page, "review-queue")
    page.click(f"a[href='/review/{code}/{YEAR}']")
    page.fill("#c-1\\.3\\.1", "Chưa có minh chứng phần mềm dạy học trực tuyến.")
    page.fill("#return-reason", "Bổ sung nội dung 1.3.1")
    axe_check(page)
    shot(page, "review-school")
    page.click("#return-form button[type=submit]")
    page.wait_for_url(re.compile(r"ok=done"))
    sign_out(page)

    sign_in(page, staff)
    assert state_of(page) == "Đang soạn"
    assert "Chưa có minh chứng phần mềm" in page.inner_text("tr#row-self-1\\.3\\.1")
    assert "1.3.1" in page.inner_text("main .notice >> nth=1")
    page.click("text=Nhập số liệu")
    assert page.locator("#f-1\\.3\\.1-deployed").is_enabled()
    assert page.locator("#f-1\\.4\\.1-count").is_disabled()  # only the returned item reopens
    axe_check(page)
    shot(page, "facts")
    box = page.locator("#f-1\\.3\\.1-deployed")
    box.set_checked(not box.is_checked())
    page.click("form.facts button[type=submit]")
    page.wait_for_url(re.compile(rf"/schools/{code}/{YEAR}\?ok=saved"))
    page.click("button[data-action=submit]")
    page.wait_for_url(re.compile(r"ok=done"))
    assert state_of(page) == "Đã nộp"
    sign_out(page)

    sign_in(page, head)
    page.click("button[data-action=approve]")
    page.wait_for_url(re.compile(r"ok=done"))
    assert state_of(page) == "Đã phê duyệt"


def test_a_district_user_cannot_reach_another_districts_school(page: Any, server: Server) -> None:
    sign_in(page, "phong.q1")
    other = "79200005"  # Phòng Quận 3
    for url in (f"/schools/{other}/{YEAR}", f"/review/{other}/{YEAR}", f"/schools/{other}/{YEAR}/self/facts"):
        response = page.goto(url)
        assert response.status == 404, url
        assert "Không tìm thấy trường" in page.inner_text("main")
    axe_check(page)
    shot(page, "not-found")
    csrf = page.get_attribute("input[name=csrf]", "value")
    r = page.request.post(f"/schools/{other}/{YEAR}/self/do/accept", form={"csrf": csrf})
    assert r.status == 404
    page.goto(f"/dashboard/schools?unit=phong-79-q3&year={YEAR}")
    assert page.locator("tbody tr").count() == 0  # another district's list is empty, not leaked


def test_english_switch_and_errors_in_the_persons_language(page: Any) -> None:
    sign_in(page, "phong.q1")
    page.click("button:has-text('English')")
    page.goto(f"/schools/79200005/{YEAR}")
    assert "School not found." in page.inner_text("main")
    page.goto("/review")
    assert "Awaiting acceptance" in page.inner_text("main")
    page.goto(f"/review/79100004/{YEAR}")  # criterion titles from the framework, in English
    assert "Live online teaching software deployed (named)" in page.inner_text("main")
    page.click("button:has-text('Tiếng Việt')")
    assert "Có triển khai phần mềm dạy học trực tuyến trực tiếp (ghi tên)" in page.inner_text("main")


def test_external_assessment_entered_concluded_and_recognised_in_a_batch(page: Any, server: Server) -> None:
    code = "79100007"  # external assessment in progress in the demo
    sign_in(page, "so.officer")
    page.goto(f"/review/{code}/{YEAR}")
    page.click(f"a[href='/schools/{code}/{YEAR}/external/facts']")
    page.fill("#f-1\\.4\\.1-count", "25")
    page.click("form.facts button[type=submit]")
    page.wait_for_url(re.compile(rf"/review/{code}/{YEAR}\?ok=saved"))
    page.click("#ext-h ~ .actions button[data-action=conclude]")
    page.wait_for_url(re.compile(r"ok=done"))
    assert "Đã kết luận" in page.inner_text("main > p:not(.notice)")

    page.goto("/review")
    rows = page.locator("#q-await_recognise ~ form input[name=school]")
    codes = rows.evaluate_all("xs => xs.map(x => x.value)")
    assert code in codes
    for box in rows.all():
        box.check()
    page.fill("#rec-dn", "901/QĐ-SGDĐT")
    page.fill("#rec-dd", vn_today().isoformat())  # never before the conclusion
    page.click("text=Công nhận các trường đã chọn")
    page.wait_for_selector("#recognise-results li")
    assert page.locator("#recognise-results li.ok").count() == len(codes)
    r = httpx.get(
        f"{server.url}/api/v1/schools/{code}/assessments/{YEAR}/external", headers=server.token("so.officer")
    )
    assert r.json()["state"] == "recognised"
    assert r.json()["decision_number"] == "901/QĐ-SGDĐT"
