"""The bench's province for the papers: one Sở assessing every school (the post-2025 map), twenty
communes or districts managing them, self-assessments approved and most external assessments
recognised, one decision per managing unit; rows shaped as the scoring service stores them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

YEAR = "2024-2025"
UNITS = 20
CRITERIA = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.1", "2.2", "2.3", "2.4"]
ITEMS = [f"1.3.{i}" for i in range(1, 6)] + ["1.4.1", "1.5.1", "1.5.2"]
ITEMS += [f"1.6.{i}" for i in range(1, 4)] + [f"1.7.{i}" for i in range(1, 4)]
ITEMS += [f"2.3.{i}" for i in range(1, 9)] + [f"2.4.{i}" for i in range(1, 4)]
LEVELS = ["TH", "THCS", "THPT", "GDTX"]


def _result(i: int) -> dict[str, Any]:
    crit: list[dict[str, Any]] = [
        {
            "code": c,
            "points": None if c in ("1.1", "1.2", "2.1", "2.2") else str((i + n) % 20),
            "level": None if c in ("1.1", "1.2", "2.1", "2.2") else 1 + (i + n) % 3,
            "met": (i + n) % 7 != 0 if c in ("1.1", "1.2", "2.1", "2.2") else None,
        }
        for n, c in enumerate(CRITERIA)
    ]
    return {
        "groups": [{"code": g, "criteria": [c for c in crit if str(c["code"])[0] == g]} for g in ("1", "2")],
        "items": {it: ["6", str((i + n) % 7)] for n, it in enumerate(ITEMS)},
    }


def _assessment(code: str, i: int, kind: str, state: str, now: datetime, unit: int) -> dict[str, Any]:
    g1, g2 = 40 + (i * 7) % 60, 30 + (i * 11) % 70
    recognised = state == "recognised"
    return {
        "id": str(uuid.uuid4()),
        "school_code": code,
        "school_year": YEAR,
        "kind": kind,
        "framework": "qd4725-2022@1",
        "version": 1,
        "state": state,
        "facts": {},
        "awarded": {},
        "evidence_ids": [],
        "open_items": None,
        "result": _result(i),
        "g1_points": Decimal(g1),
        "g1_level": 1 + (g1 >= 50) + (g1 > 75),
        "g2_points": Decimal(g2),
        "g2_level": 1 + (g2 >= 50) + (g2 > 75),
        "overall_level": 1 + (min(g1, g2) >= 50) + (min(g1, g2) > 75),
        "content_hash": "",
        "external_requested": True,
        "item_comments": {},
        "created_at": now,
        "updated_at": now,
        "approved_at": now,
        "decision_number": f"{100 + unit}/QĐ-SGDĐT" if recognised else None,
        "decision_date": date(2025, 6, 15) if recognised else None,
    }


def province(n_schools: int) -> dict[str, list[dict[str, Any]]]:
    now = datetime.now(UTC)
    units: list[dict[str, Any]] = [
        {"id": "bgd", "kind": "ministry", "name": "Bộ GDĐT", "parent_id": None, "province_code": None},
        {
            "id": "so-01",
            "kind": "department",
            "name": "Sở GDĐT Hà Nội",
            "parent_id": "bgd",
            "province_code": "01",
        },
    ]
    units += [
        {
            "id": f"xa-01-{u:02d}",
            "kind": "commune_office",
            "name": f"Phòng Văn hóa - Xã hội Xã {u:02d}",
            "parent_id": "so-01",
            "province_code": "01",
        }
        for u in range(UNITS)
    ]
    schools, placements, assessments = [], [], []
    for i in range(n_schools):
        code, unit = f"01{i:06d}", i % UNITS
        level = LEVELS[i % 4]
        schools.append(
            {
                "code": code,
                "name": f"Trường {level} Nguyễn Trãi số {i}",
                "province_code": "01",
                "levels": [level],
                "ownership": "public" if i % 9 else "non_public",
            }
        )
        placements.append(
            {
                "school_code": code,
                "managing_unit_id": f"xa-01-{unit:02d}",
                "assessing_unit_id": "so-01",
                "valid_from": date(2020, 9, 5),
            }
        )
        if i % 20 == 19:
            continue  # has not submitted
        assessments.append(_assessment(code, i, "self", "accepted", now, unit))
        if i % 10 < 7:
            assessments.append(_assessment(code, i, "external", "recognised", now, unit))
    for row in [*units, *schools]:
        row.update({"created_at": now, "updated_at": now})
    return {"units": units, "schools": schools, "placements": placements, "assessments": assessments}
