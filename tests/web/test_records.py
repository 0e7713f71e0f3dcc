"""The web wired to insights and papers through the real embedded run: the next level and the
improvement plan where the school sees its score, the council, the teams and schedule, the
publication links, the cycle's documents, and Excel in. Each page is compared with the API."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from docx import Document
from openpyxl import load_workbook

from services.scoring.assessments.rules import vn_today
from tests.web.conftest import YEAR, Server, axe_check, make_user, shot, sign_in

BASE = "/api/v1/schools/{code}/assessments/" + YEAR


def api(server: Server, user: str, path: str) -> Any:
    r = httpx.get(f"{server.url}{path}", headers=server.token(user))
    assert r.status_code == 200, r.text
    return r.json()


def test_next_level_and_plan_where_the_school_sees_its_score(page: Any, server: Server) -> None:
    code = "79100002"  # a draft in the demo; its head is a demo user
    head = f"head.{code}"
    # last year's plan, carried into this year's page with its progress against this year's facts
    last = f"/api/v1/schools/{code}/assessments/2023-2024"
    # that year is past its edit lock: the Sở opens it for this school by an audited extension
    until = (vn_today() + timedelta(days=7)).isoformat()
    ext = {"reason": "Bổ sung kế hoạch năm trước", "until": until}
    r = httpx.post(f"{server.url}{last}/self/extensions", json=ext, headers=server.token("so.officer"))
    assert r.status_code in (200, 201), r.text
    h = server.token(head)
    r = httpx.put(f"{server.url}{last}/self", json={"facts": {"1.4.1": {"count": 5}}}, headers=h)
    assert r.status_code in (200, 201), r.text
    target = {"item": "1.4.1", "target": {"count": 40}, "owner": "Tổ Tin học", "due": "2024-05-31"}
    r = httpx.put(f"{server.url}{last}/plan", json={"targets": [target]}, headers=h)
    assert r.status_code == 200, r.text

    sign_in(page, head)
    page.wait_for_selector(".next-level")
    nl = api(server, head, f"{BASE.format(code=code)}/self/next-level")
    for g in nl["groups"]:
        card = page.locator(f".next-level[data-group='{g['code']}']")
        assert card.locator("table.option").count() == len(g["options"])
        first = [c["item"] for c in g["options"][0]["changes"]]
        assert card.locator("table.option").first.locator("tbody th").all_inner_texts() == first
        assert g["options"][0]["changes"][0]["why"]["vi"] in card.inner_text()
        assert g["why"]["vi"] in card.inner_text()
    carried = page.locator("#plan-carried tr[data-item='1.4.1']")
    plan = api(server, head, f"{BASE.format(code=code)}/plan")
    assert carried.get_attribute("data-status") == plan["carried"][0]["progress"]["status"]
    axe_check(page)
    shot(page, "next-level", at="#nl-h")

    # a next-level option put into the plan form as it is
    page.click("[data-adopt='1-1']")
    change = nl["groups"][0]["options"][0]["changes"][0]
    assert page.input_value("#item-0") == change["item"]
    typed = ", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in change["to"].items())
    assert page.input_value("#target-0") == typed
    # the plan: adopt last year's target, a due date out of range is pointed at, then saved
    page.click("text=Đưa mục tiêu năm trước vào kế hoạch")
    assert page.input_value("#item-0") == "1.4.1"
    assert page.input_value("#target-0") == "count=40"
    page.fill("#item-1", "1.5.1")
    page.fill("#target-1", "deployed=true")
    page.fill("#owner-1", "Tổ Tin học")
    page.fill("#due-1", "2030-01-01")
    page.fill("#due-0", "2025-05-31")
    page.click("#plan-form ~ form button[type=submit]")
    assert "/targets/1/due" in page.inner_text("#form-error")
    assert page.input_value("#item-1") == "1.5.1"  # what was typed is kept
    page.fill("#due-1", "2025-06-30")
    page.click("#plan-form ~ form button[type=submit]")
    page.wait_for_url(re.compile(r"/plan\?ok=saved"))
    plan = api(server, head, f"{BASE.format(code=code)}/plan")
    assert [(t["item"], t["target"]) for t in plan["targets"]] == [
        ("1.4.1", {"count": 40}),
        ("1.5.1", {"deployed": True}),
    ]
    shown = page.locator("#plan-targets tbody tr")
    assert shown.count() == 2
    assert shown.first.get_attribute("data-status") == plan["targets"][0]["progress"]["status"]
    axe_check(page)
    shot(page, "plan", full=True)

    # in English, the engine's why in English
    page.click("button:has-text('English')")
    page.goto(f"/schools/{code}/{YEAR}#nl-h")
    page.wait_for_selector(".next-level")
    assert nl["groups"][0]["options"][0]["changes"][0]["why"]["en"] in page.inner_text(".next-level >> nth=0")
    page.click("button:has-text('Tiếng Việt')")


def test_next_level_at_the_top_level(page: Any, server: Server) -> None:
    code = "79100009"  # recognised in the demo, both groups at level 3
    sign_in(page, make_user(server, f"head.{code}", "school_head", code))
    page.wait_for_selector(".next-level")
    nl = api(server, f"head.{code}", f"{BASE.format(code=code)}/self/next-level")
    tops = {g["code"] for g in nl["groups"] if g["target_level"] is None}
    assert tops
    assert {
        c.get_attribute("data-group") for c in page.locator(".next-level:has([data-case=top])").all()
    } == tops


def test_council_and_publication_link_edited_by_the_school(page: Any, server: Server) -> None:
    code = "79100002"
    sign_in(page, f"head.{code}")
    page.goto(f"/schools/{code}/{YEAR}/council")
    before = api(server, f"head.{code}", f"/api/v1/schools/{code}/council/{YEAR}")
    lines = page.input_value("#members").splitlines()
    assert len(lines) == len(before["members"])
    # without a chair the council is refused, and the page points at the field
    page.fill("#members", "\n".join(x for x in lines if "chu_tich" not in x.split("|")[2]))
    page.click("#edit-h ~ form button[type=submit]")
    assert page.locator("#form-error").count() == 1
    assert "/members" in page.inner_text("#form-error")
    page.fill("#members", "\n".join([*lines, "Đỗ Thị Mai | Giáo viên | uy_vien | Minh chứng Nhóm 1"]))
    page.click("#edit-h ~ form button[type=submit]")
    page.wait_for_url(re.compile(r"/council\?ok=saved"))
    after = api(server, f"head.{code}", f"/api/v1/schools/{code}/council/{YEAR}")
    assert after["version"] == before["version"] + 1
    assert after["members"][-1]["name"] == "Đỗ Thị Mai"
    assert page.locator("#council-members tbody tr").count() == len(after["members"])
    axe_check(page)
    shot(page, "council", full=True)
    # the publication link: not a web address is refused with its pointer, a good one shown
    page.fill("#url", "ftp://truong.example")
    page.click("#link-h ~ form button[type=submit]")
    assert "/url" in page.inner_text("#form-error")
    page.fill("#url", "https://truong-79100002.edu.vn/cds")
    page.click("#link-h ~ form button[type=submit]")
    page.wait_for_url(re.compile(r"ok=saved"))
    page.goto(f"/schools/{code}/{YEAR}")
    assert page.get_attribute("#publication-link", "href") == "https://truong-79100002.edu.vn/cds"


def test_documents_download_through_the_web(page: Any, server: Server, tmp_path: Path) -> None:
    code = "79100002"
    sign_in(page, f"staff.{code}")
    listed = api(server, f"staff.{code}", f"/api/v1/schools/{code}/documents/{YEAR}")
    links = page.locator("#documents a").evaluate_all("xs => xs.map(x => x.getAttribute('href'))")
    assert {h.rsplit("/", 1)[1] for h in links if h.endswith(".pdf")} == set(listed)
    with page.expect_download() as download:
        page.click("#documents a[href$='qd-thanh-lap-hoi-dong.docx']")
    page.wait_for_selector("#doc-progress:has-text('Đã hoàn tất')")
    text = "\n".join(p.text for p in Document(download.value.path()).paragraphs)
    assert "Hội đồng tự đánh giá".casefold() in text.casefold()

    sign_in(page, "phong.q1")
    page.goto(f"/units/phong-79-q1/{YEAR}")
    listed = api(server, "phong.q1", f"/api/v1/units/phong-79-q1/documents/{YEAR}")
    links = page.locator("#documents a").evaluate_all("xs => xs.map(x => x.getAttribute('href'))")
    assert {h.rsplit("/", 1)[1] for h in links if not h.endswith(".docx")} == set(listed)
    teams = api(server, "phong.q1", f"/api/v1/units/phong-79-q1/teams/{YEAR}")
    assert page.locator("table.team").count() == len(teams["teams"])
    axe_check(page)
    shot(page, "unit", full=True)
    with page.expect_download() as download:
        page.click("#documents a[href$='qd-thanh-lap-doan.pdf']")
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"%PDF-")
    with page.expect_download() as download:
        page.click("#documents a[href$='ket-qua.xlsx']")
    wb = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "Kết quả" in wb.sheetnames
    # the recognition decision by its number, as the school's external assessment records it
    ext = api(server, "phong.q1", f"{BASE.format(code='79100010')}/external")
    page.fill("#decision", ext["decision_number"])
    with page.expect_download() as download:
        page.click("text=Tải về PDF")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    page.goto(f"/units/phong-79-q1/{YEAR}/documents/qd-cong-nhan.pdf?decision=999/QĐ-KHONG")
    assert ext["decision_number"] in page.inner_text("main")  # the 422 names the numbers there are


def test_teams_and_schedule_edited_by_the_phong(page: Any, server: Server) -> None:
    unit = "phong-79-q1"
    sign_in(page, "phong.q1")
    page.goto(f"/units/{unit}/{YEAR}/teams")
    before = api(server, "phong.q1", f"/api/v1/units/{unit}/teams/{YEAR}")
    n = len(before["teams"])
    taken = before["teams"][0]["assignments"][0]["school_code"]
    # a new team with no lead, and a school another team already assesses: both pointed at
    page.fill(f"#team-{n}", "Đoàn bổ sung")
    page.fill(f"#members-{n}", "Lý Văn Tâm | Chuyên viên | Phòng GDĐT Quận 1 | thanh_vien | Đánh giá Nhóm 1")
    page.fill(f"#assignments-{n}", f"{taken} | 2025-06-20")
    page.click("#edit-h ~ form button[type=submit]")
    error = page.inner_text("#form-error")
    assert f"/teams/{n}" in error
    assert page.input_value(f"#team-{n}") == "Đoàn bổ sung"  # what was typed is kept
    page.fill(f"#members-{n}", "Lý Văn Tâm | Chuyên viên | Phòng GDĐT Quận 1 | truong_doan | Điều hành")
    page.fill(f"#assignments-{n}", "")
    page.click("#edit-h ~ form button[type=submit]")
    page.wait_for_url(re.compile(r"/teams\?ok=saved"))
    after = api(server, "phong.q1", f"/api/v1/units/{unit}/teams/{YEAR}")
    assert [t["name"] for t in after["teams"]] == [*(t["name"] for t in before["teams"]), "Đoàn bổ sung"]
    assert page.locator("table.team").count() == n + 1
    axe_check(page)
    shot(page, "teams")


def test_excel_in_dry_run_cell_errors_then_commit(page: Any, server: Server) -> None:
    code = "79100011"  # no self-assessment in the demo
    staff = make_user(server, f"staff.{code}", "school_staff", code)
    sign_in(page, staff)
    page.goto("/imports")
    axe_check(page)
    with page.expect_download() as download:
        page.click(f"#templates a[data-school='{code}']")
    page.wait_for_selector("#tpl-progress:has-text('Đã hoàn tất')")
    wb = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    ws = wb["Dữ liệu"]
    keys = [c.value for c in ws[2]]
    assert [c.value for c in ws[3]][:2] == [code, YEAR]

    def upload(values: dict[str, Any], button: str) -> None:
        for k, v in values.items():
            ws.cell(3, keys.index(k) + 1, v)
        out = io.BytesIO()
        wb.save(out)
        page.set_input_files("#file", files=[{"name": "du-lieu.xlsx", "mimeType": "application/octet-stream",
                                              "buffer": out.getvalue()}])  # fmt: skip
        page.click(button)
        page.wait_for_selector("#import-report")

    col = {k: chr(ord("A") + i) for i, k in enumerate(keys) if i < 26}
    upload({"1.1.met": "Có", "1.4.1.count": "nhiều"}, "#dry-run")
    cells = page.locator("#cell-errors tbody tr").evaluate_all("rs => rs.map(r => r.dataset.cell)")
    assert cells == [f"{col['1.4.1.count']}3"], page.inner_text("#import-report")
    assert "Dữ liệu" in page.inner_text("#cell-errors tbody tr")
    shot(page, "imports", full=True)
    axe_check(page)
    self_url = f"{server.url}{BASE.format(code=code)}/self"
    assert httpx.get(self_url, headers=server.token(staff)).status_code == 404  # a dry run writes nothing
    upload({"1.4.1.count": 25}, "#dry-run")
    assert page.locator("#import-ok").count() == 1
    upload({}, "#commit")
    assert page.locator("#committed").count() == 1
    a = httpx.get(self_url, headers=server.token(staff)).json()
    assert a["facts"]["1.4.1"] == {"count": 25}
