"""Dashboard aggregates: computed in SQL, scoped to the caller, batched for DataLoaders."""

from __future__ import annotations

import httpx
import pytest

from tests.org import HEAD, OFFICER_A, OFFICER_B, OTHER_HEAD, SO_OFFICER, VENDOR
from tests.scoring.test_engine_levels import FULL

pytestmark = pytest.mark.asyncio
YEAR = "2024-2025"


def self_url(code: str) -> str:
    return f"/api/v1/schools/{code}/assessments/{YEAR}/self"


@pytest.fixture
async def data(client: httpx.AsyncClient, province: None) -> httpx.AsyncClient:
    """79701001 approved (full marks), 79701002 a draft, the other two not started."""
    for code in ("79701001", "79701002"):
        r = await client.put(self_url(code), json={"facts": FULL}, headers=VENDOR)
        assert r.status_code == 201, r.text
    assert (await client.post(self_url("79701001") + "/submit", headers=VENDOR)).status_code == 200
    r = await client.post(self_url("79701001") + "/approve", headers=HEAD)
    assert r.status_code == 200, r.text
    return client


class TestUnitSummary:
    async def test_counts_levels_and_averages(self, data):
        r = await data.get(f"/api/v1/dashboard/units/so-79/summary?year={YEAR}", headers=SO_OFFICER)
        assert r.status_code == 200, r.text
        s = r.json()
        assert s["schools"] == 4
        assert s["self_states"] == {"approved": 1, "draft": 1, "not_started": 2}
        assert s["external_states"] == {"not_started": 4}
        levels = {(x["kind"], x["group"]): (x["level"], x["count"]) for x in s["levels"]}
        assert levels[("self", "1")] == (3, 1)  # only the approved one counts
        assert levels[("self", "2")] == (3, 1)
        crit = {c["code"]: c for c in s["criteria"] if c["kind"] == "self"}
        assert crit["1.3"]["assessed"] == 1
        assert crit["1.3"]["average_points"] == 30

    async def test_scoped_to_caller(self, data):
        r = await data.get(f"/api/v1/dashboard/units/phong-797-a/summary?year={YEAR}", headers=OFFICER_B)
        assert r.status_code == 404
        r = await data.get(f"/api/v1/dashboard/units/phong-797-b/summary?year={YEAR}", headers=OFFICER_B)
        assert (r.status_code, r.json()["schools"]) == (200, 1)
        # a school head sees no unit at all
        r = await data.get(f"/api/v1/dashboard/units/so-79/summary?year={YEAR}", headers=OTHER_HEAD)
        assert r.status_code == 404

    async def test_bad_year_is_422(self, data):
        r = await data.get("/api/v1/dashboard/units/so-79/summary?year=2024", headers=SO_OFFICER)
        assert r.status_code == 422
        r = await data.get("/api/v1/dashboard/units/so-79/summary?school_year=2024", headers=SO_OFFICER)
        assert r.json()["validation_errors"][0]["pointer"] == "/query/school_year"

    async def test_school_year_is_the_name_and_year_a_deprecated_alias(self, data):
        url = "/api/v1/dashboard/units/so-79/summary"
        new = await data.get(url, params={"school_year": YEAR}, headers=SO_OFFICER)
        old = await data.get(url, params={"year": YEAR}, headers=SO_OFFICER)
        assert (new.status_code, new.json()) == (200, old.json())
        missing = await data.get(url, headers=SO_OFFICER)
        assert missing.status_code == 422
        assert missing.json()["validation_errors"][0]["pointer"] == "/query/school_year"


class TestSummaries:
    async def test_batch_in_request_order_leaving_out_invisible(self, data):
        body = {"year": YEAR, "unit_ids": ["phong-797-b", "so-79", "phong-797-a", "nowhere"]}
        r = await data.post("/api/v1/dashboard/summaries", json=body, headers=SO_OFFICER)
        assert r.status_code == 200, r.text
        assert [(s["unit_id"], s["schools"]) for s in r.json()["items"]] == [
            ("phong-797-b", 1),
            ("so-79", 4),
            ("phong-797-a", 2),
        ]
        r = await data.post("/api/v1/dashboard/summaries", json=body, headers=OFFICER_A)
        assert [s["unit_id"] for s in r.json()["items"]] == ["phong-797-a"]


class TestSchools:
    async def test_filters_and_cursor(self, data):
        base = f"/api/v1/dashboard/schools?year={YEAR}"
        r = await data.get(base + "&limit=3", headers=SO_OFFICER)
        page = r.json()
        assert [s["code"] for s in page["items"]] == ["79000001", "79701001", "79701002"]
        r = await data.get(base + f"&limit=3&cursor={page['next_cursor']}", headers=SO_OFFICER)
        assert [s["code"] for s in r.json()["items"]] == ["79702001"]
        r = await data.get(base + "&state=approved", headers=SO_OFFICER)
        (row,) = r.json()["items"]
        assert row["self_assessment"]["g1_level"] == 3
        assert row["managing_unit_id"] == "phong-797-a"
        r = await data.get(base + "&state=not_started&level=THPT", headers=SO_OFFICER)
        assert [s["code"] for s in r.json()["items"]] == ["79000001"]
        r = await data.get(base + "&level=TH&g1_level=3", headers=SO_OFFICER)
        assert [s["code"] for s in r.json()["items"]] == ["79701001", "79701002"]
        r = await data.get(base + "&unit=phong-797-b", headers=SO_OFFICER)
        assert [s["code"] for s in r.json()["items"]] == ["79702001"]

    async def test_total_counts_every_page_only_when_asked(self, data):
        base = f"/api/v1/dashboard/schools?year={YEAR}"
        r = await data.get(base + "&limit=1", headers=SO_OFFICER)
        assert r.json()["total"] is None  # counting is one more query: not done unasked
        for query, who in [
            ("", SO_OFFICER),
            ("&level=TH", SO_OFFICER),
            ("&unit=phong-797-b", SO_OFFICER),
            ("&state=not_started", SO_OFFICER),
            ("", OFFICER_A),  # a Phòng counts its own schools only
            ("", VENDOR),
        ]:
            listed = (await data.get(base + query + "&limit=200", headers=who)).json()["items"]
            page = (await data.get(base + query + "&limit=1&include_total=true", headers=who)).json()
            assert page["total"] == len(listed) > 0, query
            if page["next_cursor"]:  # the count is the same on a later page
                later = f"&limit=1&include_total=true&cursor={page['next_cursor']}"
                assert (await data.get(base + query + later, headers=who)).json()["total"] == len(listed)
        counts = [
            (await data.get(base + "&limit=1&include_total=true", headers=w)).json()["total"]
            for w in (SO_OFFICER, OFFICER_A)
        ]
        assert counts == [4, 2]

    async def test_vendor_sees_only_its_schools(self, data):
        r = await data.get(f"/api/v1/dashboard/schools?year={YEAR}", headers=VENDOR)
        assert [s["code"] for s in r.json()["items"]] == ["79701001", "79701002"]


class TestSchoolYearName:
    """`school_year` in every answer about a year, `year` its deprecated duplicate (1.x)."""

    async def test_answers_carry_both_names(self, data):
        r = await data.get(f"/api/v1/dashboard/units/so-79/summary?school_year={YEAR}", headers=SO_OFFICER)
        assert (r.json()["school_year"], r.json()["year"]) == (YEAR, YEAR)

    @pytest.mark.parametrize(
        "years", [{"school_year": YEAR}, {"year": YEAR}, {"school_year": YEAR, "year": YEAR}]
    )
    async def test_summaries_take_either_name(self, data, years):
        body = {**years, "unit_ids": ["so-79"]}
        r = await data.post("/api/v1/dashboard/summaries", json=body, headers=SO_OFFICER)
        assert r.status_code == 200, r.text
        (s,) = r.json()["items"]
        assert (s["school_year"], s["year"], s["schools"]) == (YEAR, YEAR, 4)

    async def test_summaries_with_two_different_years_is_422(self, data):
        body = {"school_year": YEAR, "year": "2023-2024", "unit_ids": ["so-79"]}
        r = await data.post("/api/v1/dashboard/summaries", json=body, headers=SO_OFFICER)
        assert r.status_code == 422
        (e,) = r.json()["validation_errors"]
        assert (e["pointer"], e["code"]) == ("/year", "school_year_mismatch")
        assert "school_year" in e["message"]["vi"]
        assert "school_year" in e["message"]["en"]

    async def test_summaries_without_a_year_is_422_at_school_year(self, data):
        r = await data.post("/api/v1/dashboard/summaries", json={"unit_ids": ["so-79"]}, headers=SO_OFFICER)
        assert r.status_code == 422
        (e,) = r.json()["validation_errors"]
        assert (e["pointer"], e["code"]) == ("/school_year", "missing")
