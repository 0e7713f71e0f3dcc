"""The demo province's records for the papers: a council per school that assessed itself, the
external-assessment teams of each Phòng and of the Sở with their schedule, and publication links.
Written through the scoring service's API like the rest of the demo; a restart leaves them be."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.principal import Role

if TYPE_CHECKING:
    from services.gateway.demo import Seeder

YEAR = "2024-2025"
PEOPLE = ["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Cúc", "Phạm Minh Đức", "Võ Thị Ánh Tuyết"]


def council(code: str) -> dict[str, Any]:
    head, deputy, secretary, *members = PEOPLE
    return {
        "decision_number": f"{code[-2:]}/QĐ-TH",
        "decision_date": "2024-10-07",
        "signer_name": head,
        "members": [
            {"name": head, "position": "Hiệu trưởng", "role": "chu_tich", "task": "Phụ trách chung"},
            {"name": deputy, "position": "Phó Hiệu trưởng", "role": "pho_chu_tich",
             "task": "Phụ trách Nhóm 1"},
            {"name": secretary, "position": "Giáo viên", "role": "thu_ky",
             "task": "Thư ký, tổng hợp minh chứng"},
            *[{"name": n, "position": "Tổ trưởng chuyên môn", "role": "uy_vien", "task": "Phụ trách Nhóm 2"}
              for n in members],
        ],
    }  # fmt: skip


def teams(unit_name: str, schools: list[str]) -> dict[str, Any]:
    half = (len(schools) + 1) // 2
    groups = [schools[:half], schools[half:]]
    return {
        "decision_number": "45/QĐ-PGDĐT" if unit_name.startswith("Phòng") else "310/QĐ-SGDĐT",
        "decision_date": "2025-05-20",
        "signer_name": "Hoàng Văn Thắng",
        "teams": [
            {
                "name": f"Đoàn số {i + 1}",
                "members": [
                    {"name": "Đặng Quốc Việt", "position": "Phó Trưởng phòng", "workplace": unit_name,
                     "role": "truong_doan", "task": "Điều hành chung"},
                    {"name": "Bùi Thị Thu Hằng", "position": "Chuyên viên", "workplace": unit_name,
                     "role": "thu_ky", "task": "Lập biên bản"},
                    {"name": "Ngô Đức Thịnh", "position": "Hiệu trưởng", "workplace": "Trường cốt cán",
                     "role": "thanh_vien", "task": "Đánh giá Nhóm 2"},
                ],
                "assignments": [{"school_code": c, "on": f"2025-06-{2 + j:02d}"} for j, c in enumerate(g)],
            }
            for i, g in enumerate(groups)
            if g
        ],
    }  # fmt: skip


async def seed_records(s: Seeder, schools: list[str]) -> None:
    from services.gateway.demo import PHONG, SO

    for code in schools:
        if (
            await s.c.get(f"/api/v1/schools/{code}/assessments/{YEAR}/self", headers=s.admin)
        ).status_code != 200:
            continue
        head = s.school_user(code, Role.SCHOOL_HEAD)
        if (await s.c.get(f"/api/v1/schools/{code}/council/{YEAR}", headers=head)).status_code == 404:
            await s.c.put(f"/api/v1/schools/{code}/council/{YEAR}", json=council(code), headers=head)
        url = {"url": f"https://{code}.edu.vn/chuyen-doi-so/{YEAR}"}
        await s.c.put(f"/api/v1/schools/{code}/publication/{YEAR}", json=url, headers=head)
    units = [*PHONG, (SO, "Sở GDĐT TP. Hồ Chí Minh")]
    for n, (unit_id, name) in enumerate(units):
        mine = (
            [c for c in schools if c[2] == str(n + 1)]
            if unit_id != SO
            else [c for c in schools if c[2] == "0"]
        )
        if (await s.c.get(f"/api/v1/units/{unit_id}/teams/{YEAR}", headers=s.admin)).status_code == 404:
            await s.post(f"/api/v1/units/{unit_id}/teams/{YEAR}", teams(name, mine), s.admin, method="PUT")
        await s.c.put(f"/api/v1/units/{unit_id}/publication/{YEAR}", json={"url": f"https://{unit_id}.edu.vn/kq"},
                      headers=s.admin)  # fmt: skip
