"""The rules a province's calendar must keep (checked when the Sở sets it), and the bounds every
date of the calendar is held to, so no stored date can make a computation overflow.

- A school year is accepted from `MIN_YEAR` to `MAX_YEAR` (its first calendar year).
- Every date (on-time deadline, edit lock, milestones) lies in the school year's span,
  1 September of its first year to 31 August of its second.
- A province's on-time deadline may be earlier than the Ministry's (31/5 self, 20/6 external),
  never later: the national date is QĐ 4725's and binds every province; nobody overrides it here.
- The edit lock is never before the on-time deadline (checked by `OverrideIn`).
"""

from __future__ import annotations

from datetime import date

from services.sync.deadlines.calendar import national
from services.sync.deadlines.schemas import OverrideIn
from shared.contracts import AssessmentKind
from shared.errors import FieldError, Unprocessable
from shared.i18n import msg

MIN_YEAR, MAX_YEAR = 2000, 2100


def year_span(school_year: str) -> tuple[date, date]:
    """1 September of the first year to 31 August of the second: the dates a calendar may hold."""
    first = int(school_year[:4])
    return date(first, 9, 1), date(first + 1, 8, 31)


def check_year(school_year: str, pointer: str = "/path/school_year") -> None:
    """Years outside the service's range are refused before any date is computed from them."""
    if not MIN_YEAR <= int(school_year[:4]) <= MAX_YEAR:
        raise Unprocessable.at(
            pointer,
            "school_year_out_of_range",
            f"Năm học phải từ {MIN_YEAR}-{MIN_YEAR + 1} đến {MAX_YEAR}-{MAX_YEAR + 1}.",
            f"The school year must be between {MIN_YEAR}-{MIN_YEAR + 1} and {MAX_YEAR}-{MAX_YEAR + 1}.",
        )


def _outside(pointer: str, day: date, start: date, end: date) -> FieldError:
    return FieldError(
        pointer=pointer,
        code="date_outside_school_year",
        message=msg(
            f"Ngày {day.isoformat()} nằm ngoài năm học ({start.isoformat()} – {end.isoformat()}).",
            f"{day.isoformat()} is outside the school year ({start.isoformat()} – {end.isoformat()}).",
        ),
    )


def check_override(school_year: str, kind: AssessmentKind, body: OverrideIn) -> None:
    """422 with a pointer per offending date; nothing is stored when any rule fails."""
    check_year(school_year)
    start, end = year_span(school_year)
    errors: list[FieldError] = []
    dates = [("/on_time_deadline", body.on_time_deadline)]
    if body.edit_lock_date is not None:
        dates.append(("/edit_lock_date", body.edit_lock_date))
    dates += [(f"/milestones/{i}/on", m.on) for i, m in enumerate(body.milestones)]
    errors += [_outside(ptr, d, start, end) for ptr, d in dates if not start <= d <= end]
    ministry = national(school_year, kind).on_time_deadline
    if body.on_time_deadline > ministry:
        errors.append(
            FieldError(
                pointer="/on_time_deadline",
                code="deadline_after_national",
                message=msg(
                    f"Hạn nộp của tỉnh không được sau hạn của Bộ ({ministry.strftime('%d/%m/%Y')}).",
                    f"A province's deadline cannot be later than the Ministry's ({ministry.isoformat()}).",
                ),
            )
        )
    if errors:
        raise Unprocessable(errors=errors)
