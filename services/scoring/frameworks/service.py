"""Framework look-ups and the score preview."""

from __future__ import annotations

from typing import Any

from services.scoring.engine import score
from services.scoring.engine.vocabulary import parse_input
from services.scoring.errors import FrameworkNotFound
from services.scoring.frameworks.registry import FrameworkRegistry, Published
from services.scoring.frameworks.schemas import FrameworkSummary
from services.scoring.metrics import SCORED
from shared.errors import FieldError, Unprocessable, capped, pointer
from shared.i18n import msg


def summary(p: Published) -> FrameworkSummary:
    fw = p.framework
    return FrameworkSummary(
        id=fw.id,
        version=fw.version,
        ref=fw.ref,
        title=fw.title,
        school_years=fw.school_years.model_dump(),
        derived_from=fw.derived_from,
        province=fw.province,
    )


def get_published(registry: FrameworkRegistry, key: str) -> Published:
    p = registry.get(key)
    if p is None:
        raise FrameworkNotFound(
            errors=[
                FieldError(
                    pointer=pointer(["path", "framework_id"]),
                    code="unknown_framework",
                    message=msg(f"Không có bộ chỉ số {key!r}.", f"No framework {key!r}."),
                )
            ]
        )
    return p


class Previewer:
    """Stateless scoring for the public calculator."""

    def __init__(self, registry: FrameworkRegistry) -> None:
        self.registry = registry

    def preview(self, key: str, body: dict[str, Any]) -> bytes:
        """The score breakdown as JSON bytes (`ScoreResponse`), or 422 with every error."""
        p = get_published(self.registry, key)
        inp, errors = parse_input(
            p.compiled, body.get("school_levels"), body.get("facts"), body.get("awarded")
        )
        if inp is None:
            SCORED.labels("preview", "invalid").inc()
            raise Unprocessable(**capped(errors))
        result = score(p.compiled, inp)
        SCORED.labels("preview", "invalid" if result.violations else "scored").inc()
        if result.violations:
            raise Unprocessable(
                **capped(
                    [
                        FieldError(
                            pointer=v.pointer,
                            code=v.code,
                            message=msg(
                                f"Điểm chấm {v.awarded} vượt quá điểm tối đa {v.cap} của nội dung {v.item}.",
                                f"Awarded {v.awarded} exceeds item {v.item}'s cap of {v.cap}.",
                            ),
                        )
                        for v in result.violations
                    ]
                )
            )
        return p.renderer.render(result)
