"""Query parameters named one way in every service, with the old names a vendor may still send
accepted as deprecated aliases (docs/api-changes.md says which and since when)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from shared.contracts import SchoolYear
from shared.errors import Unprocessable


def school_year_query(
    school_year: Annotated[
        SchoolYear | None, Query(description="school year, e.g. 2024-2025 (required)", examples=["2024-2025"])
    ] = None,
    year: Annotated[
        SchoolYear | None, Query(deprecated=True, description="deprecated: the old name of `school_year`")
    ] = None,
) -> str:
    """`school_year`, the name the bodies and the sync and evidence services use; `year` is what
    the dashboard and insights lists called it until API 1.2.0."""
    value = school_year or year
    if value is None:
        raise Unprocessable.at(
            "/query/school_year", "missing", "Thiếu năm học (school_year).", "school_year is required."
        )
    return value


SchoolYearQuery = Annotated[str, Depends(school_year_query)]
