"""One rule for the framework in force, over one set of documents: scoring and evidence agree,
overlays included (an overlay's own item, 2.3.9 of the split-gradebook example, can carry
evidence in its province and not elsewhere)."""

from __future__ import annotations

import shutil
from pathlib import Path

from services.evidence.config import EvidenceSettings
from services.evidence.records.items import ItemCodes
from services.scoring.config import ScoringSettings
from services.scoring.frameworks.registry import FrameworkRegistry
from shared.framework.in_force import DOCUMENTS, in_force
from shared.framework.loader import load_directory

OVERLAY = Path(__file__).parent.parent / "docs" / "examples" / "overlay-split-gradebook.yaml"


def _documents(tmp_path: Path) -> Path:
    for doc in DOCUMENTS.glob("*.yaml"):
        shutil.copy(doc, tmp_path)
    shutil.copy(OVERLAY, tmp_path)
    return tmp_path


def test_both_services_read_the_shared_documents():
    secret = "test-internal-secret"
    scoring, evidence = ScoringSettings(internal_secret=secret), EvidenceSettings(internal_secret=secret)
    assert scoring.frameworks_dir == evidence.frameworks_dir == DOCUMENTS


def test_scoring_and_evidence_resolve_the_same_framework(tmp_path):
    docs = _documents(tmp_path)
    registry, codes = FrameworkRegistry.from_directory(docs), ItemCodes.from_directory(docs)
    for province, ref in (
        ("99", "example-province-2024@1"),
        ("79", "qd4725-2022@1"),
        (None, "qd4725-2022@1"),
    ):
        pub = registry.in_force("2024-2025", province)
        assert pub is not None
        assert pub.framework.ref == ref
        items = codes.for_year("2024-2025", province)
        assert items is not None
        assert set(items) == {c.code for c in pub.framework.criteria()} | {
            i.code for i in pub.framework.items()
        }
    assert codes.for_year("2024-2025", "99")["2.3.9"] == "2.3"  # type: ignore[index]
    assert "2.3.9" not in codes.for_year("2024-2025", "79")  # type: ignore[operator]
    fw = in_force(load_directory(docs), "2024-2025", "99")
    assert fw is not None
    assert fw.province == "99"
