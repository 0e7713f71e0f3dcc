"""Every capability of the sync service refuses a caller without it exactly as before it was
declared on the route: the same status, code and message; the role refusal comes before anything
is loaded (an unknown id is still a 403), and a school out of the caller's scope is a 404 like an
unknown one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from services.sync import permissions
from services.sync.deliveries.models import JobState
from services.sync.deliveries.repository import DeliveryRepository
from shared.permissions import CAPABILITIES
from shared.principal import Role
from tests.org import seed_org, who
from tests.sync.factories import make_snapshot

YEAR = "2024-2025"
NOT_ALLOWED = "Not allowed to do this."
NOT_THE_DEPARTMENT = "Only the province's department may set it."
SERVICE_ONLY = who("scoring", Role.SERVICE, all_orgs=True)
HEAD = who("head-th1", Role.SCHOOL_HEAD, schools=("79701001",))
OTHER_HEAD = who("head-th3", Role.SCHOOL_HEAD, schools=("79702001",))
OFFICER_A = who("officer-pa", Role.OFFICER, units=("phong-797-a",))
OFFICER_B = who("officer-pb", Role.OFFICER, units=("phong-797-b",))
ADMIN = who("admin", Role.ADMIN, all_orgs=True)
CALENDAR = {"on_time_deadline": "2025-05-25", "edit_lock_date": "2025-06-05"}

# capability -> (method, url, body, a caller without it, status, code, message)
REFUSED: dict[tuple[str, str], list[tuple[str, str, Any, dict[str, str], int, str, str]]] = {
    ("sync", "read"): [
        (
            "GET",
            f"/api/v1/sync/deadlines?school_year={YEAR}",
            None,
            SERVICE_ONLY,
            403,
            "forbidden",
            NOT_ALLOWED,
        ),
        (
            "GET",
            f"/api/v1/sync/timeliness?school_year={YEAR}",
            None,
            SERVICE_ONLY,
            403,
            "forbidden",
            NOT_ALLOWED,
        ),
        (
            "GET",
            f"/api/v1/sync/at-risk?school_year={YEAR}",
            None,
            SERVICE_ONLY,
            403,
            "forbidden",
            NOT_ALLOWED,
        ),
        ("GET", f"/api/v1/sync/exports/{YEAR}.xlsx", None, SERVICE_ONLY, 403, "forbidden", NOT_ALLOWED),
        (
            "GET",
            f"/api/v1/sync/schools/79701001/years/{YEAR}",
            None,
            SERVICE_ONLY,
            403,
            "forbidden",
            NOT_ALLOWED,
        ),
        ("GET", "/api/v1/sync/webhooks", None, SERVICE_ONLY, 403, "forbidden", NOT_ALLOWED),
    ],
    ("sync", "resend"): [
        ("POST", "/api/v1/sync/deliveries/unknown/resend", None, HEAD, 403, "forbidden", NOT_ALLOWED),
        ("POST", "/api/v1/sync/withdrawals/unknown/resend", None, HEAD, 403, "forbidden", NOT_ALLOWED),
    ],
    ("sync", "set-calendar"): [
        (
            "PUT",
            f"/api/v1/sync/deadlines/{YEAR}/provinces/79/self",
            CALENDAR,
            HEAD,
            403,
            "forbidden",
            NOT_THE_DEPARTMENT,
        ),
        # the role, but not the whole province: the service's part of the same rule, same answer
        (
            "PUT",
            f"/api/v1/sync/deadlines/{YEAR}/provinces/79/self",
            CALENDAR,
            OFFICER_A,
            403,
            "forbidden",
            NOT_THE_DEPARTMENT,
        ),
    ],
    ("sync", "administer"): [
        ("POST", "/api/v1/sync/reconciliation/run", None, OFFICER_A, 403, "forbidden", NOT_ALLOWED),
        ("GET", "/api/v1/sync/reconciliation", None, OFFICER_A, 403, "forbidden", NOT_ALLOWED),
        (
            "POST",
            f"/api/v1/sync/at-risk/announce?school_year={YEAR}",
            None,
            OFFICER_A,
            403,
            "forbidden",
            NOT_ALLOWED,
        ),
        ("GET", "/api/v1/sync/reminders/contacts", None, OFFICER_A, 403, "forbidden", NOT_ALLOWED),
        (
            "PUT",
            "/api/v1/sync/reminders/contacts/so-79",
            {"contacts": []},
            OFFICER_A,
            403,
            "forbidden",
            NOT_ALLOWED,
        ),
    ],
    ("sync", "internal"): [
        ("GET", f"/internal/v1/deadlines?school_year={YEAR}", None, ADMIN, 403, "forbidden", NOT_ALLOWED),
    ],
}
CASES = [(cap, *case) for cap, cases in REFUSED.items() for case in cases]


def test_every_capability_of_the_service_has_its_refusals_here() -> None:
    assert permissions.READ is CAPABILITIES["sync", "read"]
    assert {k for k in CAPABILITIES if k[0] == "sync"} == set(REFUSED)


@pytest.fixture
async def seeded(scoring_http: httpx.AsyncClient, client: httpx.AsyncClient) -> httpx.AsyncClient:
    await seed_org(scoring_http)
    return client


@pytest.mark.parametrize(("cap", "method", "url", "body", "headers", "status", "code", "en"), CASES)
async def test_a_caller_without_the_capability_is_refused_as_before(
    seeded, cap, method, url, body, headers, status, code, en
):
    r = await seeded.request(method, url, json=body, headers=headers)
    assert (r.status_code, r.json()["code"], r.json()["message"]["en"]) == (status, code, en), r.text


async def test_a_school_out_of_scope_reads_as_unknown(seeded):
    url = f"/api/v1/sync/schools/79701001/years/{YEAR}"
    outside = await seeded.get(url, headers=OTHER_HEAD)
    unknown = await seeded.get(f"/api/v1/sync/schools/79709999/years/{YEAR}", headers=OTHER_HEAD)
    assert outside.status_code == unknown.status_code == 404
    assert outside.json()["code"] == unknown.json()["code"] == "school_not_found"
    assert (await seeded.get(url, headers=HEAD)).status_code == 200


async def test_a_resend_out_of_scope_reads_as_unknown(seeded, sync_app):
    async with sync_app.state.session_factory() as s:
        repo = DeliveryRepository(s)
        await repo.enqueue(make_snapshot(), 1, date(2025, 5, 31), datetime.now(UTC))
        (job,) = await repo.for_school("79701001", YEAR)
        job.state = JobState.DEAD
        await s.commit()
        job_id = job.id
    r = await seeded.post(f"/api/v1/sync/deliveries/{job_id}/resend", headers=OFFICER_B)
    assert (r.status_code, r.json()["code"]) == (404, "school_not_found")
    r = await seeded.post("/api/v1/sync/deliveries/unknown/resend", headers=OFFICER_B)
    assert (r.status_code, r.json()["code"]) == (404, "delivery_not_found")
    r = await seeded.post(f"/api/v1/sync/deliveries/{job_id}/resend", headers=OFFICER_A)
    assert (r.status_code, r.json()["state"]) == (200, "pending")
