"""Records the papers are generated from: the council, the teams and their schedule, school
ownership, publication links (all scoped and audited), the roster of expected schools, and the
public listing of recognised results."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from services.scoring.assessments.rules import vn_today
from shared.principal import Role
from tests.org import ADMIN, HEAD, OFFICER_A, OFFICER_B, OTHER_HEAD, SO_OFFICER, STAFF, VENDOR, who
from tests.scoring.test_engine_levels import FULL

YEAR = "2024-2025"
SO_ASSESSOR = who("assessor-so", Role.OFFICER, Role.ASSESSOR, units=("so-79",), name="Lê Văn Tâm")
COUNCIL = {
    "decision_number": "15/QĐ-THKĐ",
    "decision_date": "2024-10-01",
    "signer_name": "Nguyễn Thị Hoa",
    "members": [
        {"name": "Nguyễn Thị Hoa", "position": "Hiệu trưởng", "role": "chu_tich", "task": "Phụ trách chung"},
        {"name": "Trần Văn Bình", "position": "Phó Hiệu trưởng", "role": "pho_chu_tich", "task": "Nhóm 1"},
        {"name": "Lê Thị Cúc", "position": "Giáo viên", "role": "thu_ky", "task": "Ghi biên bản"},
    ],
}


def teams(*assignments: tuple[str, str]) -> dict[str, Any]:
    lead = {"name": "Phạm Quốc Huy", "position": "Trưởng phòng", "role": "truong_doan"}
    return {
        "decision_number": "120/QĐ-PGDĐT",
        "decision_date": "2025-06-01",
        "teams": [
            {
                "name": "Đoàn số 1",
                "members": [lead, {"name": "Võ Thị Sáu", "position": "Chuyên viên", "role": "thu_ky"}],
                "assignments": [{"school_code": c, "on": on} for c, on in assignments],
            }
        ],
    }


@pytest.fixture
async def org(client: httpx.AsyncClient, province: None) -> httpx.AsyncClient:
    return client


async def recognise(
    client: httpx.AsyncClient, code: str, number: str = "200/QĐ-SGDĐT", upto: int | None = None
) -> None:
    """The whole workflow up to công nhận, through the API."""
    base = f"/api/v1/schools/{code}/assessments/{YEAR}"
    school = who(f"head-{code}", Role.SCHOOL_HEAD, Role.SCHOOL_STAFF, schools=(code,))
    steps: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = [
        ("PUT", f"{base}/self", {"facts": FULL}, school),
        ("POST", f"{base}/self/submit", None, school),
        ("POST", f"{base}/self/approve", None, school),
        ("POST", f"{base}/self/request-external", None, school),
        ("POST", f"{base}/self/accept", None, SO_ASSESSOR),
        ("PUT", f"{base}/external", {"facts": FULL}, SO_ASSESSOR),
        ("POST", f"{base}/external/conclude", None, SO_ASSESSOR),
        (
            "POST",
            f"{base}/external/recognise",
            # dated today: a decision is never dated before the conclusion
            {"decision_number": number, "decision_date": vn_today().isoformat()},
            SO_ASSESSOR,
        ),
    ]
    for method, path, body, headers in steps[:upto]:
        r = await client.request(method, path, json=body, headers=headers)
        assert r.status_code < 300, (path, r.text)


class TestCouncil:
    url = f"/api/v1/schools/79701001/council/{YEAR}"

    async def test_recorded_versioned_and_audited(self, org: httpx.AsyncClient) -> None:
        r = await org.put(self.url, json=COUNCIL, headers=HEAD)
        assert r.status_code == 201, r.text
        assert r.headers["etag"] == '"1"'
        changed = {**COUNCIL, "decision_number": "16/QĐ-THKĐ"}
        assert (
            await org.put(self.url, json=changed, headers={**STAFF, "If-Match": '"0"'})
        ).status_code == 412
        r = await org.put(self.url, json=changed, headers={**STAFF, "If-Match": '"1"'})
        assert r.status_code == 200
        assert r.json()["version"] == 2
        trail = (await org.get(self.url + "/audit", headers=OFFICER_A)).json()["items"]
        assert [t["actor"] for t in trail] == ["head-th1", "staff-th1"]
        assert trail[1]["before"]["decision_number"] == "15/QĐ-THKĐ"
        assert trail[1]["after"]["decision_number"] == "16/QĐ-THKĐ"

    @pytest.mark.commits
    async def test_concurrent_first_writes_never_500(self, org: httpx.AsyncClient) -> None:
        answers = await asyncio.gather(*(org.put(self.url, json=COUNCIL, headers=HEAD) for _ in range(5)))
        codes = [r.status_code for r in answers]
        assert set(codes) <= {200, 201, 409}, [r.text for r in answers]
        assert codes.count(201) == 1
        written = sum(c in (200, 201) for c in codes)
        assert (await org.get(self.url, headers=HEAD)).json()["version"] == written
        assert len((await org.get(self.url + "/audit", headers=HEAD)).json()["items"]) == written

    async def test_composition_rules(self, org: httpx.AsyncClient) -> None:
        no_chair = {**COUNCIL, "members": COUNCIL["members"][1:]}
        r = await org.put(self.url, json=no_chair, headers=HEAD)
        assert r.status_code == 422
        assert {e["code"] for e in r.json()["validation_errors"]} == {"one_chair"}
        no_secretary = {**COUNCIL, "members": COUNCIL["members"][:2]}
        r = await org.put(self.url, json=no_secretary, headers=HEAD)
        assert {e["code"] for e in r.json()["validation_errors"]} == {"secretary_required"}
        late = {**COUNCIL, "decision_date": "2026-01-01"}
        r = await org.put(self.url, json=late, headers=HEAD)
        assert r.json()["validation_errors"][0]["pointer"] == "/decision_date"

    async def test_scope_and_roles(self, org: httpx.AsyncClient) -> None:
        assert (await org.put(self.url, json=COUNCIL, headers=OTHER_HEAD)).status_code == 404
        assert (await org.put(self.url, json=COUNCIL, headers=OFFICER_A)).status_code == 403
        assert (await org.put(self.url, json=COUNCIL, headers=HEAD)).status_code == 201
        assert (await org.get(self.url, headers=OFFICER_B)).status_code == 404
        assert (await org.get(self.url, headers=OFFICER_A)).status_code == 200


class TestTeams:
    url = f"/api/v1/units/phong-797-a/teams/{YEAR}"

    async def test_schedule_recorded(self, org: httpx.AsyncClient) -> None:
        body = teams(("79701001", "2025-06-05"), ("79701002", "2025-06-06"))
        r = await org.put(self.url, json=body, headers=OFFICER_A)
        assert r.status_code == 201, r.text
        got = (await org.get(self.url, headers=SO_OFFICER)).json()
        assert [a["school_code"] for a in got["teams"][0]["assignments"]] == ["79701001", "79701002"]
        assert (await org.get(self.url + "/audit", headers=OFFICER_A)).json()["items"][0][
            "actor"
        ] == "officer-pa"

    async def test_each_school_once_and_only_its_own(self, org: httpx.AsyncClient) -> None:
        body = teams(("79701001", "2025-06-05"), ("79701001", "2025-06-06"), ("79702001", "2025-06-07"))
        r = await org.put(self.url, json=body, headers=OFFICER_A)
        assert r.status_code == 422
        errs = {(e["pointer"], e["code"]) for e in r.json()["validation_errors"]}
        assert errs == {
            ("/teams/0/assignments/1/school_code", "school_assigned_twice"),
            ("/teams/0/assignments/2/school_code", "school_not_assessed_here"),
        }

    async def test_one_lead_dates_in_year_scope(self, org: httpx.AsyncClient) -> None:
        body = teams(("79701001", "2025-09-05"))
        body["teams"][0]["members"][0]["role"] = "thanh_vien"
        r = await org.put(self.url, json=body, headers=OFFICER_A)
        codes = {e["code"] for e in r.json()["validation_errors"]}
        assert codes == {"one_lead", "date_outside_school_year"}
        assert (await org.put(self.url, json=teams(), headers=OFFICER_B)).status_code == 404
        assert (await org.put(self.url, json=teams(), headers=VENDOR)).status_code == 404


class TestOwnershipAndLinks:
    async def test_ownership_in_registry(self, org: httpx.AsyncClient) -> None:
        r = await org.patch("/api/v1/org/schools/79701002", json={"ownership": "non_public"}, headers=ADMIN)
        assert r.json()["ownership"] == "non_public"
        assert (await org.get("/api/v1/org/schools/79701001", headers=ADMIN)).json()["ownership"] == "public"
        bad = await org.patch("/api/v1/org/schools/79701002", json={"ownership": "private"}, headers=ADMIN)
        assert bad.status_code == 422

    async def test_links_scoped_and_audited(self, org: httpx.AsyncClient) -> None:
        url = f"/api/v1/schools/79701001/publication/{YEAR}"
        assert (await org.put(url, json={"url": "javascript:alert(1)"}, headers=HEAD)).status_code == 422
        assert (
            await org.put(url, json={"url": "https://thketdoan.edu.vn/cds"}, headers=OTHER_HEAD)
        ).status_code == 404
        assert (
            await org.put(url, json={"url": "https://thketdoan.edu.vn/cds"}, headers=HEAD)
        ).status_code == 200
        assert (await org.get(url, headers=OFFICER_A)).json()["url"] == "https://thketdoan.edu.vn/cds"
        unit = f"/api/v1/units/phong-797-a/publication/{YEAR}"
        assert (await org.put(unit, json={"url": "https://pgdq1.edu.vn/kq"}, headers=HEAD)).status_code == 404
        assert (
            await org.put(unit, json={"url": "https://pgdq1.edu.vn/kq"}, headers=OFFICER_A)
        ).status_code == 200


class TestPublicListingAndRoster:
    async def test_only_recognised_no_personal_data_cacheable(self, org: httpx.AsyncClient) -> None:
        await recognise(org, "79701001")
        await recognise(org, "79701002", "201/QĐ-SGDĐT")
        await recognise(org, "79000001", "202/QĐ-SGDĐT", upto=-1)  # concluded, not yet recognised
        # a merely approved self-assessment is not published
        r = await org.put(
            f"/api/v1/schools/79702001/assessments/{YEAR}/self",
            json={"facts": FULL},
            headers=who("staff-3", Role.SCHOOL_STAFF, schools=("79702001",)),
        )
        assert r.status_code == 201
        await org.put(
            f"/api/v1/schools/79701001/publication/{YEAR}", json={"url": "https://a.edu.vn/"}, headers=HEAD
        )
        url = f"/api/v1/public/provinces/79/results/{YEAR}"
        r = await org.get(url, params={"limit": 1})  # no principal at all
        assert r.status_code == 200, r.text
        page = r.json()
        row = page["items"][0]
        assert row["school_code"] == "79701001"
        assert row["decision_number"] == "200/QĐ-SGDĐT"
        assert row["publication_url"] == "https://a.edu.vn/"
        assert row["managing_unit_name"] == "Phòng GDĐT Quận 1"
        assert "Lê Văn Tâm" not in r.text
        assert "assessor-so" not in r.text
        assert "approved_by" not in r.text
        nxt = (await org.get(url, params={"limit": 1, "cursor": page["next_cursor"]})).json()
        assert [i["school_code"] for i in nxt["items"]] == ["79701002"]
        everything = (await org.get(url)).json()["items"]
        assert [i["school_code"] for i in everything] == ["79701001", "79701002"]
        again = await org.get(url, params={"limit": 1}, headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304
        assert (await org.get(f"/api/v1/public/provinces/7a/results/{YEAR}")).status_code == 422

    async def test_roster_lists_every_expected_school(self, org: httpx.AsyncClient) -> None:
        await recognise(org, "79701001")
        r = await org.get(f"/api/v1/units/so-79/results/{YEAR}", headers=SO_OFFICER)
        rows = {x["code"]: x for x in r.json()["items"]}
        assert set(rows) == {"79701001", "79701002", "79702001", "79000001"}
        assert rows["79701002"]["self_assessment"] is None
        ext = rows["79701001"]["external_assessment"]
        assert ext["decision_number"] == "200/QĐ-SGDĐT"
        assert ext["criteria"]["1.3"]["level"] == 3
        assert ext["items"]["1.3.1"] == "6"
        mine = (await org.get(f"/api/v1/units/so-79/results/{YEAR}", headers=OFFICER_A)).status_code
        assert mine == 404
        # the registry's own listing by unit, as a scoped officer (two subtrees in one query)
        listed = await org.get("/api/v1/org/schools", params={"unit": "phong-797-a"}, headers=SO_OFFICER)
        assert [x["code"] for x in listed.json()["items"]] == ["79701001", "79701002"]
        a = (await org.get(f"/api/v1/units/phong-797-a/results/{YEAR}", headers=OFFICER_A)).json()
        assert [x["code"] for x in a["items"]] == ["79701001", "79701002"]
