"""Excel in: templates, dry run with per-cell errors (sheet, cell, message), commit through the
API's own write path with the caller's principal, and a long import as a job to poll."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from tests.papers.conftest import YEAR

XLSX = {"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FACTS_SCHOOL = "79100011"


async def template(demo: dict[str, Any], path: str, who: str = "admin") -> Workbook:
    r = await demo["gw"].get(f"/api/v1/imports/templates/{path}", headers=demo[who])
    assert r.status_code == 200, r.text
    return load_workbook(io.BytesIO(r.content))


def filled(wb: Workbook, sheet: str, rows: list[dict[str, Any]]) -> bytes:
    ws = wb[sheet]
    keys = [str(c.value) for c in ws[2]]
    for r in rows:
        ws.append([r.get(k) for k in keys])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def school(code: str, **over: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Trường Tiểu học Số {code[-2:]}",
        "levels": "TH",
        "managing_unit_id": "phong-79-q3",
        "opened_on": "05/09/2020",
        "ownership": "Ngoài công lập",
        **over,
    }


async def send(demo: dict[str, Any], name: str, body: bytes, who: str, dry_run: bool) -> Any:
    r = await demo["gw"].post(
        f"/api/v1/imports/{name}.xlsx",
        params={"dry_run": str(dry_run).lower()},
        content=body,
        headers={**demo[who], **XLSX},
    )
    return r


def cells(report: dict[str, Any]) -> dict[str, str]:
    return {e["cell"]: e["code"] for e in report["errors"]}


class TestRegistry:
    async def test_cell_errors_then_commit_through_the_org_import(self, demo: dict[str, Any]) -> None:
        wb = await template(demo, "truong-hoc.xlsx")
        assert [c.value for c in wb["Trường học"][2]][:2] == ["code", "name"]
        bad = filled(
            wb, "Trường học", [school("79399001"), school("79399002", opened_on="31/02/2024", ownership="Tư")]
        )
        r = await send(demo, "truong-hoc", bad, "admin", dry_run=True)
        assert r.status_code == 200, r.text
        assert cells(r.json()) == {"G4": "invalid", "H4": "invalid"}
        assert {e["sheet"] for e in r.json()["errors"]} == {"Trường học"}
        # the service's own rules come back at their cells: an unknown managing unit
        wb = await template(demo, "truong-hoc.xlsx")
        unknown = filled(wb, "Trường học", [school("79399001"), school("79399002", managing_unit_id="nope")])
        r = await send(demo, "truong-hoc", unknown, "admin", dry_run=False)
        assert cells(r.json()) == {"E4": "unknown_unit"}
        assert r.json()["committed"] is False
        gw = demo["gw"]
        # nothing written, not even the good row
        assert (await gw.get("/api/v1/org/schools/79399001", headers=demo["admin"])).status_code == 404
        wb = await template(demo, "truong-hoc.xlsx")
        good = filled(wb, "Trường học", [school("79399001"), school("79399002")])
        r = await send(demo, "truong-hoc", good, "admin", dry_run=False)
        assert (r.json()["committed"], r.json()["created"], r.json()["errors"]) == (True, 2, [])
        got = (await gw.get("/api/v1/org/schools/79399002", headers=demo["admin"])).json()
        assert (got["ownership"], got["opened_on"], got["managing_unit_id"]) == (
            "non_public",
            "2020-09-05",
            "phong-79-q3",
        )

    async def test_callers_own_rights(self, demo: dict[str, Any]) -> None:
        wb = await template(demo, "truong-hoc.xlsx", "phong.q1")
        body = filled(wb, "Trường học", [school("79399009")])
        r = await send(demo, "truong-hoc", body, "phong.q1", dry_run=True)
        assert r.status_code == 403  # the org import is an admin's act, whoever uploads the workbook

    async def test_not_a_workbook(self, demo: dict[str, Any]) -> None:
        r = await send(demo, "truong-hoc", b"code,name\n1,2\n", "admin", dry_run=True)
        assert r.json()["errors"][0]["code"] == "not_a_workbook"

    async def test_long_import_is_a_job_with_progress(self, demo: dict[str, Any]) -> None:
        wb = await template(demo, "truong-hoc.xlsx")
        body = filled(wb, "Trường học", [school(f"7938{n:04d}") for n in range(250)])
        r = await send(demo, "truong-hoc", body, "admin", dry_run=True)
        assert r.status_code == 202, r.text
        url = r.headers["location"]
        assert (await demo["gw"].get(url, headers=demo["phong.q1"])).status_code == 404  # only its owner
        for _ in range(200):
            job = (await demo["gw"].get(url, headers=demo["admin"])).json()
            if job["state"] in ("done", "failed"):
                break
            await asyncio.sleep(0.05)
        assert (job["state"], job["done"], job["total"]) == ("done", 250, 250)
        assert (job["report"]["created"], job["report"]["errors"]) == (250, [])
        r = await demo["gw"].get("/api/v1/org/schools/79380000", headers=demo["admin"])
        assert r.status_code == 404  # a dry run writes nothing
        # a job whose service refuses the caller ends as failed, with the service's reason
        r = await send(demo, "truong-hoc", body, "phong.q1", dry_run=True)
        url = r.headers["location"]
        for _ in range(200):
            job = (await demo["gw"].get(url, headers=demo["phong.q1"])).json()
            if job["state"] in ("done", "failed"):
                break
            await asyncio.sleep(0.05)
        assert job["state"] == "failed"
        assert "admin" in job["report"]["error"]["en"]


class TestFacts:
    async def test_dry_run_cells_then_commit_through_bulk(self, demo: dict[str, Any]) -> None:
        gw = demo["gw"]
        r = await gw.get(
            "/api/v1/imports/templates/du-lieu-truong.xlsx",
            params={"school": FACTS_SCHOOL, "year": YEAR},
            headers=demo["staff.new"],
        )
        wb = load_workbook(io.BytesIO(r.content))
        ws = wb["Dữ liệu"]
        keys = [c.value for c in ws[2]]
        assert [c.value for c in ws[3]][:2] == [FACTS_SCHOOL, YEAR]  # prefilled
        guide = {row[0]: str(row[1]) for row in wb["Hướng dẫn"].iter_rows(values_only=True)}
        assert guide["1.6.1"].startswith("Tỉ lệ giáo viên có tài khoản")

        def put(values: dict[str, Any]) -> bytes:
            for k, v in values.items():
                ws.cell(3, keys.index(k) + 1, v)
            out = io.BytesIO()
            wb.save(out)
            return out.getvalue()

        col = {k: chr(ord("A") + i) for i, k in enumerate(keys) if i < 26}
        body = put({"1.1.met": "Có", "1.4.1.count": "nhiều", "1.6.1.numerator": 40, "1.6.1.denominator": 30})
        r = await send(demo, "du-lieu-truong", body, "staff.new", dry_run=True)
        assert cells(r.json()) == {f"{col['1.4.1.count']}3": "invalid"}
        body = put({"1.4.1.count": 25})
        r = await send(demo, "du-lieu-truong", body, "staff.new", dry_run=True)
        assert cells(r.json()) == {f"{col['1.6.1.numerator']}3": "numerator_above_denominator"}
        body = put({"1.6.1.numerator": 20})
        r = await send(demo, "du-lieu-truong", body, "staff.new", dry_run=True)
        assert (r.json()["errors"], r.json()["created"]) == ([], 1)
        self_url = f"/api/v1/schools/{FACTS_SCHOOL}/assessments/{YEAR}/self"
        assert (await gw.get(self_url, headers=demo["staff.new"])).status_code == 404  # dry run
        r = await send(demo, "du-lieu-truong", body, "staff.new", dry_run=False)
        assert (r.json()["committed"], r.json()["created"]) == (True, 1)
        a = (await gw.get(self_url, headers=demo["staff.new"])).json()
        assert a["facts"]["1.6.1"] == {"numerator": 20, "denominator": 30}
        assert a["facts"]["1.1"] == {"met": True}
        assert a["facts"]["1.4.1"] == {"count": 25}

    async def test_members_and_solution_names_then_submit(self, demo: dict[str, Any]) -> None:
        """I-10 asks at submission for the 2.1 members (name, position, email, phone) and the names
        of the solutions deployed: a school fills them in the workbook and submits from it."""
        gw, code = demo["gw"], "79300003"
        self_url = f"/api/v1/schools/{code}/assessments/{YEAR}/self"
        assert (await gw.get(self_url, headers=demo["staff.q3"])).status_code == 404  # not started
        r = await gw.get(
            "/api/v1/imports/templates/du-lieu-truong.xlsx",
            params={"school": code, "year": YEAR},
            headers=demo["staff.q3"],
        )
        wb = load_workbook(io.BytesIO(r.content))
        assert wb.sheetnames == ["Dữ liệu", "Thành viên 2.1", "Hướng dẫn"]
        facts, members = wb["Dữ liệu"], wb["Thành viên 2.1"]
        keys = [c.value for c in facts[2]]
        header = ["school_code", "school_year", "name", "position", "email", "phone"]
        assert [c.value for c in members[2]] == header

        def letter(k: str) -> str:
            return get_column_letter(keys.index(k) + 1)

        row = {"1.1.met": "Có", "2.1.met": "Có", "lms.deployed": "Có", "lms.name": "K12Online",
               "lms.acquisition": "Thuê", "sms.deployed": "Có", "sms.name": "SMAS", "sms.acquisition": "Mua",
               "1.5.1.deployed": "Có", "2.3.1.deployed": "Có", "submit": "Có"}  # fmt: skip
        for k, v in row.items():
            facts.cell(3, keys.index(k) + 1, v)
        members.append([code, YEAR, "Nguyễn Văn An", "Hiệu trưởng", "an@example.edu.vn", "0901000001"])
        members.append([code, YEAR, "Trần Thị Bình", "Phó Hiệu trưởng", None, "0901000002"])
        members.append(["79300099", YEAR, "Lê Văn Cường", "Giáo viên", "c@example.edu.vn", "0901000003"])

        def body() -> bytes:
            out = io.BytesIO()
            wb.save(out)
            return out.getvalue()

        # a member of a school not on the facts sheet is caught while reading, nothing sent
        r = await send(demo, "du-lieu-truong", body(), "staff.q3", dry_run=True)
        assert [(e["sheet"], e["cell"], e["code"]) for e in r.json()["errors"]] == [
            ("Thành viên 2.1", "A5", "member_without_row")
        ]
        members.delete_rows(5)
        # what submission asks for comes back at its cells: the member's e-mail, 1.5.1's name
        r = await send(demo, "du-lieu-truong", body(), "staff.q3", dry_run=False)
        got = {(e["sheet"], e["cell"], e["code"]) for e in r.json()["errors"]}
        assert got == {
            ("Thành viên 2.1", "E4", "required_at_submission"),
            ("Dữ liệu", f"{letter('1.5.1.name')}3", "required_at_submission"),
        }
        assert r.json()["committed"] is False
        assert (await gw.get(self_url, headers=demo["staff.q3"])).status_code == 404  # nothing written
        members["E4"] = "binh@example.edu.vn"
        facts[f"{letter('1.5.1.name')}3"] = "Phần mềm thư viện số"
        r = await send(demo, "du-lieu-truong", body(), "staff.q3", dry_run=False)
        report = r.json()
        outcome = (report["errors"], report["committed"], report["created"], report["submitted"])
        assert outcome == ([], True, 1, 1)
        a = (await gw.get(self_url, headers=demo["staff.q3"])).json()
        assert a["state"] == "submitted"
        assert a["facts"]["2.1"]["members"][1] == {
            "name": "Trần Thị Bình",
            "position": "Phó Hiệu trưởng",
            "email": "binh@example.edu.vn",
            "phone": "0901000002",
        }
        assert a["facts"]["lms"] == {"deployed": True, "name": "K12Online", "acquisition": "rented"}
        assert a["facts"]["1.5.1"] == {"deployed": True, "name": "Phần mềm thư viện số"}
