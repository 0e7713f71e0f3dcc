"""Which item and criterion codes exist for a school year and province: the framework in force,
resolved by the rule scoring uses (`shared.framework.in_force`) over the same documents, so a
province overlay's own items (2.3.9 of a split-gradebook overlay) can carry evidence."""

from __future__ import annotations

from pathlib import Path

from shared.framework.in_force import in_force
from shared.framework.loader import load_directory
from shared.framework.model import Framework


class ItemCodes:
    def __init__(self, frameworks: list[Framework]) -> None:
        self._frameworks = frameworks

    @classmethod
    def from_directory(cls, directory: Path) -> ItemCodes:
        return cls(load_directory(directory))

    def for_year(self, school_year: str, province: str | None = None) -> dict[str, str] | None:
        """code → its criterion code (a criterion maps to itself), or None without a framework."""
        fw = in_force(self._frameworks, school_year, province)
        if fw is None:
            return None
        out: dict[str, str] = {}
        for c in fw.criteria():
            out[c.code] = c.code
            for i in c.items:
                out[i.code] = c.code
        return out
