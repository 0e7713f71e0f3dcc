"""The scoring engine: a pure function from framework + school levels + facts + awarded points to a
full breakdown. No database, no HTTP, no clock: everything it needs comes in as arguments."""

from services.scoring.engine.compiled import CompiledFramework, compile_framework
from services.scoring.engine.facts import (
    Choice,
    Count,
    Deployed,
    Fact,
    LevelOverride,
    Mandatory,
    Measure,
    Ratio,
    ScoreInput,
)
from services.scoring.engine.result import (
    CriterionResult,
    GroupResult,
    ItemResult,
    ScoreResult,
    Violation,
    Why,
)
from services.scoring.engine.score import score

__all__ = [
    "Choice",
    "CompiledFramework",
    "Count",
    "CriterionResult",
    "Deployed",
    "Fact",
    "GroupResult",
    "ItemResult",
    "LevelOverride",
    "Mandatory",
    "Measure",
    "Ratio",
    "ScoreInput",
    "ScoreResult",
    "Violation",
    "Why",
    "compile_framework",
    "score",
]
