"""The framework in force for a school year and a province: one rule and one set of documents,
used by every service that needs it (scoring pins it on a new assessment; evidence checks the item
codes an upload names, so an overlay's own items, such as 2.3.9 of a split-gradebook overlay, can
carry evidence)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from shared.framework.model import Framework

# the published documents (national index and province overlays), shared by the services
DOCUMENTS = Path(__file__).parent / "documents"


def latest(frameworks: Iterable[Framework]) -> list[Framework]:
    """Each framework id at its highest version."""
    out: dict[str, Framework] = {}
    for fw in frameworks:
        if fw.id not in out or fw.version > out[fw.id].version:
            out[fw.id] = fw
    return list(out.values())


def in_force(
    frameworks: Iterable[Framework], school_year: str, province: str | None = None
) -> Framework | None:
    """The province's own overlay covering the year first, else the national framework; among
    several, the one whose coverage starts latest (each id at its latest version)."""
    candidates = [
        f for f in latest(frameworks) if f.school_years.covers(school_year) and f.province in (province, None)
    ]
    candidates.sort(key=lambda f: (f.province is not None, f.school_years.first))
    return candidates[-1] if candidates else None
