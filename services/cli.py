"""`chiso` command line: framework linting (and, as they land, data and maintenance commands)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shared.framework.lint import lint
from shared.framework.loader import FrameworkError, apply_overlay, load_directory, parse_framework, read_yaml
from shared.framework.model import OVERLAY_FORMAT, Framework


def _load(path: Path, search: Path) -> Framework:
    data = read_yaml(path)
    if data.get("format") == OVERLAY_FORMAT:
        bases = {f.ref: f for f in load_directory(search)}
        base = bases.get(str(data.get("derived_from")))
        if base is None:
            raise FrameworkError(str(path), [f"base {data.get('derived_from')} not found in {search}"])
        return apply_overlay(base, data, str(path))
    return parse_framework(data, str(path))


def cmd_lint(args: argparse.Namespace) -> int:
    """Check documents; exit 1 on errors (or on warnings with --strict). Never edits a document."""
    from services.scoring.config import DOCUMENTS

    worst = 0
    for path in args.paths:
        try:
            fw = _load(Path(path), Path(args.base_dir) if args.base_dir else DOCUMENTS)
        except FrameworkError as e:
            for p in e.problems:
                print(f"error: {e.source}: [invalid] {p}")
            worst = 2
            continue
        findings = lint(fw)
        print(f"{path}: {fw.ref}: {len(findings)} finding(s)")
        for f in findings:
            print(f"  {f}")
        if any(f.severity == "error" for f in findings) or (args.strict and findings):
            worst = max(worst, 1)
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chiso", description="Digital-transformation index tools")
    sub = parser.add_subparsers(dest="command", required=True)
    fw = sub.add_parser("framework", help="framework documents").add_subparsers(dest="sub", required=True)
    p_lint = fw.add_parser("lint", help="report inconsistencies in framework documents")
    p_lint.add_argument("paths", nargs="+")
    p_lint.add_argument("--strict", action="store_true", help="warnings fail too")
    p_lint.add_argument("--base-dir", help="where overlays' bases are looked up")
    p_lint.set_defaults(func=cmd_lint)
    from services.evidence.cli import add_evidence_commands

    add_evidence_commands(sub)
    args = parser.parse_args(argv)
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
