"""Every capability of the scoring service refuses a caller without it exactly as before it was
declared on the route (same status, code, message and hint), before the body is read or anything
is loaded: a non-admin learns nothing about which schools or units exist."""

from __future__ import annotations

from typing import Any

import pytest

from services.scoring import permissions
from services.scoring.assessments.rules import vn_today
from shared.permissions import CAPABILITIES
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal
from tests.conftest import SECRET
from tests.org import (
    ADMIN,
    ASSESSOR_A,
    HEAD,
    OFFICER_A,
    OFFICER_B,
    OTHER_HEAD,
    SERVICE,
    SO_OFFICER,
    seed_org,
    who,
)
from tests.scoring.test_plans import START, TARGETS, assessment
from tests.scoring.test_records import COUNCIL, teams

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
    tested_below = {"bulk-write", "extend", "plan", "school-records", "teams", "unit-publication"}
    assert {k for k in CAPABILITIES if k[0] == "scoring"} == set(REFUSED) | {
        ("scoring", n) for n in tested_below
    }


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


def answer(r: Any) -> tuple[int, str, str]:
    return r.status_code, r.json()["code"], r.json()["message"]["en"]


async def test_bulk_write_refuses_roles_that_do_not_write_drafts_before_reading_the_rows(client):
    body = {"items": [{"school_code": "79701001", "school_year": "2024-2025"}]}
    expected = (403, "forbidden", "This role may not write assessments.")
    assert answer(await client.post("/api/v1/bulk/assessments", json=body, headers=OFFICER_A)) == expected
    # a person's role on a machine client does not count: a client "head" is no writer
    p = Principal(
        sub="c",
        kind=PrincipalKind.CLIENT,
        roles=frozenset({Role.SCHOOL_HEAD}),
        schools=frozenset({"79701001"}),
    )
    client_head = {HEADER: sign_principal(p, SECRET, ttl=600)}
    assert answer(await client.post("/api/v1/bulk/assessments", json=body, headers=client_head)) == expected


async def test_the_records_refuse_in_scope_roles_after_answering_outsiders_404(client, app):
    """The role is checked once the object is found in scope: an outsider's answer is an unknown
    object's, whatever its role; an insider without the role gets the 403."""
    await seed_org(client)
    await assessment(app, "2024-2025", START)
    plan = "/api/v1/schools/79701001/assessments/2024-2025/plan"
    council = "/api/v1/schools/79701001/council/2024-2025"
    team = "/api/v1/units/phong-797-a/teams/2024-2025"
    link = "/api/v1/units/phong-797-a/publication/2024-2025"
    extend = "/api/v1/schools/79701001/assessments/2024-2025/self/extensions"
    reopen = {"reason": "Bão lụt", "until": vn_today().isoformat()}
    url = {"url": "https://pgd.example.edu.vn/kq"}
    plan_body = {"targets": TARGETS[:1]}
    # (method, path, body, an insider without the role, its 403 message, an outsider)
    cases = [
        ("PUT", plan, plan_body, OFFICER_A, "This role may not write the improvement plan.", OFFICER_B),
        ("PUT", council, COUNCIL, OFFICER_A, "Only the school may record this.", OTHER_HEAD),
        ("PUT", team, teams(), ASSESSOR_A, "Only an officer may set up teams.", OFFICER_B),
        ("PUT", link, url, ASSESSOR_A, "Only the unit's officers may record this.", OFFICER_B),
        # a Phòng's officer: the role, but not at the Sở
        ("POST", extend, reopen, OFFICER_A, "Only an officer of the province's Sở may reopen.", OTHER_HEAD),
    ]
    for method, path, body, insider, en, outsider in cases:
        r = await client.request(method, path, json=body, headers=insider)
        assert answer(r) == (403, "forbidden", en), path
        assert (await client.request(method, path, json=body, headers=outsider)).status_code == 404, path
