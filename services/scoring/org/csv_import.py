"""CSV import of schools with a per-row summary; each row in its own savepoint, so a bad row is
rejected with its reasons and never half-written; `dry_run` rolls everything back."""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError

from services.scoring.org.schemas import ImportRow, ImportSummary, Move, SchoolCreate, SchoolUpdate
from services.scoring.org.service import OrgService
from shared.contracts import SCHOOL_CSV_COLUMNS
from shared.errors import Problem, Unprocessable, field_errors_from_pydantic
from shared.i18n import msg
from shared.principal import Principal

COLUMNS = SCHOOL_CSV_COLUMNS
MAX_ROWS = 50_000


def _row(raw: dict[str, str | None]) -> dict[str, Any]:
    d: dict[str, Any] = {k: (v or "").strip() or None for k, v in raw.items() if k in COLUMNS}
    if d.get("ownership") is None:
        d.pop("ownership", None)  # absent: the registry keeps what it has (public for a new school)
    d["levels"] = [x.strip() for x in (d.get("levels") or "").replace(";", ",").split(",") if x.strip()]
    return d


async def _one(svc: OrgService, p: Principal, data: dict[str, Any]) -> str:
    body = SchoolCreate.model_validate(data)
    existing = await svc.repo.school(body.code)
    if existing is None:
        await svc.create_school(p, body)
        return "created"
    placement = await svc.repo.placement(body.code)
    ownership = body.ownership if "ownership" in data else existing.ownership
    same = (
        existing.name == body.name
        and sorted(existing.levels) == sorted(lv.value for lv in body.levels)
        and existing.ownership == ownership
    )
    same_place = placement is not None and placement.managing_unit_id == body.managing_unit_id
    if same and same_place:
        return "unchanged"
    if not same:
        await svc.update_school(
            p, body.code, SchoolUpdate(name=body.name, levels=body.levels, ownership=ownership)
        )
    if not same_place and body.opened_on is not None:
        await svc.move_school(
            p,
            body.code,
            Move(
                managing_unit_id=body.managing_unit_id,
                assessing_unit_id=body.assessing_unit_id,
                on=body.opened_on,
            ),
        )
    elif not same_place:
        raise Unprocessable.at(
            "/opened_on",
            "move_needs_date",
            "Chuyển đơn vị quản lý cần ngày hiệu lực.",
            "Moving a school needs the date (opened_on).",
        )
    return "updated"


async def import_csv(svc: OrgService, p: Principal, raw: bytes, dry_run: bool) -> ImportSummary:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Unprocessable(msg("Tệp phải mã hóa UTF-8.", "The file must be UTF-8."), code="encoding") from e
    reader = csv.DictReader(io.StringIO(text))
    missing = [
        c for c in ("code", "name", "levels", "managing_unit_id") if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise Unprocessable(
            msg(f"Thiếu cột: {', '.join(missing)}.", f"Missing columns: {', '.join(missing)}."),
            code="csv_columns",
        )
    rows: list[ImportRow] = []
    outer = await svc.session.begin_nested()
    for line, raw_row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise Unprocessable(msg("Quá nhiều dòng.", f"At most {MAX_ROWS} rows."), code="too_many_rows")
        data = _row(raw_row)
        sp = await svc.session.begin_nested()
        try:
            outcome = await _one(svc, p, data)
            await sp.commit()
            rows.append(ImportRow(line=line, code=data.get("code"), outcome=outcome))  # type: ignore[arg-type]
        except ValidationError as e:
            await sp.rollback()
            errs = [fe.model_dump() for fe in field_errors_from_pydantic(e.errors())]
            rows.append(ImportRow(line=line, code=data.get("code"), outcome="rejected", errors=errs))
        except Problem as e:
            await sp.rollback()
            errs = [fe.model_dump() for fe in e.errors] or [
                {"pointer": "", "code": e.code, "message": e.message.model_dump()}
            ]
            rows.append(ImportRow(line=line, code=data.get("code"), outcome="rejected", errors=errs))
    if dry_run:
        await outer.rollback()
    else:
        await outer.commit()
    count = {k: sum(r.outcome == k for r in rows) for k in ("created", "updated", "unchanged", "rejected")}
    return ImportSummary(dry_run=dry_run, rows=rows, **count)
