"""The small province every service's tests share: who is who in it (signed principal headers, as
the gateway sends them) and its seeding through the scoring API."""

from __future__ import annotations

import httpx

from shared.principal import Principal, PrincipalKind, Role, sign_principal

SECRET = "test-internal-secret"  # the internal principal's signing secret every test app shares


def who(
    sub: str,
    *roles: Role,
    units: tuple[str, ...] = (),
    schools: tuple[str, ...] = (),
    all_orgs: bool = False,
    name: str | None = None,
) -> dict[str, str]:
    kind = (
        PrincipalKind.CLIENT
        if Role.VENDOR_CLIENT in roles
        else PrincipalKind.SERVICE
        if Role.SERVICE in roles
        else PrincipalKind.USER
    )
    p = Principal(
        sub=sub,
        kind=kind,
        name=name,
        roles=frozenset(roles),
        org_units=frozenset(units),
        schools=frozenset(schools),
        all_orgs=all_orgs,
    )
    # Signed once at import and reused by the whole session, which can outlast the production
    # TTL on a slow machine: a day keeps the headers valid; expiry itself is tested in shared/.
    return {"X-Chiso-Principal": sign_principal(p, SECRET, ttl=86_400)}


ADMIN = who("admin", Role.ADMIN, all_orgs=True)
SERVICE = who("sync", Role.SERVICE, all_orgs=True)
STAFF = who("staff-th1", Role.SCHOOL_STAFF, schools=("79701001",))
HEAD = who("head-th1", Role.SCHOOL_HEAD, schools=("79701001",), name="Nguyễn Thị Hoa")
VENDOR = who("vendor-smas", Role.VENDOR_CLIENT, schools=("79701001", "79701002"))
OFFICER_A = who("officer-pa", Role.OFFICER, units=("phong-797-a",))
ASSESSOR_A = who("assessor-pa", Role.ASSESSOR, units=("phong-797-a",))
OFFICER_B = who("officer-pb", Role.OFFICER, units=("phong-797-b",))
SO_OFFICER = who("officer-so", Role.OFFICER, units=("so-79",))
OTHER_HEAD = who("head-th3", Role.SCHOOL_HEAD, schools=("79702001",))


async def seed_org(client: httpx.AsyncClient) -> None:
    """A small province: one Sở, two Phòng, three primary schools and one upper-secondary school."""
    units = [
        {"id": "bgd", "kind": "ministry", "name": "Bộ GDĐT"},
        {
            "id": "so-79",
            "kind": "department",
            "name": "Sở GDĐT TP. Hồ Chí Minh",
            "parent_id": "bgd",
            "province_code": "79",
        },
        {
            "id": "phong-797-a",
            "kind": "district_office",
            "name": "Phòng GDĐT Quận 1",
            "parent_id": "so-79",
            "province_code": "79",
        },
        {
            "id": "phong-797-b",
            "kind": "district_office",
            "name": "Phòng GDĐT Quận 3",
            "parent_id": "so-79",
            "province_code": "79",
        },
    ]
    for u in units:
        r = await client.post("/api/v1/org/units", json=u, headers=ADMIN)
        assert r.status_code == 201, r.text
    schools = [
        {
            "code": "79701001",
            "name": "Trường Tiểu học Kết Đoàn",
            "levels": ["TH"],
            "managing_unit_id": "phong-797-a",
            "opened_on": "2010-09-05",
        },
        {
            "code": "79701002",
            "name": "Trường Tiểu học Trần Hưng Đạo",
            "levels": ["TH"],
            "managing_unit_id": "phong-797-a",
            "opened_on": "2010-09-05",
        },
        {
            "code": "79702001",
            "name": "Trường Tiểu học Nguyễn Thi",
            "levels": ["TH"],
            "managing_unit_id": "phong-797-b",
            "opened_on": "2010-09-05",
        },
        {
            "code": "79000001",
            "name": "Trường THPT Bùi Thị Xuân",
            "levels": ["THPT"],
            "managing_unit_id": "so-79",
            "opened_on": "2010-09-05",
        },
    ]
    for s in schools:
        r = await client.post("/api/v1/org/schools", json=s, headers=ADMIN)
        assert r.status_code == 201, r.text
