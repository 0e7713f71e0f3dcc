"""The framework format: an assessment index as versioned, declarative data."""

from shared.framework.interval import Interval
from shared.framework.model import (
    Band,
    CapRule,
    ChoiceCap,
    CountBandCap,
    Criterion,
    CriterionKind,
    FixedCap,
    Framework,
    Group,
    Item,
    LevelBand,
    LevelCap,
    PercentBandCap,
    Text,
)

__all__ = [
    "Band",
    "CapRule",
    "ChoiceCap",
    "CountBandCap",
    "Criterion",
    "CriterionKind",
    "FixedCap",
    "Framework",
    "Group",
    "Interval",
    "Item",
    "LevelBand",
    "LevelCap",
    "PercentBandCap",
    "Text",
]
