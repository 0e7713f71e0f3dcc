"""The org registry: units and schools, dated moves, closures and merges, the CSV import, and the
scope other services rely on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.org import ADMIN, OFFICER_A, OFFICER_B, SERVICE, SO_OFFICER, STAFF, VENDOR


@pytest.fixture
async def org(client: httpx.AsyncClient, province: None) -> httpx.AsyncClient:
    return client


async def expected(client: httpx.AsyncClient, as_of: str) -> dict[str, list[str]]:
    r = await client.get("/internal/v1/schools", params={"as_of": as_of, "province": "79"}, headers=SERVICE)
    assert r.status_code == 200, r.text
    return {s["code"]: s["ancestors"] for s in r.json()}


class TestUnits:
    async def test_tree_and_scoped_listing(self, org: httpx.AsyncClient) -> None:
        r = await org.get("/api/v1/org/units", params={"parent": "so-79"}, headers=ADMIN)
        assert [u["id"] for u in r.json()["items"]] == ["phong-797-a", "phong-797-b"]
        seen = [u["id"] for u in (await org.get("/api/v1/org/units", headers=OFFICER_A)).json()["items"]]
        assert seen == ["phong-797-a"]

    async def test_only_admin_creates(self, org: httpx.AsyncClient) -> None:
        r = await org.post(
            "/api/v1/org/units", json={"id": "x", "kind": "district_office", "name": "X"}, headers=SO_OFFICER
        )
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("application/problem+json")

    async def test_duplicate_id_is_409_and_unknown_parent_422(self, org: httpx.AsyncClient) -> None:
        dup = {"id": "so-79", "kind": "department", "name": "again", "parent_id": "bgd"}
        assert (await org.post("/api/v1/org/units", json=dup, headers=ADMIN)).status_code == 409
        orphan = {"id": "p-x", "kind": "district_office", "name": "X", "parent_id": "nowhere"}
        r = await org.post("/api/v1/org/units", json=orphan, headers=ADMIN)
        assert r.status_code == 422
        assert [e["pointer"] for e in r.json()["validation_errors"]] == ["/parent_id"]

    async def test_a_cycle_is_refused(self, org: httpx.AsyncClient) -> None:
        r = await org.patch("/api/v1/org/units/so-79", json={"parent_id": "phong-797-a"}, headers=ADMIN)
        assert r.status_code == 422
        assert (await org.get("/api/v1/org/units/so-79", headers=ADMIN)).json()["parent_id"] == "bgd"

    async def test_place_name_defaults_to_the_province_and_can_be_set(self, org: httpx.AsyncClient) -> None:
        """Where a unit's papers are dated (địa danh): its own place name, else its province's."""
        phong = "/api/v1/org/units/phong-797-a"
        so = (await org.get("/api/v1/org/units/so-79", headers=ADMIN)).json()
        assert (so["place_name"], so["place"]) == (None, "Thành phố Hồ Chí Minh")
        r = await org.patch(phong, json={"place_name": "Quận 7"}, headers=ADMIN)
        assert (r.status_code, r.json()["place_name"], r.json()["place"]) == (200, "Quận 7", "Quận 7")
        school = (await org.get("/api/v1/org/schools/79701001", headers=STAFF)).json()
        assert school["managing_unit_place"] == "Quận 7"  # the school's papers are dated there
        r = await org.patch(
            "/api/v1/org/units/phong-797-a", json={"name": "Phòng GDĐT Quận 7"}, headers=ADMIN
        )
        assert r.json()["place"] == "Quận 7"  # a PATCH that leaves it out keeps it
        r = await org.patch(phong, json={"place_name": None}, headers=ADMIN)
        assert (r.json()["place_name"], r.json()["place"]) == (None, "Thành phố Hồ Chí Minh")
        r = await org.patch(phong, json={"place_name": ""}, headers=ADMIN)
        assert [e["pointer"] for e in r.json()["validation_errors"]] == ["/place_name"]
        unit = {"id": "p-new", "kind": "district_office", "name": "Phòng GDĐT Huyện Gia Lâm",
                "parent_id": "bgd", "province_code": "01", "place_name": "Gia Lâm"}  # fmt: skip
        r = await org.post("/api/v1/org/units", json=unit, headers=ADMIN)
        assert (r.status_code, r.json()["place"]) == (201, "Gia Lâm")
        bare = {"id": "p-bare", "kind": "district_office", "name": "Phòng X", "parent_id": "bgd"}
        assert (await org.post("/api/v1/org/units", json=bare, headers=ADMIN)).json()["place"] is None


class TestSchools:
    async def test_read_back_and_validation(self, org: httpx.AsyncClient) -> None:
        s = (await org.get("/api/v1/org/schools/79701001", headers=ADMIN)).json()
        assert (s["managing_unit_id"], s["assessing_unit_id"], s["levels"]) == (
            "phong-797-a",
            "phong-797-a",
            ["TH"],
        )
        bad = {"code": "x", "name": "", "levels": ["MN"], "managing_unit_id": "phong-797-a"}
        r = await org.post("/api/v1/org/schools", json=bad, headers=ADMIN)
        assert r.status_code == 422
        assert {e["pointer"] for e in r.json()["validation_errors"]} >= {"/code", "/name", "/levels/0"}

    async def test_scoped_listing(self, org: httpx.AsyncClient) -> None:
        def codes(r: httpx.Response) -> list[str]:
            return [s["code"] for s in r.json()["items"]]

        assert codes(await org.get("/api/v1/org/schools", headers=OFFICER_A)) == ["79701001", "79701002"]
        assert codes(await org.get("/api/v1/org/schools", headers=STAFF)) == ["79701001"]
        assert len(codes(await org.get("/api/v1/org/schools", headers=SO_OFFICER))) == 4
        assert (await org.get("/api/v1/org/schools/79702001", headers=VENDOR)).status_code == 404

    async def test_cursor_pagination_visits_every_school_once(self, org: httpx.AsyncClient) -> None:
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
            page = (await org.get("/api/v1/org/schools", params=params, headers=ADMIN)).json()
            seen += [s["code"] for s in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == sorted(seen)
        assert len(seen) == 4


class TestLifecycle:
    async def test_move_keeps_history_and_moves_authority(self, org: httpx.AsyncClient) -> None:
        r = await org.post(
            "/api/v1/org/schools/79701002/move",
            json={"managing_unit_id": "phong-797-b", "on": "2025-07-01"},
            headers=ADMIN,
        )
        assert r.status_code == 200, r.text
        assert r.json()["managing_unit_id"] == "phong-797-b"
        # who was expected to report, and to whom, on each date
        assert (await expected(org, "2025-05-31"))["79701002"][-1] == "phong-797-a"
        assert (await expected(org, "2025-07-01"))["79701002"][-1] == "phong-797-b"
        # authority follows the school today
        assert (await org.get("/api/v1/org/schools/79701002", headers=OFFICER_A)).status_code == 404
        assert (await org.get("/api/v1/org/schools/79701002", headers=OFFICER_B)).status_code == 200

    async def test_move_must_be_after_the_current_placement(self, org: httpx.AsyncClient) -> None:
        r = await org.post(
            "/api/v1/org/schools/79701002/move",
            json={"managing_unit_id": "phong-797-b", "on": "2001-01-01"},
            headers=ADMIN,
        )
        assert r.status_code == 422
        assert r.json()["validation_errors"][0]["pointer"] == "/on"

    async def test_closed_school_is_not_expected_after_closing(self, org: httpx.AsyncClient) -> None:
        r = await org.post("/api/v1/org/schools/79702001/close", json={"on": "2025-03-01"}, headers=ADMIN)
        assert r.json()["closed_on"] == "2025-03-01"
        assert "79702001" in await expected(org, "2025-02-28")
        assert "79702001" not in await expected(org, "2025-05-31")
        again = await org.post("/api/v1/org/schools/79702001/close", json={"on": "2025-04-01"}, headers=ADMIN)
        assert again.status_code == 409

    async def test_merge_records_the_absorbing_school(self, org: httpx.AsyncClient) -> None:
        r = await org.post(
            "/api/v1/org/schools/79701002/merge", json={"into": "79701001", "on": "2025-08-01"}, headers=ADMIN
        )
        assert r.status_code == 200, r.text
        assert (r.json()["merged_into"], r.json()["closed_on"]) == ("79701001", "2025-08-01")
        assert set(await expected(org, "2025-05-31")) == {"79701001", "79701002", "79702001", "79000001"}
        assert set(await expected(org, "2025-09-01")) == {"79701001", "79702001", "79000001"}
        scope = (await org.get("/internal/v1/schools/79701002/scope", headers=SERVICE)).json()
        assert scope["active"] is False

    async def test_merge_into_itself_or_nothing_is_422(self, org: httpx.AsyncClient) -> None:
        for into in ("79701002", "00000000"):
            r = await org.post(
                "/api/v1/org/schools/79701002/merge", json={"into": into, "on": "2025-08-01"}, headers=ADMIN
            )
            assert r.status_code == 422
            assert r.json()["validation_errors"][0]["pointer"] == "/into"

    @pytest.mark.parametrize("who", [SO_OFFICER, OFFICER_A, STAFF, VENDOR])
    async def test_a_non_admin_learns_nothing_about_which_schools_exist(self, org, who) -> None:
        """Authorisation before existence: the same 403 whether `into` or the school exists or not."""
        answers = set()
        for code, into in (("79701002", "79701001"), ("79701002", "00000000"), ("00000001", "00000000")):
            r = await org.post(
                f"/api/v1/org/schools/{code}/merge", json={"into": into, "on": "2025-08-01"}, headers=who
            )
            answers.add((r.status_code, r.json()["code"]))
        assert answers == {(403, "forbidden")}


class TestSchoolListFilter:
    @pytest.mark.parametrize("who", [SO_OFFICER, OFFICER_A, ADMIN])
    async def test_the_unit_filter_answers_for_every_officer(self, org, who) -> None:
        """Two subtrees in one statement (the caller's scope and the filter) used to clash: a 500."""
        r = await org.get("/api/v1/org/schools", params={"unit": "phong-797-a"}, headers=who)
        assert r.status_code == 200, r.text
        assert [s["code"] for s in r.json()["items"]] == ["79701001", "79701002"]

    async def test_a_unit_outside_the_callers_scope_lists_nothing(self, org) -> None:
        r = await org.get("/api/v1/org/schools", params={"unit": "phong-797-b"}, headers=OFFICER_A)
        assert (r.status_code, r.json()["items"]) == (200, [])


CSV = (
    "code,name,province_code,levels,managing_unit_id,assessing_unit_id,opened_on\n"
    "79701001,Trường Tiểu học Kết Đoàn,79,TH,phong-797-a,,2010-09-05\n"  # unchanged
    "79701002,Trường TH Trần Hưng Đạo (đổi tên),79,TH,phong-797-a,,\n"  # updated
    "79703001,Trường THCS Lê Lợi,79,THCS,phong-797-b,,2012-09-05\n"  # created
    "79703002,Trường liên cấp Hòa Bình,79,TH;THCS,phong-797-b,,2015-09-05\n"  # created, two levels
    "79703003,,79,TH,phong-797-b,,\n"  # rejected: no name
    "79703004,Trường X,79,TH,phong-không-có,,\n"  # rejected: unknown unit
)


class TestCsvImport:
    async def _import(self, client: httpx.AsyncClient, body: str, dry_run: bool = False) -> httpx.Response:
        return await client.post(
            "/api/v1/org/import",
            params={"dry_run": str(dry_run).lower()},
            content=body.encode(),
            headers=ADMIN | {"Content-Type": "text/csv"},
        )

    async def test_summary_per_row(self, org: httpx.AsyncClient) -> None:
        r = await self._import(org, CSV)
        assert r.status_code == 200, r.text
        s = r.json()
        assert (s["created"], s["updated"], s["unchanged"], s["rejected"]) == (2, 1, 1, 2)
        outcomes = {row["line"]: row["outcome"] for row in s["rows"]}
        assert outcomes == {
            2: "unchanged",
            3: "updated",
            4: "created",
            5: "created",
            6: "rejected",
            7: "rejected",
        }
        rejected = {row["line"]: row["errors"] for row in s["rows"] if row["outcome"] == "rejected"}
        assert rejected[6][0]["pointer"] == "/name"
        assert rejected[7][0]["pointer"] == "/managing_unit_id"
        two = (await org.get("/api/v1/org/schools/79703002", headers=ADMIN)).json()
        assert sorted(two["levels"]) == ["TH", "THCS"]
        assert (await org.get("/api/v1/org/schools/79703004", headers=ADMIN)).status_code == 404

    async def test_dry_run_writes_nothing(self, org: httpx.AsyncClient) -> None:
        s = (await self._import(org, CSV, dry_run=True)).json()
        assert (s["dry_run"], s["created"], s["rejected"]) == (True, 2, 2)
        assert (await org.get("/api/v1/org/schools/79703001", headers=ADMIN)).status_code == 404
        renamed = (await org.get("/api/v1/org/schools/79701002", headers=ADMIN)).json()
        assert renamed["name"] == "Trường Tiểu học Trần Hưng Đạo"

    async def test_missing_columns_and_bad_encoding(self, org: httpx.AsyncClient) -> None:
        r = await self._import(org, "code,name\n1,x\n")
        assert (r.status_code, r.json()["code"]) == (422, "csv_columns")
        r = await org.post(
            "/api/v1/org/import",
            content="code,name\n\xff".encode("latin-1"),
            headers=ADMIN | {"Content-Type": "text/csv"},
        )
        assert (r.status_code, r.json()["code"]) == (422, "encoding")

    async def test_only_admin_imports(self, org: httpx.AsyncClient) -> None:
        r = await org.post("/api/v1/org/import", content=CSV.encode(), headers=SO_OFFICER)
        assert r.status_code == 403
