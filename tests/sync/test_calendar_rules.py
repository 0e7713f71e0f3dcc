"""The rules a province's calendar keeps (never later than the Ministry, dates within the school
year) and the routes that read it never answering 500, whatever a stored row holds."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from services.sync.deadlines.models import DeadlineOverride
from services.sync.deadlines.repository import DeadlineRepository
from tests.sync.factories import make_snapshot
from tests.sync.test_api import ADMIN, SO_OFFICER, YEAR, emit, pump

URL = f"/api/v1/sync/deadlines/{YEAR}/provinces/79"


@pytest.fixture
async def seeded(
    scoring_http: httpx.AsyncClient, client: httpx.AsyncClient, province: None
) -> httpx.AsyncClient:
    return client


def errors(r: httpx.Response) -> list[tuple[str, str]]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return [(e["pointer"], e["code"]) for e in r.json()["validation_errors"]]


class TestProvinceDeadline:
    async def test_earlier_than_the_ministry_is_accepted(self, seeded):
        r = await seeded.put(f"{URL}/self", json={"on_time_deadline": "2025-05-20"}, headers=SO_OFFICER)
        assert r.status_code == 200, r.text

    async def test_the_ministrys_own_day_is_accepted(self, seeded):
        r = await seeded.put(f"{URL}/external", json={"on_time_deadline": "2025-06-20"}, headers=ADMIN)
        assert r.status_code == 200, r.text

    @pytest.mark.parametrize(("kind", "day"), [("self", "2025-06-01"), ("external", "2025-06-21")])
    async def test_later_than_the_ministry_is_refused_even_for_an_admin(self, seeded, kind, day):
        r = await seeded.put(f"{URL}/{kind}", json={"on_time_deadline": day}, headers=ADMIN)
        assert errors(r) == [("/on_time_deadline", "deadline_after_national")]
        cal = await seeded.get(
            "/api/v1/sync/deadlines", params={"school_year": YEAR, "province": "79"}, headers=ADMIN
        )
        assert {d["source"] for d in cal.json()["deadlines"]} == {"national"}  # nothing stored

    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2024-08-31", "2025-09-01"])
    async def test_dates_outside_the_school_year_are_refused_with_a_pointer(self, seeded, day):
        r = await seeded.put(f"{URL}/self", json={"on_time_deadline": day}, headers=ADMIN)
        assert ("/on_time_deadline", "date_outside_school_year") in errors(r)
        body = {"on_time_deadline": "2025-05-20", "edit_lock_date": day}
        r = await seeded.put(f"{URL}/self", json=body, headers=ADMIN)
        if day > "2025-05-20":
            assert errors(r) == [("/edit_lock_date", "date_outside_school_year")]
        else:  # before the deadline as well
            assert r.status_code == 422
        body = {"on_time_deadline": "2025-05-20", "milestones": [{"name": "x", "on": day}]}
        r = await seeded.put(f"{URL}/self", json=body, headers=ADMIN)
        assert errors(r) == [("/milestones/0/on", "date_outside_school_year")]

    async def test_a_lock_after_the_ministrys_deadline_is_allowed(self, seeded):
        body = {"on_time_deadline": "2025-05-31", "edit_lock_date": "2025-08-31"}
        assert (await seeded.put(f"{URL}/self", json=body, headers=ADMIN)).status_code == 200

    async def test_school_year_out_of_range_and_bad_province(self, seeded):
        r = await seeded.put(
            "/api/v1/sync/deadlines/1999-2000/provinces/79/self",
            json={"on_time_deadline": "2000-05-01"},
            headers=ADMIN,
        )
        assert errors(r) == [("/path/school_year", "school_year_out_of_range")]
        r = await seeded.put(
            f"/api/v1/sync/deadlines/{YEAR}/provinces/%18/self",
            json={"on_time_deadline": "2025-05-01"},
            headers=ADMIN,
        )
        # a control character in a path is refused by the input guard before any route runs
        assert (r.status_code, r.json()["code"]) == (400, "invalid_path")
        r = await seeded.put(
            f"/api/v1/sync/deadlines/{YEAR}/provinces/7-9/self",
            json={"on_time_deadline": "2025-05-01"},
            headers=ADMIN,
        )
        assert r.status_code == 422


class TestNo500:
    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/sync/exports/2024-2025.xlsx",
            "/api/v1/sync/timeliness",
            "/api/v1/sync/at-risk",
            "/api/v1/sync/deadlines",
        ],
    )
    async def test_control_character_province_is_422(self, seeded, path):
        r = await seeded.get(path, params={"school_year": YEAR, "province": "\x18"}, headers=SO_OFFICER)
        assert r.status_code == 422, r.text
        assert r.json()["validation_errors"][0]["pointer"] == "/query/province"

    @pytest.mark.parametrize("stored", [date(9999, 12, 31), date(1, 1, 1)])
    async def test_any_stored_calendar_reads_without_500(self, seeded, sync_app, scoring_app, stored):
        await emit(scoring_app, make_snapshot())
        await emit(scoring_app, make_snapshot(kind="external"))
        await pump(sync_app)
        # a row written before the dates were bounded (or by hand): the reads must still answer
        async with sync_app.state.session_factory() as s:
            for kind in ("self", "external"):
                row = DeadlineOverride(
                    province_code="79",
                    school_year=YEAR,
                    kind=kind,
                    on_time_deadline=stored,
                    edit_lock_date=stored,
                    updated_by="legacy",
                )
                await DeadlineRepository(s).upsert(row)
            await s.commit()
        # no province filter: the expected set is the national one, each school then read against
        # its province's stored row
        params: dict[str, Any] = {"school_year": YEAR}
        for kind in ("self", "external"):
            p = {**params, "kind": kind}
            r = await seeded.get("/api/v1/sync/timeliness", params=p, headers=SO_OFFICER)
            assert r.status_code == 200, r.text
            for as_of in ("0001-01-01", "2025-05-25", "9999-12-31"):
                r = await seeded.get(
                    "/api/v1/sync/at-risk",
                    params={**p, "as_of": as_of, "within_days": 366},
                    headers=SO_OFFICER,
                )
                assert r.status_code == 200, r.text
            r = await seeded.get("/api/v1/sync/exports/2024-2025.xlsx", params=p, headers=SO_OFFICER)
            assert r.status_code == 200, r.text


class TestSchoolCodes:
    @pytest.mark.parametrize("code", ["x%3Fafter%3D0", "7970%231", "7970-1"])
    async def test_a_malformed_school_code_is_422_not_passed_on(self, seeded, code):
        r = await seeded.get(f"/api/v1/sync/schools/{code}/years/{YEAR}", headers=ADMIN)
        assert r.status_code == 422, r.text
        assert r.json()["validation_errors"][0]["pointer"] == "/path/code"

    @pytest.mark.parametrize("code", ["%18", "79701001%00"])
    async def test_a_control_character_is_refused_before_any_route(self, seeded, code):
        r = await seeded.get(f"/api/v1/sync/schools/{code}/years/{YEAR}", headers=ADMIN)
        assert (r.status_code, r.json()["code"]) == (400, "invalid_path")

    async def test_subscription_school_codes_are_checked(self, seeded):
        r = await seeded.post(
            "/api/v1/sync/webhooks",
            json={"url": "https://vendor.test/h", "events": ["sync.failed"], "schools": ["../events"]},
            headers=ADMIN,
        )
        assert r.status_code == 422
        assert r.json()["validation_errors"][0]["pointer"] == "/schools/0"
