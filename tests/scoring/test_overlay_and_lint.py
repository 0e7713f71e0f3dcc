"""Province overlays derive a framework by code; the linter reports and never edits."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.cli import main as cli
from services.scoring.config import DOCUMENTS
from services.scoring.engine import compile_framework, score
from services.scoring.engine.vocabulary import parse_input
from shared.framework.lint import lint
from shared.framework.loader import FrameworkError, apply_overlay, read_yaml
from shared.framework.model import Framework

ROOT = Path(__file__).resolve().parents[2]
SPLIT = ROOT / "docs" / "examples" / "overlay-split-gradebook.yaml"


def overlay(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "format": "chiso.framework-overlay/v1",
        "id": "test-province",
        "version": 1,
        "derived_from": "qd4725-2022@1",
        "title": {"vi": "Thử", "en": "Test"},
    }
    return {**base, **over}


def scored(fw: Framework, facts: dict[str, Any], levels: list[str] | None = None):
    cf = compile_framework(fw)
    inp, errs = parse_input(cf, levels or ["TH"], facts, {})
    assert not errs
    assert inp is not None
    return score(cf, inp)


class TestOverlay:
    def test_change_a_cap(self, qd4725):
        fw = apply_overlay(qd4725, overlay(patch={"1.3.1": {"cap": {"rule": "fixed", "points": 8}}}))
        r = scored(fw, {"1.3.1": {"deployed": True}})
        assert r.groups[0].criteria[2].items[0].cap == 8
        assert fw.derived_from == "qd4725-2022@1"
        assert fw.ref == "test-province@1"
        assert qd4725.items()[0].cap.points == 6  # type: ignore[union-attr]  # the base is untouched

    def test_change_a_band(self, qd4725):
        bands = [
            {"range": "[0, 0]", "points": 0},
            {"range": "(0, 50)", "points": 2},
            {"range": "[50, 100]", "points": 7},
        ]
        fw = apply_overlay(
            qd4725, overlay(patch={"1.6.1": {"cap": {"rule": "percent_band", "bands": bands}}})
        )
        r = scored(fw, {"1.6.1": {"numerator": 1, "denominator": 2}})
        assert r.groups[0].criteria[5].items[0].cap == 7

    def test_change_a_threshold(self, qd4725):
        levels = [
            {"level": 1, "range": "[0, 4)"},
            {"level": 2, "range": "[4, 5]"},
            {"level": 3, "range": "(5, inf)"},
        ]
        fw = apply_overlay(qd4725, overlay(patch={"1.4": {"levels": levels}}))
        r = scored(fw, {"1.4.1": {"count": 25}})  # 6 points: level 2 nationally ("từ 4 - 6"), 3 here
        assert r.groups[0].criteria[3].level == 3
        assert scored(qd4725, {"1.4.1": {"count": 25}}).groups[0].criteria[3].level == 2

    def test_split_reading_of_i4(self, qd4725):
        fw = apply_overlay(qd4725, read_yaml(SPLIT))
        assert fw.policies.mandatory_failure == "informational"
        facts = {"sms": {"deployed": True}, "2.3.3": {"mode": "digital_signature"}, "2.3.9": {"mode": "pdf"}}
        r = scored(fw, facts)
        g2 = r.groups[1]
        assert g2.criteria[2].attainable_max == 70
        assert g2.attainable_max == 100
        assert g2.criteria[2].points == 13
        # I-6 informational: unmet mandatory conditions no longer force level 1
        assert g2.unmet_mandatory == ["2.1", "2.2"]
        assert g2.level == g2.points_level == 1
        assert not [f for f in lint(fw) if f.code.endswith("unreachable_max")]

    def test_informational_policy_changes_level(self, qd4725):
        fw = apply_overlay(qd4725, overlay(policies={"mandatory_failure": "informational"}))
        facts = {"1.3.1": {"deployed": True}, "1.5.1": {"deployed": True}, "1.4.1": {"count": 40}}
        facts |= {"1.6.1": {"numerator": 1, "denominator": 1}, "1.6.2": {"numerator": 1, "denominator": 1}}
        facts |= {"1.7.1": {"numerator": 1, "denominator": 1}, "1.7.3": {"deployed": True}}
        strict, info = scored(qd4725, facts).groups[0], scored(fw, facts).groups[0]
        assert strict.points == info.points == Decimal(58)  # 6 + 10 + 15 + 7 + 7 + 8 + 5
        assert (strict.level, info.level) == (1, 2)

    @pytest.mark.parametrize(
        ("over", "fragment"),
        [
            ({"patch": {"9.9": {"max_points": 1}}}, "unknown code"),
            ({"derived_from": "qd4725-2022@7"}, "derives from"),
            ({"patch": {"1.3.1": {"cap": {"rule": "fixed", "points": -1}}}}, "greater than or equal"),
            ({"patch": {"1.3.1": {"code": "1.3.9"}}}, "may not change the code"),
            ({"patch": {"1.3.1": {"requires": ["nothing"]}}}, "requires unknown"),
        ],
    )
    def test_bad_overlays_are_refused(self, qd4725, over, fragment):
        with pytest.raises(FrameworkError) as e:
            apply_overlay(qd4725, overlay(**over))
        assert fragment in str(e.value)


class TestLint:
    def test_reports_i4_on_the_national_document(self, qd4725):
        found = {(f.severity, f.code, f.where, f.message) for f in lint(qd4725)}
        assert found == {
            ("warning", "criterion_unreachable_max", "2.3", "declares 70 points but its items reach 60"),
            ("warning", "group_unreachable_max", "2", "group declares 100 points but can reach at most 90"),
        }

    def test_reports_gaps_overlaps_and_cycles(self, qd4725):
        gap_levels = [
            {"level": 1, "range": "[0, 4)"},
            {"level": 2, "range": "[4, 6]"},
            {"level": 3, "range": "(7, inf)"},
        ]
        overlap_bands = [{"range": "[0, 30]", "points": 2}, {"range": "[30, 100]", "points": 4}]
        fw = apply_overlay(
            qd4725,
            overlay(
                patch={
                    "1.4": {"levels": gap_levels},  # the Decision's literal "trên 7"
                    "1.6.1": {"cap": {"rule": "percent_band", "bands": overlap_bands}},
                    "1.5.1": {"requires": ["1.5.2"]},
                }
            ),
        )
        found = {(f.code, f.where, f.message) for f in lint(fw) if f.severity == "error"}
        assert ("level_coverage", "1.4", "gap (6, 7]") in found
        assert ("band_coverage", "1.6.1", "overlap at 30 ([30, 100])") in found
        assert any(code == "dependency_cycle" for code, _w, _m in found)

    def test_cli_reports_without_editing(self, tmp_path, capsys):
        doc = DOCUMENTS / "qd4725-2022.yaml"
        before = hashlib.sha256(doc.read_bytes()).hexdigest()
        assert cli(["framework", "lint", str(doc)]) == 0
        assert cli(["framework", "lint", "--strict", str(doc)]) == 1
        assert hashlib.sha256(doc.read_bytes()).hexdigest() == before
        out = capsys.readouterr().out
        assert "declares 70 points but its items reach 60" in out

    def test_cli_fails_on_errors_and_invalid_documents(self, tmp_path, capsys):
        bad = tmp_path / "bad.yaml"
        bad.write_text("format: chiso.framework/v1\nid: x\n", encoding="utf-8")
        assert cli(["framework", "lint", str(bad)]) == 2
        assert cli(["framework", "lint", str(SPLIT)]) == 0
        assert "error:" in capsys.readouterr().out
