"""The workflow's content rules, pure (no database, no clock of their own): what a return must
name, what a recognition decision must say. Each raises a typed problem with JSON pointers, all
errors at once; the service calls them before it writes anything."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

from services.scoring.assessments.schemas import ActionBody, RecogniseBody
from shared.errors import FieldError, Unprocessable
from shared.framework.model import CriterionKind, Framework
from shared.i18n import msg

VN_TZ = timezone(timedelta(hours=7))  # the Decision's days are days in Vietnam time (I-9)


def vn_today() -> date:
    return datetime.now(VN_TZ).date()


def returnable_codes(fw: Framework) -> dict[str, list[str]]:
    """Codes a reviewer may name in a return → what reopening it also reopens: an item's
    `requires` (its context facts and prerequisite items), so the school can always fix it."""
    out: dict[str, list[str]] = {c.code: [] for c in fw.criteria() if c.kind is CriterionKind.MANDATORY}
    out.update({i.code: list(i.requires) for i in fw.items()})
    return out


def reviewer_return(fw: Framework, body: ActionBody) -> list[str] | None:
    """The items a reviewer's return reopens (`None`: everything, with `reopen_all`). A return
    that names nothing, or names a code the pinned framework does not have, is refused: it would
    lock the school out of its own assessment."""
    codes = returnable_codes(fw)
    unknown = sorted(c for c in body.item_comments if c not in codes)
    errors = [
        FieldError(
            pointer=f"/item_comments/{c}",
            code="unknown_item",
            message=msg(
                f"Bộ chỉ số của bản đánh giá không có nội dung {c}.",
                f"The assessment's framework has no item {c}.",
            ),
        )
        for c in unknown
    ]
    errors += [
        FieldError(
            pointer=f"/item_comments/{c}",
            code="comment_required",
            message=msg("Cần nêu điều cần bổ sung.", "Say what is missing."),
        )
        for c, text in sorted(body.item_comments.items())
        if c in codes and not text.strip()
    ]
    if not body.item_comments and not body.reopen_all:
        errors.append(
            FieldError(
                pointer="/item_comments",
                code="items_required",
                message=msg(
                    "Nêu ít nhất một nội dung cần bổ sung, hoặc mở lại toàn bộ (reopen_all: true).",
                    "Name at least one item to revise, or reopen everything (reopen_all: true).",
                ),
            )
        )
    if errors:
        raise Unprocessable(errors=errors)
    if body.reopen_all:
        return None
    return sorted({c for named in body.item_comments for c in (named, *codes[named])})


# số/QĐ-cơ quan, optionally with the year: 45/QĐ-PGDĐT, 123/QĐ-SGDĐT, 12/2025/QĐ-UBND
DECISION_NUMBER = re.compile(r"^\d{1,6}(/\d{4})?/QĐ-[A-ZĐ0-9]+(-[A-ZĐ0-9]+)*$")


def decision_number(raw: str) -> str | None:
    """The number normalised (NFC, trimmed, upper case), or None when it is not in the usual form."""
    n = unicodedata.normalize("NFC", raw).strip().upper()
    return n if DECISION_NUMBER.match(n) else None


def recognition(
    body: RecogniseBody, concluded_on: date | None, today: date, at: str = ""
) -> list[FieldError]:
    """A recognition decision: the number in the usual form, dated neither in the future (Vietnam
    time) nor before the external assessment was concluded. `at` prefixes the pointers (batch)."""
    errors: list[FieldError] = []
    if decision_number(body.decision_number) is None:
        errors.append(
            FieldError(
                pointer=f"{at}/decision_number",
                code="decision_number_format",
                message=msg(
                    "Số quyết định phải có dạng 45/QĐ-PGDĐT.",
                    "A decision number is written like 45/QĐ-PGDĐT.",
                ),
            )
        )
    if body.decision_date > today:
        errors.append(
            FieldError(
                pointer=f"{at}/decision_date",
                code="decision_date_future",
                message=msg(
                    f"Ngày quyết định sau hôm nay ({today.isoformat()}).",
                    f"The decision is dated after today ({today.isoformat()}).",
                ),
            )
        )
    elif concluded_on is not None and body.decision_date < concluded_on:
        errors.append(
            FieldError(
                pointer=f"{at}/decision_date",
                code="decision_before_conclusion",
                message=msg(
                    f"Ngày quyết định trước ngày kết luận đánh giá ngoài ({concluded_on.isoformat()}).",
                    f"The decision is dated before the external assessment was concluded "
                    f"({concluded_on.isoformat()}).",
                ),
            )
        )
    return errors


# I-10: what the index asks to be told, required at submission (optional in a draft). The
# Decision's texts: 2.1 "thông tin: Họ tên, chức vụ, email, điện thoại"; 2.3 "cung cấp thông tin:
# tên giải pháp, tự xây dựng/mua/thuê"; 1.5.1 "cung cấp thông tin: tên giải pháp phần mềm"; the
# LMS is a solution named the same way (DESIGN §2's shape for `lms` and `sms`).
SOLUTIONS: dict[str, tuple[str, ...]] = {
    "lms": ("name", "acquisition"),
    "sms": ("name", "acquisition"),
    "1.5.1": ("name",),
}
MEMBER_FIELDS = ("name", "position", "email", "phone")


def _blank(v: object) -> bool:
    return not isinstance(v, str) or not v.strip()


def _required(pointer: str) -> FieldError:
    return FieldError(
        pointer=pointer,
        code="required_at_submission",
        message=msg("Cần cung cấp thông tin này trước khi gửi.", "Required before submission."),
    )


def submission(facts: dict[str, object]) -> list[FieldError]:
    """What is missing for a submission: every pointer at once (facts already passed the
    vocabulary, so their shapes are known)."""
    errors: list[FieldError] = []
    steering = facts.get("2.1")
    if isinstance(steering, dict) and steering.get("met") is True:
        members = steering.get("members")
        if not isinstance(members, list) or not members:
            errors.append(_required("/facts/2.1/members"))
        else:
            for i, m in enumerate(members):
                errors += [
                    _required(f"/facts/2.1/members/{i}/{k}")
                    for k in MEMBER_FIELDS
                    if not isinstance(m, dict) or _blank(m.get(k))
                ]
    for code, fields in SOLUTIONS.items():
        fact = facts.get(code)
        if isinstance(fact, dict) and fact.get("deployed") is True:
            errors += [_required(f"/facts/{code}/{k}") for k in fields if _blank(fact.get(k))]
    return errors
