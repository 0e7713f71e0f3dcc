"""Typed facts, as the engine receives them once the facts vocabulary has been validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from shared.contracts import SchoolLevel


@dataclass(frozen=True, slots=True)
class Mandatory:
    """A mandatory condition (điều kiện bắt buộc): met or not."""

    met: bool


@dataclass(frozen=True, slots=True)
class Deployed:
    """A yes/no item or a context fact (`lms`, `sms`)."""

    deployed: bool


@dataclass(frozen=True, slots=True)
class Count:
    count: int


@dataclass(frozen=True, slots=True)
class Ratio:
    """numerator / denominator, never a ready-made percentage (I-1)."""

    numerator: int
    denominator: int


@dataclass(frozen=True, slots=True)
class Measure:
    """Informatics adequacy measure (I-5)."""

    class_size: int
    lab_computers: int


@dataclass(frozen=True, slots=True)
class LevelOverride:
    """An assessor's level, with the reason (I-5)."""

    level: int
    reason: str


@dataclass(frozen=True, slots=True)
class Choice:
    mode: str


Fact = Mandatory | Deployed | Count | Ratio | Measure | LevelOverride | Choice


@dataclass(frozen=True, slots=True)
class ScoreInput:
    school_levels: frozenset[SchoolLevel]
    facts: Mapping[str, Fact] = field(default_factory=dict)
    awarded: Mapping[str, Decimal] = field(default_factory=dict)
