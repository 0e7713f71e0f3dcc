"""The engine's breakdown: per item the cap, the points and why; per criterion and group the
points, the level and why.

Points are held as integer hundredths (`*_c`): every point value in the index has at most two
decimals (I-2), so integer cents are exact and far cheaper than Decimal on the hot path. The
Decimal properties are what callers read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

_HUNDRED = Decimal(100)


def dec(cents: int) -> Decimal:
    """Exact Decimal from hundredths: 550 → 5.5, 600 → 6."""
    return Decimal(cents) / _HUNDRED


def cents_text(c: int) -> str:
    return str(c // 100) if c % 100 == 0 else str(dec(c))


class Why(NamedTuple):
    """Which rule applied. `rule` is a stable code; the rest are its parameters.

    A named tuple rather than a frozen dataclass: built ~40 times per scoring, and a frozen
    dataclass pays an `object.__setattr__` per field; hashing (the explanation memo's key) is C."""

    rule: str
    band: str | None = None  # the interval that matched, as the document writes it
    value: str | None = None  # the measured value (count, exact percentage, students per computer)
    interpretation: str | None = None  # I-1 … I-8 when an interpretation decided it
    detail: str | None = None


@dataclass(slots=True)
class Violation:
    """An input the engine could not honour (awarded above the cap): the API answers 422 with it."""

    pointer: str
    code: str
    item: str
    cap: Decimal
    awarded: Decimal


@dataclass(slots=True)
class ItemResult:
    code: str
    cap_c: int
    points_c: int
    awarded: bool  # True when an assessor awarded points; False when the suggested cap stands
    why: Why

    @property
    def cap(self) -> Decimal:
        return dec(self.cap_c)

    @property
    def points(self) -> Decimal:
        return dec(self.points_c)


@dataclass(slots=True)
class CriterionResult:
    code: str
    mandatory: bool
    met: bool | None  # mandatory criteria only
    max_c: int | None
    attainable_c: int | None
    points_c: int | None
    level: int | None
    why: Why
    items: list[ItemResult]

    @property
    def max_points(self) -> Decimal | None:
        return None if self.max_c is None else dec(self.max_c)

    @property
    def attainable_max(self) -> Decimal | None:
        return None if self.attainable_c is None else dec(self.attainable_c)

    @property
    def points(self) -> Decimal | None:
        return None if self.points_c is None else dec(self.points_c)


@dataclass(slots=True)
class GroupResult:
    code: str
    max_c: int
    attainable_c: int
    points_c: int
    points_level: int | None  # the level the points alone give
    level: int | None  # the official level, after mandatory conditions (I-6)
    mandatory_met: bool
    unmet_mandatory: list[str]
    why: Why
    criteria: list[CriterionResult]

    @property
    def max_points(self) -> Decimal:
        return dec(self.max_c)

    @property
    def attainable_max(self) -> Decimal:
        return dec(self.attainable_c)

    @property
    def points(self) -> Decimal:
        return dec(self.points_c)


@dataclass(slots=True)
class ScoreResult:
    framework: str  # id@version
    groups: list[GroupResult]
    overall_level: int | None  # derived (I-8): the lower of the group levels; not official
    violations: list[Violation]
