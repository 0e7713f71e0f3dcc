"""Property-based: on any well-typed input the engine never raises, and points never exceed caps,
criterion maxima or group maxima; levels are always one of the document's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pydantic_core
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scoring.assessments.scoring import group_snapshot
from services.scoring.engine import score
from services.scoring.engine.vocabulary import parse_input
from services.scoring.frameworks.schemas import JsonRenderer, render_result, titles_of
from shared.contracts import GroupSnapshot

LEVELS = st.lists(st.sampled_from(["TH", "THCS", "THPT", "GDTX"]), min_size=1, max_size=4, unique=True)
FIXED = ["1.3.1", "1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.5.1", "1.5.2", "1.7.3"]
FIXED += ["2.3.1", "2.3.2", "2.3.4", "2.3.5", "2.3.6", "2.3.7", "2.3.8", "2.4.1", "2.4.2", "2.4.3"]
PCT = ["1.6.1", "1.6.2", "1.6.3", "1.7.1"]


@st.composite
def ratio(draw: Any) -> dict[str, int]:
    den = draw(st.integers(1, 10**6))
    return {"numerator": draw(st.integers(0, den)), "denominator": den}


@st.composite
def facts(draw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for code in ["1.1", "1.2", "2.1", "2.2"]:
        if draw(st.booleans()):
            out[code] = {"met": draw(st.booleans())}
    for code in ["lms", "sms", *FIXED]:
        if draw(st.booleans()):
            out[code] = {"deployed": draw(st.booleans())}
    for code in PCT:
        if draw(st.booleans()):
            out[code] = draw(ratio())
    if draw(st.booleans()):
        out["1.4.1"] = {"count": draw(st.integers(0, 10**6))}
    if draw(st.booleans()):
        out["1.7.2"] = draw(
            st.one_of(
                st.fixed_dictionaries(
                    {"class_size": st.integers(1, 200), "lab_computers": st.integers(0, 200)}
                ),
                st.fixed_dictionaries({"level": st.integers(1, 3), "reason": st.just("kiểm tra thực tế")}),
            )
        )
    if draw(st.booleans()):
        out["2.3.3"] = {"mode": draw(st.sampled_from(["none", "pdf", "digital_signature"]))}
    return out


AWARDED = st.dictionaries(
    st.sampled_from([*FIXED, *PCT, "1.4.1", "1.7.2", "2.3.3"]),
    st.decimals(min_value=0, max_value=20, places=2, allow_nan=False, allow_infinity=False).map(str),
    max_size=8,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levels=LEVELS, f=facts(), awarded=AWARDED)
def test_engine_is_total_and_bounded(cf, levels, f, awarded):
    inp, errs = parse_input(cf, levels, f, awarded)
    assert not errs
    assert inp is not None
    r = score(cf, inp)
    over = {v.item for v in r.violations}
    for g in r.groups:
        assert Decimal(0) <= g.points <= g.max_points
        assert g.points <= g.attainable_max
        assert g.level in (1, 2, 3)
        for c in g.criteria:
            if c.mandatory:
                assert c.points is None
                continue
            assert c.max_points is not None
            assert c.points is not None
            assert Decimal(0) <= c.points <= c.max_points
            assert c.level in (1, 2, 3)
            for i in c.items:
                assert Decimal(0) <= i.points <= i.cap
                if i.code in awarded and i.code not in over:
                    assert i.points == Decimal(awarded[i.code])
    for v in r.violations:
        assert v.awarded > v.cap


@settings(max_examples=200, deadline=None)
@given(
    raw=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
        max_leaves=10,
    )
)
def test_any_json_is_validated_not_crashed(cf, raw):
    # arbitrary JSON in every member: errors or a valid input, never an exception
    for args in [(raw, {}, {}), (["TH"], raw, {}), (["TH"], {"1.6.1": raw, "2.1": raw, "1.7.2": raw}, raw)]:
        inp, errs = parse_input(cf, *args)
        assert (inp is None) == bool(errs)
        if inp is not None:
            score(cf, inp)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levels=LEVELS, f=facts(), awarded=AWARDED)
def test_preview_bytes_are_the_dicts_serialised(qd4725, cf, levels, f, awarded):
    # the preview writes its answer as text; the bytes must be exactly the documented dicts'
    inp, _ = parse_input(cf, levels, f, awarded)
    assert inp is not None
    r = score(cf, inp)
    titles = titles_of(qd4725)
    assert JsonRenderer(titles).render(r) == pydantic_core.to_json(render_result(r, titles))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levels=LEVELS, f=facts(), awarded=AWARDED)
def test_group_snapshot_is_the_contract_shape(cf, levels, f, awarded):
    # what the row stores and the approval event carries validates as the contract and dumps
    # back to itself, with the exact decimal text of each result
    inp, _ = parse_input(cf, levels, f, awarded)
    assert inp is not None
    for g in score(cf, inp).groups:
        snap = group_snapshot(g)
        assert GroupSnapshot.model_validate(snap).model_dump(mode="json") == snap
        assert snap["points"] == str(g.points)
        assert [c["points"] for c in snap["criteria"]] == [
            None if c.points is None else str(c.points) for c in g.criteria
        ]
