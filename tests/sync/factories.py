"""`make_x(**overrides)` helpers for the sync tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from services.sync.csdl.contract import Submission, submission_from_snapshot
from shared.contracts import AssessmentSnapshot, ChangeEvent


def make_snapshot(**over: Any) -> AssessmentSnapshot:
    kind = over.pop("kind", "self")
    content = over.pop("content", "v1")
    data: dict[str, Any] = {
        "assessment_id": "a-" + over.get("school_code", "79701001") + "-" + kind,
        "school_code": "79701001",
        "school_name": "Trường Tiểu học Kết Đoàn",
        "province_code": "79",
        "school_year": "2024-2025",
        "kind": kind,
        "framework": "qd4725-2022@1",
        "version": 3,
        "state": "approved" if kind == "self" else "recognised",
        "groups": [
            {
                "code": "1",
                "points": "62.00",
                "level": 2,
                "mandatory_met": True,
                "criteria": [{"code": "1.3", "points": "18.00", "level": 2}],
            },
            {"code": "2", "points": "40.00", "level": 1, "mandatory_met": True, "criteria": []},
        ],
        "approval": {
            "by": "head-th1",
            "by_name": "Nguyễn Thị Hoa",
            "at": "2025-05-10T03:00:00Z",
            "decision_number": None if kind == "self" else "123/QĐ-SGDĐT",
            "decision_date": None if kind == "self" else "2025-06-10",
        },
        "evidence_ids": ["ev-1"],
        "content_hash": hashlib.sha256(content.encode()).hexdigest(),
    }
    data.update(over)
    return AssessmentSnapshot.model_validate(data)


def make_submission(**over: Any) -> Submission:
    return submission_from_snapshot(make_snapshot(**over))


def make_event(id_: int, type_: str = "assessment.approved", **over: Any) -> ChangeEvent:
    snap = make_snapshot(**over)
    return ChangeEvent(
        id=id_,
        type=type_,
        occurred_at=datetime(2025, 5, 10, tzinfo=UTC),
        school_code=snap.school_code,
        school_year=snap.school_year,
        assessment_id=snap.assessment_id,
        version=snap.version,
        payload=snap.model_dump(mode="json") if type_ != "assessment.returned" else {"reason": "x"},
    )
