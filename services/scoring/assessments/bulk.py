"""Bulk submission for vendors: up to 1,000 schools' self-assessment drafts per request.

Each row is validated and scored on its own; nothing is written for a rejected row. Schools and
existing assessments are fetched in two queries for the whole batch, and the writes go out as a
few multi-row statements, so a request costs a handful of round trips, not thousands.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from enum import Enum
from types import SimpleNamespace
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined
from sqlalchemy import String, Table, and_, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import SQLModel, col

from services.scoring.assessments import evidence_refs, workflow
from services.scoring.assessments.calendar import check_window, extended, locked
from services.scoring.assessments.models import Assessment, AuditEntry, ChangeEventRow, CriterionScore, State
from services.scoring.assessments.plan import check_expected_version, plan_submit, plan_write, summary
from services.scoring.assessments.repository import insert_rows
from services.scoring.assessments.rules import vn_today
from services.scoring.assessments.service import Checks, stale
from services.scoring.feed.repository import emit, event
from services.scoring.frameworks.registry import FrameworkRegistry, Published
from services.scoring.org.models import School
from services.scoring.org.scope import visible_schools
from shared.contracts import AssessmentKind, EventType, is_school_year
from shared.db import on_postgresql
from shared.errors import TYPE_BASE, Problem, SchoolNotFound, Unprocessable
from shared.i18n import msg
from shared.principal import Principal

MAX_ROWS = 1000
S = AssessmentKind.SELF


class BulkRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_code: str
    school_year: str
    facts: dict[str, Any] = Field(default_factory=dict)
    awarded: dict[str, Any] = Field(default_factory=dict)
    evidence_ids: list[str] = Field(default_factory=list, max_length=500)
    submit: bool = Field(False, description="also submit the draft (as POST …/self/submit would)")
    expected_version: int | None = Field(
        None,
        ge=0,
        description="write only if the assessment is at this version (0: only if it does not exist "
        "yet), else the row is rejected with 412 `precondition_failed`; without it the row overwrites "
        "the draft whatever its version (the bulk form of If-Match)",
    )


class BulkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BulkRow] = Field(min_length=1, max_length=MAX_ROWS)


class BulkResult(BaseModel):
    index: int
    school_code: str
    school_year: str
    outcome: Literal["created", "updated", "unchanged", "rejected"]
    version: int | None = None
    state: str | None = None
    score: dict[str, Any] | None = Field(
        None, description="each group's points and level; the derived overall level"
    )
    problem: dict[str, Any] | None = None


class BulkSummary(BaseModel):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    rejected: int
    results: list[BulkResult]


def problem_body(e: Problem) -> dict[str, Any]:
    # the same members a single request's problem+json carries, so clients parse one shape
    return {
        "type": TYPE_BASE + e.code,
        "title": e.title,
        "status": e.status,
        "code": e.code,
        "detail": e.message.en,
        "message": e.message.model_dump(),
        "validation_errors": [fe.model_dump() for fe in e.errors],
        **e.extra,
    }


def _reject(i: int, row: BulkRow, e: Problem) -> BulkResult:
    return BulkResult(
        index=i,
        school_code=row.school_code,
        school_year=row.school_year,
        outcome="rejected",
        problem=problem_body(e),
    )


def _defaults() -> list[tuple[str, Any, Any]]:
    """(name, default factory, default) per column, read once from the model."""
    out = []
    for name, field in Assessment.model_fields.items():
        default = field.default.value if isinstance(field.default, Enum) else field.default
        out.append((name, field.default_factory, default))
    return out


_DEFAULTS = _defaults()


def new_assessment(**values: Any) -> Any:
    """A new assessment row as a plain namespace with the model's defaults, written later with a
    core INSERT. SQLModel's table-model constructor cost ~0.7 ms per object here (it sets every
    field through SQLAlchemy's instrumentation and asks `inspect.signature` about each default
    factory), a fifth of a bulk request; the defaults still come from the model, so the row is the
    one `Assessment(...)` would have written (a StrEnum default, the state, as its plain value, as
    the ORM binds it)."""
    row: dict[str, Any] = {}
    for name, factory, default in _DEFAULTS:
        if name in values:
            row[name] = values[name]
        elif factory is not None:
            row[name] = factory()
        elif default is not PydanticUndefined:
            row[name] = default
    return SimpleNamespace(**row)


UNIQUE_VIOLATION = "23505"
CHUNK = 250  # new rows per COPY written while the next ones are planned
YIELD = 16  # rows planned between two turns of the event loop while a chunk is being written


class Rows:
    """What a set of planned rows writes: new assessments (namespaces from `new_assessment`),
    criterion scores and audit entries (dicts of column values)."""

    __slots__ = ("audits", "criteria", "new")

    def __init__(self) -> None:
        self.new: list[Any] = []
        self.criteria: list[dict[str, Any]] = []
        self.audits: list[dict[str, Any]] = []


class SchoolFacts(NamedTuple):
    """What a row needs of its school, read as plain columns: building 1,000 ORM `School`
    objects per request cost more than the query itself."""

    code: str
    province_code: str | None
    levels: list[str]


def _table(model: type[SQLModel]) -> Table:
    t = model.__table__  # type: ignore[attr-defined]
    assert isinstance(t, Table)
    return t


class BulkService:
    def __init__(self, session: AsyncSession, registry: FrameworkRegistry, locks: Checks) -> None:
        self.session, self.registry, self.locks = session, registry, locks
        self.today = vn_today()
        self.lock_dates: dict[tuple[str, str | None], date | None] = {}
        self.extended: set[tuple[str, str]] = set()
        self.evidence: dict[int, list[str]] = {}  # row index → the state of each evidence id
        self.events: list[ChangeEventRow] = []
        # the framework in force per (year, province): the registry never changes while the app
        # runs, and looking it up cost ~35 µs per row
        self.in_force: dict[tuple[str, str | None], Published | None] = {}

    async def _prefetch_evidence(self, rows: list[BulkRow], schools: dict[str, SchoolFacts]) -> None:
        """Every row's evidence references, checked in one call to the evidence service."""
        cited = [(i, r) for i, r in enumerate(rows) if r.evidence_ids and r.school_code in schools]
        refs = [(r.school_code, r.school_year, e) for _, r in cited for e in r.evidence_ids]
        states = await self.locks.evidence.states(refs)
        if states is None:
            return
        pos = 0
        for i, r in cited:
            self.evidence[i] = states[pos : pos + len(r.evidence_ids)]
            pos += len(r.evidence_ids)

    async def _prefetch_calendar(self, rows: list[BulkRow], schools: dict[str, SchoolFacts]) -> None:
        """The edit lock of each (year, province) in the batch and the running extensions: read
        once, so the per-row checks stay synchronous."""
        for year, province in {
            (r.school_year, s.province_code) for r in rows if (s := schools.get(r.school_code))
        }:
            if is_school_year(year):
                self.lock_dates[(year, province)] = await self.locks.calendar.edit_lock(year, S, province)
        self.extended = await extended(self.session, sorted(schools), S, self.today)

    def _in_time(self, i: int, row: BulkRow, school: SchoolFacts, creating: bool) -> None:
        if creating:
            check_window(row.school_year, self.locks.school_years, f"/items/{i}/school_year", self.today)
        lock = self.lock_dates.get((row.school_year, school.province_code))
        if lock is not None and self.today > lock and (school.code, row.school_year) not in self.extended:
            raise locked(lock)

    async def _prefetch(
        self, p: Principal, rows: list[BulkRow]
    ) -> tuple[dict[str, SchoolFacts], dict[tuple[str, str], Assessment]]:
        codes = sorted({r.school_code for r in rows})
        q = select(col(School.code), col(School.province_code), col(School.levels)).where(
            col(School.code).in_(codes),
            visible_schools(p, School.code),  # type: ignore[arg-type]
        )
        schools = {r[0]: SchoolFacts(*r) for r in (await self.session.execute(q))}
        qa = select(Assessment).where(Assessment.kind == AssessmentKind.SELF.value)  # type: ignore[arg-type]
        if on_postgresql(self.session):
            # each (school, year) of the batch looked up by the unique key: with the year as a
            # constant (`school_year IN (…)`) a year the planner's statistics have not seen yet (the
            # first uploads of a cycle) looked rare enough to scan `ix_assessment_year_state` for it
            pairs = sorted({(r.school_code, r.school_year) for r in rows if r.school_code in schools})
            keys = (
                func.unnest(
                    bindparam("codes", [c for c, _ in pairs], type_=ARRAY(String)),
                    bindparam("years", [y for _, y in pairs], type_=ARRAY(String)),
                )
                .table_valued("code", "year")
                .render_derived(name="k")
            )
            qa = qa.join(
                keys,
                and_(col(Assessment.school_code) == keys.c.code, col(Assessment.school_year) == keys.c.year),
            )
        else:  # SQLite's planner takes the unique key for this: no statistics to mislead it
            qa = qa.where(Assessment.school_code.in_(list(schools)))  # type: ignore[attr-defined]
        existing = {(a.school_code, a.school_year): a for a in (await self.session.execute(qa)).scalars()}
        return schools, existing

    async def submit(self, p: Principal, body: BulkRequest, dry_run: bool) -> BulkSummary:
        schools, existing = await self._prefetch(p, body.items)
        await self._prefetch_calendar(body.items, schools)
        await self._prefetch_evidence(body.items, schools)
        results: list[BulkResult] = []
        created, changed = Rows(), Rows()
        seen: set[tuple[str, str]] = set()
        # New rows are written CHUNK at a time while the next ones are planned: PostgreSQL takes
        # a chunk's COPY on its core while this process scores the next on its own (the planning
        # yields to the event loop every YIELD rows so the COPY's data and answer keep moving).
        # Everything stays in the request's one transaction; the rows that update existing
        # drafts are flushed at the end, as before (docs/assessments.md, "fourth round").
        writing: asyncio.Task[None] | None = None
        try:
            for i, row in enumerate(body.items):
                try:
                    res = self._row(p, i, row, schools, existing, seen, created, changed)
                except Problem as e:
                    res = _reject(i, row, e)
                results.append(res)
                if dry_run:
                    continue
                if len(created.new) >= CHUNK:
                    if writing is not None:
                        await writing
                    writing, created = asyncio.create_task(self._insert(created)), Rows()
                elif writing is not None and i % YIELD == 0:
                    await asyncio.sleep(0)
            if writing is not None:
                await writing
        except BaseException:
            if writing is not None:  # never leave a COPY running on the connection
                await asyncio.gather(writing, return_exceptions=True)
            raise
        if not dry_run:
            await self._write(created, changed)
        else:  # the updated rows are session objects changed in memory: never flushed
            self.session.expunge_all()
        count = {
            k: sum(r.outcome == k for r in results) for k in ("created", "updated", "unchanged", "rejected")
        }
        return BulkSummary(dry_run=dry_run, results=results, **count)

    def _row(
        self,
        p: Principal,
        i: int,
        row: BulkRow,
        schools: dict[str, SchoolFacts],
        existing: dict[tuple[str, str], Assessment],
        seen: set[tuple[str, str]],
        created_rows: Rows,
        changed_rows: Rows,
    ) -> BulkResult:
        root = ("items", i)
        if not is_school_year(row.school_year):
            raise Problem(
                msg("Năm học phải có dạng 2024-2025.", "A school year is written like 2024-2025."),
                status=422,
                code="school_year_format",
            )
        school = schools.get(row.school_code)
        if school is None:
            raise SchoolNotFound()
        key = (row.school_code, row.school_year)
        if key in seen:
            raise Problem(
                msg("Trường và năm học bị lặp trong lô.", "Duplicate school and year in this batch."),
                status=422,
                code="duplicate_row",
            )
        seen.add(key)
        a = existing.get(key)
        self._in_time(i, row, school, creating=a is None)
        if i in self.evidence and (
            bad := evidence_refs.errors(row.evidence_ids, self.evidence[i], f"/items/{i}")
        ):
            raise Unprocessable(errors=bad)
        if a is not None and State(a.state) != State.DRAFT:
            raise Problem(
                msg(
                    f"Bản đánh giá ở trạng thái {a.state}: chỉ đọc.",
                    f"The assessment is {a.state}: read-only.",
                ),
                status=409,
                code="not_editable",
                state=a.state,
            )
        if a is not None and a.open_items is not None:
            raise Problem(
                msg(
                    "Bản đánh giá bị trả lại: sửa từng nội dung qua PUT.",
                    "Returned for specific items: edit them with PUT.",
                ),
                status=409,
                code="partially_reopened",
            )
        framework = a.framework if a is not None else None
        pub = (
            self.registry.get(framework)
            if framework
            else self._in_force(row.school_year, school.province_code)
        )
        if pub is None:
            raise Problem(
                msg("Chưa có bộ chỉ số cho năm học này.", "No framework for this school year."),
                status=422,
                code="no_framework",
            )
        check_expected_version(a, row.expected_version, f"/items/{i}")
        created = a is None
        if a is None:
            a = new_assessment(
                id=str(uuid.uuid4()),
                school_code=school.code,
                school_year=row.school_year,
                kind=S.value,
                framework=pub.framework.ref,
            )
        if row.submit:
            self._may_submit(p, i, a)
        plan = plan_write(p, pub, list(school.levels), a, created, row, root, "bulk_")
        sink = created_rows if created else changed_rows
        if created:
            sink.new.append(a)
        sink.criteria.extend(plan.criteria)
        sink.audits.extend(plan.audits)
        if row.submit:
            sink.audits.append(plan_submit(p, a, f"/items/{i}"))
            self.events.append(
                event(EventType.ASSESSMENT_SUBMITTED.value, a.school_code, a.school_year, a.id, a.version,
                      {"action": "submit", "by": p.sub, "reason": None})
            )  # fmt: skip
        return BulkResult(
            index=i,
            school_code=row.school_code,
            school_year=row.school_year,
            outcome="created" if created else "updated" if plan.changed else "unchanged",
            version=a.version,
            state=str(a.state),
            score=summary(a),
        )

    def _in_force(self, year: str, province: str | None) -> Published | None:
        key = (year, province)
        if key not in self.in_force:
            self.in_force[key] = self.registry.in_force(year, province)
        return self.in_force[key]

    def _may_submit(self, p: Principal, i: int, a: Any) -> None:
        """Checked before the row is touched, so a refused submission leaves the row as it was."""
        if workflow.find(S, "submit", State(a.state), p, a) is None:
            raise Problem(
                msg(f"Không thể gửi ở trạng thái {a.state}.", f"Cannot submit from state {a.state}."),
                status=409,
                code="illegal_transition",
                state=str(a.state),
            )

    async def _insert(self, rows: Rows) -> None:
        """New assessments, then their criterion scores and audit entries (which refer to them).
        A draft another request created since the prefetch (an overlapping batch, a PUT) breaks
        the unique key: 409 `concurrent_change`, and the batch writes nothing."""
        try:
            await insert_rows(self.session, _table(Assessment), [vars(a) for a in rows.new])
        except IntegrityError:
            raise stale(None) from None
        except Exception as e:  # COPY runs on the driver's connection: asyncpg's own error
            if getattr(e, "sqlstate", None) == UNIQUE_VIOLATION:
                raise stale(None) from None
            raise
        await insert_rows(self.session, _table(CriterionScore), rows.criteria)
        await insert_rows(self.session, _table(AuditEntry), rows.audits)

    async def _write(self, created: Rows, changed: Rows) -> None:
        try:  # the updated rows (ORM objects from _prefetch), each `WHERE version = <read>`
            await self.session.flush()
        except StaleDataError:
            raise stale(None) from None  # a row changed since the prefetch: the batch writes nothing
        await self._insert(created)  # the last chunk of new rows
        rescored = sorted({c["assessment_id"] for c in changed.criteria})
        for start in range(0, len(rescored), 500):
            chunk = rescored[start : start + 500]
            await self.session.execute(delete(CriterionScore).where(CriterionScore.assessment_id.in_(chunk)))  # type: ignore[attr-defined]
        await insert_rows(self.session, _table(CriterionScore), changed.criteria)
        await insert_rows(self.session, _table(AuditEntry), changed.audits)
        await emit(self.session, self.events)  # the submitted rows' events, last (the feed's lock)
