"""`GET /internal/v1/subjects/{kind}/{sub}`: a subject's grant as it is now, for the sync
service's scope check at every webhook send; service principals only."""

from __future__ import annotations

import httpx

from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal
from tests.conftest import SECRET
from tests.gateway.conftest import add_client

SERVICE = Principal(sub="sync", kind=PrincipalKind.SERVICE, roles=frozenset({Role.SERVICE}), all_orgs=True)


def signed(p: Principal) -> dict[str, str]:
    return {HEADER: sign_principal(p, SECRET, ttl=60)}


class TestSubjectGrant:
    async def test_follows_the_registry_now(self, gateway, gw: httpx.AsyncClient, admin):
        await add_client(gateway, "vendor-a", Role.VENDOR_CLIENT, schools=["79701001", "79701002"])
        r = await gw.get("/internal/v1/subjects/client/vendor-a", headers=signed(SERVICE))
        assert r.status_code == 200, r.text
        assert r.json()["schools"] == ["79701001", "79701002"]
        assert r.json()["active"] is True
        r = await gw.patch("/admin/v1/clients/vendor-a", json={"schools": ["79701001"]}, headers=admin)
        assert r.status_code == 200, r.text
        r = await gw.get("/internal/v1/subjects/client/vendor-a", headers=signed(SERVICE))
        assert r.json()["schools"] == ["79701001"]
        assert (
            await gw.get("/internal/v1/subjects/client/nobody", headers=signed(SERVICE))
        ).status_code == 404

    async def test_only_service_principals(self, gateway, gw: httpx.AsyncClient):
        await add_client(gateway, "vendor-a", Role.VENDOR_CLIENT, schools=["79701001"])
        assert (await gw.get("/internal/v1/subjects/client/vendor-a")).status_code == 401
        admin_p = Principal(sub="a", kind=PrincipalKind.USER, roles=frozenset({Role.ADMIN}), all_orgs=True)
        r = await gw.get("/internal/v1/subjects/client/vendor-a", headers=signed(admin_p))
        assert r.status_code == 403
        forged = {HEADER: sign_principal(SERVICE, "not-the-secret", ttl=60)}
        assert (await gw.get("/internal/v1/subjects/client/vendor-a", headers=forged)).status_code == 401
