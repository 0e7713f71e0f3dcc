"""OpenAPI examples for the score preview: each a realistic school, not placeholder data."""

from __future__ import annotations

from typing import Any

PRIMARY_SCHOOL: dict[str, Any] = {
    "school_levels": ["TH"],
    "facts": {
        "1.1": {"met": True, "evidence": ["KH-DHTT-2024"]},
        "1.2": {"met": True},
        "lms": {"deployed": True, "name": "K12Online", "acquisition": "rented"},
        "1.3.1": {"deployed": True, "name": "Microsoft Teams", "url": "https://teams.microsoft.com"},
        "1.3.2": {"deployed": True},
        "1.3.3": {"deployed": True},
        "1.3.4": {"deployed": False},
        "1.4.1": {"count": 35},
        "1.5.1": {"deployed": True, "name": "Phần mềm thi trắc nghiệm"},
        "1.6.1": {"numerator": 35, "denominator": 50},
        "1.6.2": {"numerator": 6, "denominator": 10},
        "1.6.3": {"numerator": 12, "denominator": 50},
        "1.7.1": {"numerator": 18, "denominator": 24},
        "1.7.2": {"class_size": 35, "lab_computers": 15},
        "1.7.3": {"deployed": False},
        "2.1": {
            "met": True,
            "members": [{"name": "Nguyễn Văn An", "position": "Hiệu trưởng", "email": "an@example.edu.vn"}],
        },
        "2.2": {"met": True},
        "sms": {"deployed": True, "name": "SMAS", "acquisition": "rented"},
        "2.3.1": {"deployed": True},
        "2.3.2": {"deployed": True},
        "2.3.3": {"mode": "digital_signature"},
        "2.3.4": {"deployed": True},
        "2.3.8": {"deployed": True},
        "2.4.1": {"deployed": True, "channel": "OTT"},
        "2.4.3": {"deployed": True},
    },
    "awarded": {"1.3.1": 5.5},
}

MANDATORY_UNMET: dict[str, Any] = {
    "school_levels": ["THCS", "THPT"],
    "facts": {
        "1.1": {"met": True},
        "1.2": {"met": False},
        "1.3.1": {"deployed": True},
        "1.4.1": {"count": 40},
        "1.7.2": {"level": 2, "reason": "Phòng máy mới lắp thêm 10 máy sau ngày khảo sát"},
    },
}

BAD_INPUT: dict[str, Any] = {
    "school_levels": ["TH", "MN"],
    "facts": {"1.6.1": {"numerator": 60, "denominator": 50}, "9.9.9": {"deployed": True}},
    "awarded": {"1.4.1": 4},
}

OPENAPI_EXAMPLES: dict[str, dict[str, Any]] = {
    "primary": {"summary": "A primary school with most facts declared", "value": PRIMARY_SCHOOL},
    "mandatory_unmet": {
        "summary": "Multi-level school, regulation 1.2 missing (I-6), assessor-set informatics level",
        "value": MANDATORY_UNMET,
    },
    "bad_input": {
        "summary": "Errors: unknown level and code, numerator above denominator",
        "value": BAD_INPUT,
    },
}
