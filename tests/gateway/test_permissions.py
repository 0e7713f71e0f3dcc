"""Every capability of the gateway refuses a caller without it exactly as before it was declared
on the route: the admin API answers `admin_only` to any other token, before the body is read or
anything is loaded; the grant look-up answers our services only."""

from __future__ import annotations

import httpx
import pytest

from services.gateway import permissions
from shared.permissions import CAPABILITIES
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal
from tests.conftest import SECRET
from tests.gateway.conftest import add_user, login

ADMIN_ONLY = (403, "admin_only", "Only administrators may use this API.")
ADMIN_ROUTES = [
    ("GET", "/admin/v1/clients", None),
    ("POST", "/admin/v1/clients", {"id": "x"}),  # not even a valid body: refused first
    ("GET", "/admin/v1/clients/nobody", None),
    ("PATCH", "/admin/v1/clients/nobody", {}),
    ("POST", "/admin/v1/clients/nobody/credentials", {}),
    ("DELETE", "/admin/v1/clients/nobody/credentials/c1", None),
    ("GET", "/admin/v1/users", None),
    ("POST", "/admin/v1/users", {}),
    ("PATCH", "/admin/v1/users/nobody", {}),
    ("POST", "/admin/v1/users/nobody/revoke-tokens", None),
    ("GET", "/admin/v1/jobs", None),
]


def test_every_capability_of_the_gateway_is_tested_here() -> None:
    assert {k for k in CAPABILITIES if k[0] == "gateway"} == {
        ("gateway", permissions.ADMIN.name),
        ("gateway", permissions.INTERNAL.name),
    }


def problem(r: httpx.Response) -> tuple[int, str, str]:
    body = r.json()
    return r.status_code, body["code"], body["message"]["en"]


@pytest.mark.parametrize(("method", "url", "body"), ADMIN_ROUTES)
async def test_the_admin_api_refuses_any_other_token(gateway, gw, method, url, body):
    await add_user(gateway, "so.officer", Role.OFFICER, org_units=["so-79"])
    r = await gw.request(method, url, json=body, headers=await login(gw, "so.officer"))
    assert problem(r) == ADMIN_ONLY, r.text


@pytest.mark.parametrize(
    "p",
    [
        Principal(sub="a", kind=PrincipalKind.USER, roles=frozenset({Role.ADMIN}), all_orgs=True),
        Principal(sub="sync", kind=PrincipalKind.SERVICE, roles=frozenset({Role.SERVICE})),  # not all orgs
    ],
)
async def test_the_grant_look_up_answers_our_services_only(gw, p):
    r = await gw.get(
        "/internal/v1/subjects/client/vendor-a", headers={HEADER: sign_principal(p, SECRET, ttl=60)}
    )
    assert problem(r) == (403, "forbidden", "Internal services only.")
