"""Every query on evidence lives here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.evidence.records.models import (
    Evidence,
    EvidenceCode,
    EvidenceItem,
    EvidenceLock,
)
from shared.db import insert_ignore, utcnow

CODE_RETRIES = 8


class EvidenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, ev: Evidence, items: dict[str, str]) -> None:
        """The evidence, the codes it supports (item → criterion), and a catalogue number per
        criterion: the next one for the school and year, retried if a concurrent upload took it."""
        self.session.add(ev)
        for item, criterion in items.items():
            self.session.add(
                EvidenceItem(
                    evidence_id=ev.id,
                    item_code=item,
                    criterion_code=criterion,
                    school_code=ev.school_code,
                    school_year=ev.school_year,
                )
            )
        await self.session.flush()
        for criterion in sorted(set(items.values())):
            await self._number(ev, criterion)

    async def _number(self, ev: Evidence, criterion: str) -> None:
        for attempt in range(CODE_RETRIES):
            top = await self.session.execute(
                select(func.coalesce(func.max(EvidenceCode.number), 0)).where(
                    EvidenceCode.school_code == ev.school_code,
                    EvidenceCode.school_year == ev.school_year,
                    EvidenceCode.criterion_code == criterion,
                )
            )
            values = {
                "evidence_id": ev.id,
                "criterion_code": criterion,
                "school_code": ev.school_code,
                "school_year": ev.school_year,
                "number": int(top.scalar_one()) + 1,
            }
            try:
                async with self.session.begin_nested():
                    await self.session.execute(insert(EvidenceCode).values(**values))
                return
            except IntegrityError:
                # a concurrent upload took the number: read the new maximum and try the next one
                if attempt == CODE_RETRIES - 1:
                    raise

    async def get(self, evidence_id: str) -> Evidence | None:
        return await self.session.get(Evidence, evidence_id)

    async def items_of(self, ids: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        rows = await self.session.execute(
            select(EvidenceItem.evidence_id, EvidenceItem.item_code)
            .where(EvidenceItem.evidence_id.in_(ids))
            .order_by(EvidenceItem.item_code)
        )
        for eid, code in rows:
            out[eid].append(code)
        return out

    async def codes_of(self, ids: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        rows = (
            await self.session.execute(
                select(EvidenceCode)
                .where(EvidenceCode.evidence_id.in_(ids))
                .order_by(EvidenceCode.criterion_code)
            )
        ).scalars()
        for c in rows:
            out[c.evidence_id].append(c.code)
        return out

    async def locked_of(self, ids: Sequence[str]) -> set[str]:
        """Those of `ids` locked by an assessment of their own school."""
        rows = await self.session.execute(
            select(Evidence.id)
            .join(
                EvidenceLock,
                and_(
                    EvidenceLock.evidence_id == Evidence.id, EvidenceLock.school_code == Evidence.school_code
                ),
            )
            .where(Evidence.id.in_(ids))
            .distinct()
        )
        return set(rows.scalars())

    async def page(
        self,
        school_code: str,
        *,
        school_year: str | None,
        item: str | None,
        kind: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Evidence]:
        q = select(Evidence).where(Evidence.school_code == school_code, Evidence.deleted_at.is_(None))
        if school_year:
            q = q.where(Evidence.school_year == school_year)
        if kind:
            q = q.where(Evidence.kind == kind)
        if item:
            q = q.where(
                exists().where(
                    EvidenceItem.evidence_id == Evidence.id,
                    or_(EvidenceItem.item_code == item, EvidenceItem.criterion_code == item),
                )
            )
        if after is not None:
            at, eid = after
            q = q.where(or_(Evidence.created_at > at, and_(Evidence.created_at == at, Evidence.id > eid)))
        q = q.order_by(Evidence.created_at, Evidence.id).limit(limit)
        return list((await self.session.execute(q)).scalars())

    async def soft_delete(self, ev: Evidence, by: str) -> None:
        await self.session.execute(
            update(Evidence).where(Evidence.id == ev.id).values(deleted_at=utcnow(), deleted_by=by)
        )
        await self.session.refresh(ev)

    async def live_hashes(self) -> set[str]:
        """Hashes some live (not deleted) evidence points to: the blobs that must be kept."""
        rows = await self.session.execute(
            select(Evidence.sha256)
            .where(Evidence.sha256.is_not(None), Evidence.deleted_at.is_(None))
            .distinct()
        )
        return {r for r in rows.scalars() if r}

    async def lock(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert_ignore(self.session, EvidenceLock).values(rows))
