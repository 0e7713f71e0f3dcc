"""Redocly's recommended ruleset (with the problem-details rule, redocly.yaml) passes with no
errors on the checked-in document. Redocly CLI comes from the npm registry through npx, at the
version the Makefile pins; without npx this fails (it never skips)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]


def redocly() -> str:
    m = re.search(r"^REDOCLY := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert m, "the Makefile pins Redocly CLI"
    return m.group(1)


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    npx = shutil.which("npx")
    assert npx, "npx (Node.js) is required to lint the OpenAPI document"
    cmd = [npx, "--yes", redocly(), "lint", str(path), "--config", str(ROOT / "redocly.yaml")]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_redocly_recommended_passes():
    out = lint(ROOT / "openapi.json")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def test_redocly_catches_an_error_the_rules_forbid(tmp_path):
    """The lint is live: a 404 answered as application/json breaks the problem-details rule."""
    doc = (ROOT / "openapi.json").read_text(encoding="utf-8")
    broken = tmp_path / "openapi.json"
    broken.write_text(doc.replace('"application/problem+json"', '"application/json"', 3), encoding="utf-8")
    out = lint(broken)
    assert out.returncode != 0
    assert "operation-4xx-problem-details-rfc7807" in out.stdout + out.stderr
