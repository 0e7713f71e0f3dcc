from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from services.scoring.config import DOCUMENTS
from services.scoring.engine import CompiledFramework, ScoreInput, ScoreResult, compile_framework, score
from services.scoring.engine.vocabulary import parse_input
from shared.framework.loader import load_directory
from shared.framework.model import Framework


@pytest.fixture(scope="session")
def qd4725() -> Framework:
    (fw,) = [f for f in load_directory(DOCUMENTS) if f.id == "qd4725-2022"]
    return fw


@pytest.fixture(scope="session")
def cf(qd4725: Framework) -> CompiledFramework:
    return compile_framework(qd4725)


@pytest.fixture(scope="session")
def run(cf: CompiledFramework) -> Callable[..., ScoreResult]:
    """Score raw vocabulary (as a client sends it); fails the test on any validation error."""

    def _run(
        facts: dict[str, Any], levels: list[str] | None = None, awarded: dict[str, Any] | None = None
    ) -> ScoreResult:
        inp, errors = parse_input(cf, levels or ["TH"], facts, awarded or {})
        assert not errors, errors
        assert isinstance(inp, ScoreInput)
        return score(cf, inp)

    return _run


def item(r: ScoreResult, code: str) -> Any:
    return next(i for g in r.groups for c in g.criteria for i in c.items if i.code == code)


def criterion(r: ScoreResult, code: str) -> Any:
    return next(c for g in r.groups for c in g.criteria if c.code == code)


def group(r: ScoreResult, code: str) -> Any:
    return next(g for g in r.groups if g.code == code)


# --- database-backed fixtures -----------------------------------------------------------------

from collections.abc import AsyncIterator  # noqa: E402

import httpx  # noqa: E402

from services.scoring.config import MIGRATIONS  # noqa: E402
from shared.principal import Principal, PrincipalKind, Role, sign_principal  # noqa: E402
from tests.conftest import SECRET, make_database, scoring_service  # noqa: E402


@pytest.fixture(scope="session")
async def scoring_url(backend: str) -> str:
    return await make_database("scoring", backend, MIGRATIONS)


@pytest.fixture
async def app(scoring_url: str) -> AsyncIterator[Any]:
    async with scoring_service(scoring_url) as application:
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scoring") as c:
        yield c


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
