from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.scoring.org.models import Ownership, UnitKind
from shared.contracts import SchoolLevel

UnitId = str


class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: UnitId = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", examples=["so-01"])
    kind: UnitKind
    name: str = Field(min_length=1, max_length=255, examples=["Sở GDĐT Hà Nội"])
    parent_id: UnitId | None = None
    province_code: str | None = Field(None, pattern=r"^\d{2}$")
    place_name: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description='địa danh: where the unit\'s papers are dated ("Quận 1, ngày …"); '
        "left out: the province's name",
        examples=["Quận 1"],
    )
    opened_on: date | None = None


class UnitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=255)
    parent_id: UnitId | None = None
    place_name: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description='địa danh: where the unit\'s papers are dated ("Quận 1, ngày …"); '
        "null: the province's name",
        examples=["Quận 1"],
    )


class UnitPublic(BaseModel):
    id: str
    kind: UnitKind
    name: str
    parent_id: str | None
    parent_name: str | None = Field(None, description="in the answer for one unit")
    province_code: str | None
    place_name: str | None = Field(None, description="the place name recorded for the unit, if any")
    place: str | None = Field(
        None, description="where its papers are dated: place_name, else the province's name"
    )
    opened_on: date | None
    closed_on: date | None
    merged_into: str | None


class SchoolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Za-z0-9]{2,32}$", description="MOET school code", examples=["01234567"])
    name: str = Field(min_length=1, max_length=255, examples=["Trường Tiểu học Kim Liên"])
    province_code: str | None = Field(None, pattern=r"^\d{2}$")
    levels: list[SchoolLevel] = Field(min_length=1)
    managing_unit_id: UnitId
    assessing_unit_id: UnitId | None = Field(None, description="defaults to the managing unit")
    ownership: Ownership = Field(Ownership.PUBLIC, description="công lập (public) or ngoài công lập")
    opened_on: date | None = None


class SchoolUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=255)
    levels: list[SchoolLevel] | None = Field(None, min_length=1)
    ownership: Ownership | None = None


class SchoolPublic(BaseModel):
    code: str
    name: str
    province_code: str | None
    levels: list[str]
    ownership: Ownership = Ownership.PUBLIC
    managing_unit_id: str | None
    managing_unit_name: str | None = Field(None, description="in the answer for one school")
    managing_unit_place: str | None = Field(
        None, description="in the answer for one school: where its papers are dated (the unit's place)"
    )
    assessing_unit_id: str | None
    opened_on: date | None
    closed_on: date | None
    merged_into: str | None


class Move(BaseModel):
    model_config = ConfigDict(extra="forbid")

    managing_unit_id: UnitId
    assessing_unit_id: UnitId | None = None
    on: date


class Close(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date
    reason: str | None = None


class Merge(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: str = Field(description="the school (or unit) that absorbs this one")
    on: date


class ImportRow(BaseModel):
    line: int
    code: str | None
    outcome: Literal["created", "updated", "unchanged", "rejected"]
    errors: list[dict[str, object]] = Field(default_factory=list)


class ImportSummary(BaseModel):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    rejected: int
    rows: list[ImportRow]
