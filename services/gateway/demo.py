"""A generated demo province for the embedded default: one Sở, four Phòng, about 60 schools whose
assessments stand at every state of the workflow. Everything is created through the scoring
service's own API (with signed service principals), so the demo exercises the real code; a
restart finds what exists and leaves it alone."""

from __future__ import annotations

import hashlib
import json
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway.admin.schemas import ClientCreate, CredentialCreate, UserCreate
from services.gateway.admin.service import AdminService
from services.gateway.auth.repository import AuthRepository
from services.gateway.demo_records import seed_records
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal

log = logging.getLogger("gateway.demo")
YEAR = "2024-2025"
PREVIOUS_YEAR = "2023-2024"  # open too, so a school can try year on year and carried plans
PROVINCE = "79"
SO = "so-79"
PHONG = [
    ("phong-79-q1", "Phòng GDĐT Quận 1"),
    ("phong-79-q3", "Phòng GDĐT Quận 3"),
    ("phong-79-td", "Phòng GDĐT TP. Thủ Đức"),
    ("phong-79-cc", "Phòng GDĐT Huyện Củ Chi"),
]
# where each Phòng dates its papers (NĐ 30: a district body writes its district); the Sở has none
# recorded, so its papers take the province's name, "Thành phố Hồ Chí Minh"
PLACE = {"phong-79-q1": "Quận 1", "phong-79-q3": "Quận 3", "phong-79-td": "Thủ Đức", "phong-79-cc": "Củ Chi"}
NAMES = ["Kết Đoàn", "Trần Hưng Đạo", "Nguyễn Thái Học", "Lê Quý Đôn", "Chu Văn An", "Võ Thị Sáu",
         "Nguyễn Du", "Hòa Bình", "Lê Lợi", "Phan Chu Trinh", "Nguyễn Trãi", "Lý Thường Kiệt",
         "Minh Đức", "Đinh Tiên Hoàng"]  # fmt: skip
# the state each school's assessments reach, cycled so every state is well represented
STAGES = ["none", "draft", "submitted", "approved", "approved", "accepted", "in_progress", "concluded",
          "recognised", "recognised"]  # fmt: skip
DEPLOYED = ["1.3.1", "1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.5.1", "1.5.2", "1.7.3", "2.3.1", "2.3.2",
            "2.3.4", "2.3.5", "2.3.6", "2.3.7", "2.3.8", "2.4.1", "2.4.2", "2.4.3", "lms", "sms"]  # fmt: skip
RATIOS = ["1.6.1", "1.6.2", "1.6.3", "1.7.1"]


@dataclass
class DemoInfo:
    users: dict[str, str] = field(default_factory=dict)  # username → what it is
    # generated on the data directory's first start (services/secrets_file.py), printed at start:
    # nothing in the repository logs in
    password: str = ""
    client_id: str = "demo-vendor"
    client_secret: str = ""
    schools: int = 0
    vendor_schools: list[str] = field(default_factory=list)


def facts_for(code: str, strength: float) -> dict[str, Any]:
    """Plausible facts for a school: `strength` in [0, 1] is how far its transformation has gone."""
    rnd = random.Random(code)  # noqa: S311  deterministic demo data, not security
    f: dict[str, Any] = {
        k: {"met": rnd.random() < 0.6 + 0.4 * strength} for k in ("1.1", "1.2", "2.1", "2.2")
    }
    for k in DEPLOYED:
        f[k] = {"deployed": rnd.random() < 0.3 + 0.7 * strength}
    for k in RATIOS:
        den = rnd.randint(20, 60)
        f[k] = {
            "numerator": min(den, int(den * (0.3 + 0.7 * strength) * rnd.uniform(0.8, 1.1))),
            "denominator": den,
        }
    f["1.4.1"] = {"count": int(40 * strength * rnd.uniform(0.6, 1.0))}
    f["1.7.2"] = {"class_size": 35, "lab_computers": int(35 * (0.4 + 0.6 * strength))}
    f["2.3.3"] = {"mode": "digital_signature" if strength > 0.5 else "pdf"}
    # what the index asks to be told (I-10: required at submission)
    head = {"name": "Nguyễn Văn An", "position": "Hiệu trưởng", "email": f"ht.{code}@demo.edu.vn"}
    f["2.1"]["members"] = [{**head, "phone": "0900000000"}]
    names = {"lms": ("K12Online", "rented"), "sms": ("SMAS", "rented"), "1.5.1": ("Phần mềm thi", None)}
    for k, (name, acquisition) in names.items():
        f[k] |= {"name": name, **({"acquisition": acquisition} if acquisition else {})}
    return f


def decision_number(code: str) -> str:
    """One recognition decision per managing unit, as a Sở signs them: many schools each."""
    return f"{120 + int(code[2])}/QĐ-SGDĐT"


def _h(secret: str, p: Principal) -> dict[str, str]:
    return {HEADER: sign_principal(p, secret, ttl=600)}


class Seeder:
    def __init__(self, scoring: httpx.AsyncClient, secret: str) -> None:
        self.c = scoring
        self.secret = secret
        self.admin = _h(secret, Principal(sub="demo-loader", kind=PrincipalKind.SERVICE,
                                          roles=frozenset({Role.ADMIN}), all_orgs=True))  # fmt: skip
        self.officer = _h(secret, Principal(sub="demo-officer", name="Cán bộ Sở (demo)",
                                            roles=frozenset({Role.OFFICER, Role.ASSESSOR}),
                                            org_units=frozenset({SO})))  # fmt: skip

    def school_user(self, code: str, role: Role) -> dict[str, str]:
        p = Principal(sub=f"demo-{role.value}-{code}", name=f"Demo {role.value}", roles=frozenset({role}),
                      schools=frozenset({code}))  # fmt: skip
        return _h(self.secret, p)

    async def post(
        self, path: str, body: dict[str, Any], headers: dict[str, str], method: str = "POST"
    ) -> httpx.Response:
        r = await self.c.request(method, path, json=body, headers=headers)
        if r.status_code >= 400 and r.status_code != 409:
            log.warning("demo: %s %s → %s %s", path, body.get("id") or "", r.status_code, r.text[:200])
        return r

    async def org(self) -> list[tuple[str, list[str]]]:
        await self.post("/api/v1/org/units", {"id": "bgd", "kind": "ministry", "name": "Bộ GDĐT"}, self.admin)
        so = {"id": SO, "kind": "department", "name": "Sở GDĐT TP. Hồ Chí Minh", "parent_id": "bgd",
              "province_code": PROVINCE}  # fmt: skip
        await self.post("/api/v1/org/units", so, self.admin)
        schools: list[tuple[str, list[str]]] = []
        for n, (pid, pname) in enumerate(PHONG):
            unit = {
                "id": pid,
                "kind": "district_office",
                "name": pname,
                "parent_id": SO,
                "province_code": PROVINCE,
                "place_name": PLACE[pid],
            }
            await self.post("/api/v1/org/units", unit, self.admin)
            for i, name in enumerate(NAMES):
                level, kind = ("TH", "Tiểu học") if i < 9 else ("THCS", "THCS")
                code = f"79{n + 1}{i + 1:05d}"
                body = {
                    "code": code,
                    "name": f"Trường {kind} {name}",
                    "levels": [level],
                    "province_code": PROVINCE,
                    "managing_unit_id": pid,
                    "opened_on": "2005-09-05",
                }
                await self.post("/api/v1/org/schools", body, self.admin)
                schools.append((code, [level]))
        for i, name in enumerate(["Bùi Thị Xuân", "Lê Hồng Phong", "Marie Curie", "Gia Định"]):
            code = f"7900{i + 1:04d}"
            body = {
                "code": code,
                "name": f"Trường THPT {name}",
                "levels": ["THPT"],
                "province_code": PROVINCE,
                "managing_unit_id": SO,
                "opened_on": "2000-09-05",
            }
            await self.post("/api/v1/org/schools", body, self.admin)
            schools.append((code, ["THPT"]))
        return schools

    async def reopen(self, code: str) -> None:
        """The demo year is past its edit lock: the demo Sở reopens each school for a year, as
        a Sở would (an explicit, audited act), so the demo can be worked through."""
        base = f"/api/v1/schools/{code}/assessments/{YEAR}"
        until = _reopened_until()
        for kind in ("self", "external"):
            grants = (await self.c.get(f"{base}/{kind}/extensions", headers=self.officer)).json()["items"]
            soon = (_vn_today() + RESEED_BEFORE).isoformat()
            if any(g["revoked_at"] is None and g["until"] > soon for g in grants):
                continue  # still open for more than a month
            body = {"reason": "Dữ liệu minh hoạ (demo)", "until": until}
            await self.post(f"{base}/{kind}/extensions", body, self.officer)

    async def assessment(self, code: str, index: int) -> None:
        base = f"/api/v1/schools/{code}/assessments/{YEAR}"
        await self.reopen(code)
        stage = STAGES[index % len(STAGES)]
        if stage == "none" or (await self.c.get(f"{base}/self", headers=self.admin)).status_code == 200:
            return
        strength = random.Random(f"s{code}").uniform(0.2, 1.0)  # noqa: S311
        staff, head = self.school_user(code, Role.SCHOOL_STAFF), self.school_user(code, Role.SCHOOL_HEAD)
        steps: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = [
            ("PUT", f"{base}/self", {"facts": facts_for(code, strength)}, staff),
            ("POST", f"{base}/self/submit", None, staff),
            ("POST", f"{base}/self/approve", None, head),
            ("POST", f"{base}/self/request-external", None, head),
            ("POST", f"{base}/self/accept", None, self.officer),
            ("PUT", f"{base}/external", {"facts": facts_for(code, strength * 0.95)}, self.officer),
            ("POST", f"{base}/external/conclude", None, self.officer),
            ("POST", f"{base}/external/recognise", {"decision_number": decision_number(code),
                                                      "decision_date": _today()}, self.officer),
        ]  # fmt: skip
        upto = {"draft": 1, "submitted": 2, "approved": 3, "accepted": 5, "in_progress": 6, "concluded": 7}
        for method, path, body, headers in steps[: upto.get(stage, len(steps))]:
            r = await self.c.request(method, path, json=body, headers=headers)
            if r.status_code >= 400:
                log.warning("demo: %s %s → %s %s", method, path, r.status_code, r.text[:300])
                return


def _vn_today() -> date:
    return (datetime.now(UTC) + timedelta(hours=7)).date()  # Vietnam's day


def _today() -> str:
    """A recognition is dated neither before its conclusion (seeded now) nor in the future."""
    return _vn_today().isoformat()


def _reopened_until() -> str:
    return (_vn_today() + timedelta(days=365)).isoformat()


async def seed_scoring(scoring: httpx.AsyncClient, secret: str) -> list[str]:
    s = Seeder(scoring, secret)
    schools = await s.org()
    for i, (code, _levels) in enumerate(schools):
        await s.assessment(code, i)
    await seed_records(s, [c for c, _ in schools])
    return [c for c, _ in schools]


MARKER = "demo-seeded.json"
RESEED_BEFORE = timedelta(days=30)  # the reopening extensions run a year: renew a month before


def _fingerprint() -> str:
    """What the demo is: its own source, so a changed demo is seeded again on the next start."""
    from services.gateway import demo_records

    digest = hashlib.sha256()
    for module_file in (__file__, demo_records.__file__):
        digest.update(Path(module_file).read_bytes())
    return digest.hexdigest()


def seeded(data_dir: Path, scoring_existed: bool) -> list[str] | None:
    """The schools of a completed seeding of this data directory, when nothing needs doing.

    Seeding is idempotent (each step looks first), but looking costs hundreds of requests on every
    start; the marker is written only once a seeding has finished, and is believed only while the
    scoring database it describes was already there, the demo is unchanged and its reopening
    extensions have more than a month to run."""
    if not scoring_existed:
        return None
    try:
        mark = json.loads((data_dir / MARKER).read_text(encoding="utf-8"))
        until = date.fromisoformat(mark["reopened_until"])
        if mark["fingerprint"] != _fingerprint() or until - _vn_today() <= RESEED_BEFORE:
            return None
        return [str(code) for code in mark["schools"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def mark_seeded(data_dir: Path, schools: list[str]) -> None:
    mark = {"fingerprint": _fingerprint(), "reopened_until": _reopened_until(), "schools": schools}
    tmp = data_dir / f"{MARKER}.tmp"
    tmp.write_text(json.dumps(mark), encoding="utf-8")
    tmp.replace(data_dir / MARKER)


async def seed_gateway(
    factory: async_sessionmaker[AsyncSession], schools: list[str], password: str, vendor_secret: str
) -> DemoInfo:
    """The demo's people and vendor client, with this data directory's own password and secret."""
    info = DemoInfo(
        schools=len(schools), vendor_schools=schools[:10], password=password, client_secret=vendor_secret
    )
    first = schools[1]
    people: list[tuple[str, str, list[Role], dict[str, Any]]] = [
        ("admin", "Quản trị hệ thống", [Role.ADMIN], {"all_orgs": True}),
        ("so.officer", "Cán bộ Sở GDĐT", [Role.OFFICER, Role.ASSESSOR], {"org_units": [SO]}),
        ("phong.q1", "Cán bộ Phòng GDĐT Quận 1", [Role.OFFICER], {"org_units": [PHONG[0][0]]}),
        (f"head.{first}", "Hiệu trưởng (demo)", [Role.SCHOOL_HEAD], {"schools": [first]}),
        (f"staff.{first}", "Cán bộ nhà trường (demo)", [Role.SCHOOL_STAFF], {"schools": [first]}),
        ("ministry", "Bộ GDĐT (xem)", [Role.MINISTRY_VIEWER], {"all_orgs": True}),
    ]
    async with factory() as session:
        svc, repo = AdminService(session), AuthRepository(session)
        for username, name, roles, scope in people:
            info.users[username] = f"{', '.join(roles)} {scope}"
            if await repo.user_by_username(username) is None:
                user = UserCreate(username=username, name=name, password=password, roles=roles, **scope)
                await svc.create_user(user, user_id=f"u-{username}")
        if await repo.client(info.client_id) is None:
            body = ClientCreate(id=info.client_id, name="Phần mềm quản lý trường học (demo)",
                                roles=[Role.VENDOR_CLIENT], schools=info.vendor_schools)  # fmt: skip
            await svc.create_client(body)
        if await repo.credential("demo") is None:
            await svc.new_credential(info.client_id, CredentialCreate(label="demo"), "demo", vendor_secret)
        await session.commit()
    return info
