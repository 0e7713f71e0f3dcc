"""Bad facts are rejected with a JSON pointer to each offending field, all at once."""

from __future__ import annotations

from typing import Any

import pytest

from services.scoring.engine.vocabulary import parse_input


def errors(cf, facts: Any = None, levels: Any = None, awarded: Any = None) -> list[tuple[str, str]]:
    inp, errs = parse_input(cf, ["TH"] if levels is None else levels, facts or {}, awarded or {})
    assert (inp is None) == bool(errs)
    return [(e.pointer, e.code) for e in errs]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"9.9.9": {"deployed": True}}, [("/facts/9.9.9", "unknown_code")]),
        ({"1.3.1": True}, [("/facts/1.3.1", "wrong_shape")]),
        ({"1.3.1": {}}, [("/facts/1.3.1/deployed", "missing")]),
        ({"1.3.1": {"deployed": "yes"}}, [("/facts/1.3.1/deployed", "bool_type")]),
        ({"1.4.1": {"count": -1}}, [("/facts/1.4.1/count", "negative")]),
        ({"1.4.1": {"count": 2.5}}, [("/facts/1.4.1/count", "int_type")]),
        ({"1.4.1": {"count": True}}, [("/facts/1.4.1/count", "int_type")]),
        ({"1.6.1": {"numerator": 6, "denominator": 0}}, [("/facts/1.6.1/denominator", "zero_denominator")]),
        (
            {"1.6.1": {"numerator": 11, "denominator": 10}},
            [("/facts/1.6.1/numerator", "numerator_above_denominator")],
        ),
        (
            {"1.6.1": {"percent": 60}},
            [("/facts/1.6.1/numerator", "missing"), ("/facts/1.6.1/denominator", "missing")],
        ),
        ({"1.7.2": {"class_size": 0, "lab_computers": 3}}, [("/facts/1.7.2/class_size", "too_small")]),
        ({"1.7.2": {"level": 4, "reason": "x"}}, [("/facts/1.7.2/level", "enum")]),
        ({"1.7.2": {"level": 2}}, [("/facts/1.7.2/reason", "reason_required")]),
        ({"2.3.3": {"mode": "paper"}}, [("/facts/2.3.3/mode", "enum")]),
        ({"1.1": {"met": 1}}, [("/facts/1.1/met", "bool_type")]),
        (
            {"2.1": {"met": True, "members": [{"name": ""}]}},
            [("/facts/2.1/members/0/name", "missing"), ("/facts/2.1/members/0/position", "missing")],
        ),
        ({"lms": {"deployed": True, "acquisition": "stolen"}}, [("/facts/lms/acquisition", "enum")]),
    ],
)
def test_bad_fact(cf, facts, expected):
    assert errors(cf, facts) == expected


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([], [("/school_levels", "too_short")]),
        ("TH", [("/school_levels", "too_short")]),
        (["TH", "MN"], [("/school_levels/1", "enum")]),
    ],
)
def test_bad_school_levels(cf, levels, expected):
    assert errors(cf, levels=levels) == expected


@pytest.mark.parametrize(
    ("awarded", "expected"),
    [
        ({"1.3": 5}, [("/awarded/1.3", "unknown_code")]),
        ({"1.3.1": -1}, [("/awarded/1.3.1", "awarded_negative")]),
        ({"1.3.1": "abc"}, [("/awarded/1.3.1", "decimal_parsing")]),
        ({"1.3.1": "NaN"}, [("/awarded/1.3.1", "decimal_parsing")]),
        ({"1.3.1": 1.234}, [("/awarded/1.3.1", "decimal_max_places")]),
        ({"1.3.1": [1]}, [("/awarded/1.3.1", "decimal_type")]),
    ],
)
def test_bad_awarded(cf, awarded, expected):
    assert errors(cf, awarded=awarded) == expected


def test_all_errors_at_once(cf):
    got = errors(
        cf,
        facts={"1.6.1": {"numerator": 60, "denominator": 50}, "x": {}, "1.4.1": {"count": -3}},
        levels=["TH", "XX"],
        awarded={"1.4.1": "-1"},
    )
    assert len(got) == 5


def test_details_are_kept_out_of_the_way(cf):
    inp, errs = parse_input(
        cf, ["TH"], {"1.3.1": {"deployed": True, "name": "Zoom", "url": "https://zoom.us"}}, {"1.3.1": "5.50"}
    )
    assert not errs
    assert inp is not None
    assert str(inp.awarded["1.3.1"]) == "5.5"


@pytest.mark.parametrize(
    ("facts", "awarded", "pointer", "code"),
    [
        ({"2.3.3": {"mode": []}}, {}, "/facts/2.3.3/mode", "enum"),
        ({"2.3.3": {"mode": {"a": 1}}}, {}, "/facts/2.3.3/mode", "enum"),
        ({}, {"1.3.1": "1e40"}, "/awarded/1.3.1", "too_large"),
        ({}, {"1.3.1": 10**40}, "/awarded/1.3.1", "too_large"),
    ],
)
def test_unhashable_choice_and_huge_points_are_errors_not_crashes(cf, facts, awarded, pointer, code):
    inp, errs = parse_input(cf, ["TH"], facts, awarded)
    assert inp is None
    assert [(e.pointer, e.code) for e in errs] == [(pointer, code)]
