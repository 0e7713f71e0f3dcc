"""Every capability of the scoring service refuses a caller without it exactly as before it was
declared on the route (same status, code, message and hint), before the body is read or anything
is loaded: a non-admin learns nothing about which schools or units exist."""

from __future__ import annotations

from typing import Any

import pytest

from services.scoring import permissions
from shared.permissions import CAPABILITIES
from shared.principal import Role
from tests.scoring.conftest import ADMIN, HEAD, OFFICER_A, SERVICE, SO_OFFICER, seed_org, who

SERVICE_ONLY = "Internal services only."
ADMIN_ONLY = "Only an admin may change the org registry."
SCOPED_SERVICE = who("sync-scoped", Role.SERVICE, units=("so-79",))  # a service, but not all orgs
UNIT = {"id": "x", "name": "x", "kind": "district_office"}
SCHOOL = {"code": "79709999", "name": "Trường mới", "province_code": "79", "levels": ["TH"],
          "managing_unit_id": "phong-797-a", "opened_on": "2020-09-01"}  # fmt: skip

# capability -> (method, url, body, a caller without it, message)
REFUSED: dict[tuple[str, str], list[tuple[str, str, Any, dict[str, str], str]]] = {
    ("scoring", "internal"): [
        ("GET", "/internal/v1/events", None, SO_OFFICER, SERVICE_ONLY),
        ("GET", "/internal/v1/schools/79701001/scope", None, SCOPED_SERVICE, SERVICE_ONLY),
        ("GET", "/internal/v1/schools?as_of=2025-01-01", None, HEAD, SERVICE_ONLY),
        (
            "GET",
            "/internal/v1/assessment-states?school_year=2024-2025&kind=self",
            None,
            OFFICER_A,
            SERVICE_ONLY,
        ),
    ],
    ("scoring", "org-admin"): [
        ("POST", "/api/v1/org/units", UNIT, SO_OFFICER, ADMIN_ONLY),
        ("PATCH", "/api/v1/org/units/phong-797-a", {"name": "x"}, SO_OFFICER, ADMIN_ONLY),
        ("POST", "/api/v1/org/schools", SCHOOL, SO_OFFICER, ADMIN_ONLY),
        ("PATCH", "/api/v1/org/schools/79701001", {"name": "x"}, HEAD, ADMIN_ONLY),
        (
            "POST",
            "/api/v1/org/schools/79701001/move",
            {"managing_unit_id": "phong-797-b", "on": "2025-01-01"},
            SO_OFFICER,
            ADMIN_ONLY,
        ),
        ("POST", "/api/v1/org/schools/79701001/close", {"on": "2025-01-01"}, SO_OFFICER, ADMIN_ONLY),
        (
            "POST",
            "/api/v1/org/schools/79701001/merge",
            {"into": "79701002", "on": "2025-01-01"},
            SO_OFFICER,
            ADMIN_ONLY,
        ),
        # a school that does not exist: the same refusal, so a non-admin learns nothing
        ("POST", "/api/v1/org/schools/79709999/close", {"on": "2025-01-01"}, SO_OFFICER, ADMIN_ONLY),
    ],
}
CASES = [(cap, *case) for cap, cases in REFUSED.items() for case in cases]


def test_every_capability_of_the_service_has_its_refusals_here() -> None:
    assert permissions.ORG_ADMIN is CAPABILITIES["scoring", "org-admin"]
    assert {k for k in CAPABILITIES if k[0] == "scoring"} == set(REFUSED)


@pytest.mark.parametrize(("cap", "method", "url", "body", "headers", "en"), CASES)
async def test_a_caller_without_the_capability_is_refused_as_before(
    client, cap, method, url, body, headers, en
):
    await seed_org(client)
    r = await client.request(method, url, json=body, headers=headers)
    assert (r.status_code, r.json()["code"], r.json()["message"]["en"]) == (403, "forbidden", en), r.text
    if cap == ("scoring", "org-admin"):
        assert r.json()["hint"].startswith("this token has roles ["), r.json()


async def test_the_csv_import_is_refused_before_its_body_is_read(client):
    r = await client.post(
        "/api/v1/org/import", content=b"\xff not utf-8", headers={**SO_OFFICER, "content-type": "text/csv"}
    )
    assert (r.status_code, r.json()["message"]["en"]) == (403, ADMIN_ONLY)


@pytest.mark.parametrize("headers", [SERVICE, ADMIN])
async def test_the_internal_endpoints_answer_our_services_and_all_orgs_admins(client, headers):
    await seed_org(client)
    assert (await client.get("/internal/v1/schools/79701001/scope", headers=headers)).status_code == 200
