"""Which item and criterion codes exist for a school year, from the framework documents (the
index is shared data: the same files the scoring service publishes)."""

from __future__ import annotations

from pathlib import Path

from shared.framework.loader import load_directory
from shared.framework.model import Framework


class ItemCodes:
    def __init__(self, frameworks: list[Framework]) -> None:
        # national frameworks only: a province overlay changes caps, never the codes
        self._frameworks = sorted(
            (f for f in frameworks if f.province is None), key=lambda f: (f.school_years.first, f.version)
        )

    @classmethod
    def from_directory(cls, directory: Path) -> ItemCodes:
        return cls(load_directory(directory))

    def for_year(self, school_year: str) -> dict[str, str] | None:
        """code → its criterion code (a criterion maps to itself), or None without a framework."""
        fws = [f for f in self._frameworks if f.school_years.covers(school_year)]
        if not fws:
            return None
        fw = fws[-1]
        out: dict[str, str] = {}
        for c in fw.criteria():
            out[c.code] = c.code
            for i in c.items:
                out[i.code] = c.code
        return out
