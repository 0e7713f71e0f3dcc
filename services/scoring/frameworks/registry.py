"""The published frameworks, loaded once at start-up, compiled for scoring, looked up by id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.scoring.engine import CompiledFramework, compile_framework
from services.scoring.frameworks.schemas import JsonRenderer, titles_of
from shared.framework.in_force import in_force
from shared.framework.loader import load_directory
from shared.framework.model import Framework


@dataclass(frozen=True)
class Published:
    framework: Framework
    compiled: CompiledFramework
    document: dict[str, Any]
    etag: str  # content hash: a published version never changes, so neither does this
    titles: dict[str, str]  # code → Vietnamese title, what every rendered score names
    renderer: JsonRenderer  # a score as JSON bytes (the preview's answer)


class FrameworkRegistry:
    def __init__(self, frameworks: list[Framework]) -> None:
        self._by_ref: dict[str, Published] = {}
        self._latest: dict[str, Published] = {}
        for fw in sorted(frameworks, key=lambda f: (f.id, f.version)):
            doc, titles = fw.model_dump(mode="json"), titles_of(fw)
            digest = hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
            pub = Published(fw, compile_framework(fw), doc, f'"{digest[:32]}"', titles, JsonRenderer(titles))
            self._by_ref[fw.ref] = pub
            self._latest[fw.id] = pub

    @classmethod
    def from_directory(cls, directory: Path) -> FrameworkRegistry:
        return cls(load_directory(directory))

    def get(self, key: str) -> Published | None:
        """`qd4725-2022` (latest version) or `qd4725-2022@1` (that version)."""
        return self._by_ref.get(key) if "@" in key else self._latest.get(key)

    def all(self) -> list[Published]:
        return list(self._by_ref.values())

    def in_force(self, school_year: str, province: str | None = None) -> Published | None:
        """The framework for a school year: a province's own overlay first, else the national one
        (the shared rule, `shared.framework.in_force`, evidence uses it too)."""
        fw = in_force((p.framework for p in self._latest.values()), school_year, province)
        return None if fw is None else self._by_ref[fw.ref]
