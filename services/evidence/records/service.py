"""Evidence rules: metadata and item codes, type and malware checks, dedupe, locking, deletion."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.evidence.errors import (
    EmptyFile,
    EvidenceLocked,
    EvidenceNotFound,
    MalwareDetected,
    MissingFile,
    NotAFile,
    UnsupportedMediaType,
)
from services.evidence.links.check import LinkCheck, LinkChecker
from services.evidence.metrics import UPLOAD_BYTES, UPLOADS
from services.evidence.records.items import ItemCodes
from services.evidence.records.models import Evidence, EvidenceKind, IdempotencyRecord, Source
from services.evidence.records.names import safe_filename
from services.evidence.records.receive import Staged
from services.evidence.records.repository import EvidenceRepository
from services.evidence.records.schemas import EvidenceMeta, EvidencePage, EvidencePublic, LinkCreate
from services.evidence.records.sniff import sniff
from services.evidence.scan.base import Scanner, ScannerUnavailable
from services.evidence.storage.base import BlobStore
from shared import idempotency as idem
from shared.errors import (
    FieldError,
    PreconditionFailed,
    Unprocessable,
    UpstreamUnavailable,
    field_errors_from_pydantic,
)
from shared.i18n import msg
from shared.pagination import decode_cursor, invalid_cursor, trim
from shared.principal import Principal

LIST_FIELDS = {"items"}


def meta_from_fields(fields: dict[str, list[str]]) -> dict[str, Any]:
    """Form fields or query parameters as a metadata document: `items` may repeat or be
    comma-separated; an empty optional field is absent."""
    out: dict[str, Any] = {}
    for name, values in fields.items():
        if name in LIST_FIELDS:
            out[name] = [v.strip() for raw in values for v in raw.split(",") if v.strip()]
        elif values and values[-1] != "":
            out[name] = values[-1]
    return out


def _key(ev: Evidence) -> tuple[str, str]:
    return ev.created_at.isoformat(), ev.id


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    key = decode_cursor(cursor, 2)
    if key is None:
        return None
    try:
        return datetime.fromisoformat(key[0]), key[1]
    except ValueError as e:
        raise invalid_cursor() from e


def _request(school_code: str, meta: EvidenceMeta, content: str, filename: str | None) -> dict[str, Any]:
    """What makes two creates the same request for `Idempotency-Key`: the school, the metadata,
    the content (its SHA-256, or the link) and the file's name."""
    return {
        "school": school_code,
        "meta": meta.model_dump(mode="json"),
        "content": content,
        "filename": filename,
    }


def _created(out: EvidencePublic) -> idem.Answer:
    return idem.Answer(201, out.model_dump(mode="json"), {"Location": f"/api/v1/evidence/{out.id}"})


def _evidence(school_code: str, meta: EvidenceMeta, p: Principal, **content: Any) -> Evidence:
    """A new evidence row from its metadata; `content` is what the file or the link adds."""
    return Evidence(
        school_code=school_code,
        school_year=meta.school_year,
        title=meta.title,
        kind=meta.kind.value,
        document_number=meta.document_number,
        document_date=meta.document_date,
        created_by=p.sub,
        **content,
    )


class EvidenceService:
    def __init__(
        self,
        session: AsyncSession,
        store: BlobStore,
        items: ItemCodes,
        scanner: Scanner,
    ) -> None:
        self.repo = EvidenceRepository(session)
        self.store = store
        self.items = items
        self.scanner = scanner
        self.keys = idem.Idempotency(IdempotencyRecord, session)

    def validate_meta(self, raw: dict[str, Any], model: type[EvidenceMeta] = EvidenceMeta) -> EvidenceMeta:
        try:
            return model.model_validate(raw)
        except ValidationError as e:
            raise Unprocessable(errors=field_errors_from_pydantic(e.errors())) from e

    def resolve_items(self, meta: EvidenceMeta, province: str | None) -> dict[str, str]:
        """item code → criterion code, every code known to the framework in force that year in
        the school's province (its overlay's items included)."""
        known = self.items.for_year(meta.school_year, province)
        if known is None:
            raise Unprocessable.at(
                "/school_year",
                "no_framework",
                "Không có bộ chỉ số cho năm học này.",
                "No framework covers this school year.",
            )
        bad = [
            FieldError(
                pointer=f"/items/{i}",
                code="unknown_item_code",
                message=msg(
                    f"Mã tiêu chí/chỉ tiêu không tồn tại: {c}.", f"Unknown item or criterion code: {c}."
                ),
            )
            for i, c in enumerate(meta.items)
            if c not in known
        ]
        if bad:
            raise Unprocessable(errors=bad)
        return {c: known[c] for c in meta.items}

    async def create_file(
        self,
        p: Principal,
        school_code: str,
        fields: dict[str, list[str]],
        staged: Staged | None,
        idempotency_key: str | None = None,
        province: str | None = None,
    ) -> idem.Answer:
        """Accept a staged upload or remove it: no blob and no row survive a refusal (nor a replay,
        which answers the first request's evidence)."""
        deduplicated = False

        async def create() -> idem.Answer:
            nonlocal deduplicated
            assert staged is not None  # _accept refuses a missing file
            deduplicated = await self.store.size(staged.sha256) == staged.size
            ev = _evidence(
                school_code,
                meta,
                p,
                source=Source.FILE.value,
                sha256=staged.sha256,
                size=staged.size,
                media_type=media_type,
                filename=safe_filename(staged.filename, media_type),
            )
            await self.repo.add(ev, items)
            # the row is flushed first: a failing commit of the blob rolls the row back; the reverse
            # (blob stored, transaction failing) leaves an unreferenced blob the GC removes
            await self.store.commit(staged.path, staged.sha256)
            out = (await self.render([ev]))[0]
            out.deduplicated = deduplicated
            return _created(out)

        try:
            meta = self.validate_meta(meta_from_fields(fields))
            items = self.resolve_items(meta, province)
            media_type = await self._accept(staged)
            assert staged is not None
            request = _request(school_code, meta, staged.sha256, staged.filename)
            answer = await self.keys.run(p.sub, idempotency_key, request, create)
        except BaseException:
            UPLOADS.labels("refused").inc()
            if staged is not None:
                await asyncio.to_thread(Path(staged.path).unlink, True)
            raise
        if answer.replayed:
            await asyncio.to_thread(Path(staged.path).unlink, True)
            return answer
        UPLOADS.labels("deduplicated" if deduplicated else "stored").inc()
        UPLOAD_BYTES.inc(staged.size)
        return answer

    async def _accept(self, staged: Staged | None) -> str:
        """The sniffed media type of a staged file that may be stored, or the problem why not."""
        if staged is None:
            raise MissingFile()
        if staged.size == 0:
            raise EmptyFile()
        media_type = await asyncio.to_thread(sniff, staged.head, staged.path, staged.size)
        if media_type is None:
            raise UnsupportedMediaType()
        try:
            found = await self.scanner.scan(staged.path)
        except ScannerUnavailable as e:
            raise UpstreamUnavailable(
                msg("Dịch vụ quét mã độc không phản hồi.", "The malware scanner is unavailable.")
            ) from e
        if found is not None:
            raise MalwareDetected(signature=found)
        return media_type

    async def replace_file(self, ev: Evidence, staged: Staged | None, if_match: str | None) -> EvidencePublic:
        """New content for unlocked file evidence (same id, codes and metadata)."""
        try:
            if ev.source != Source.FILE.value:
                raise NotAFile()
            if if_match is not None and if_match.strip() not in {f'"{ev.sha256}"', "*"}:
                raise PreconditionFailed()
            if await self.repo.locked_of([ev.id]):
                raise EvidenceLocked()
            media_type = await self._accept(staged)
            assert staged is not None  # _accept refuses a missing file
            ev.sha256, ev.size, ev.media_type = staged.sha256, staged.size, media_type
            ev.filename = safe_filename(staged.filename or ev.filename, media_type)
            await self.repo.session.flush()
            await self.store.commit(staged.path, staged.sha256)
        except BaseException:
            if staged is not None:
                await asyncio.to_thread(Path(staged.path).unlink, True)
            raise
        return (await self.render([ev]))[0]

    async def create_link(
        self,
        p: Principal,
        school_code: str,
        meta: LinkCreate,
        url: str,
        checker: LinkChecker,
        idempotency_key: str | None = None,
        province: str | None = None,
    ) -> idem.Answer:
        """A link evidence, its status checked first when asked (a replay checks nothing)."""

        items = self.resolve_items(meta, province)

        async def create() -> idem.Answer:
            ev = _evidence(school_code, meta, p, source=Source.LINK.value, url=url)
            if meta.check:
                check = await checker.check(url)
                ev.link_status, ev.link_error, ev.link_checked_at = (
                    check.status,
                    check.error,
                    check.checked_at,
                )
            await self.repo.add(ev, items)
            return _created((await self.render([ev]))[0])

        return await self.keys.run(p.sub, idempotency_key, _request(school_code, meta, url, None), create)

    async def record_check(self, ev: Evidence, check: LinkCheck) -> None:
        ev.link_status, ev.link_error, ev.link_checked_at = check.status, check.error, check.checked_at
        await self.repo.session.flush()

    async def render(self, evs: list[Evidence]) -> list[EvidencePublic]:
        ids = [e.id for e in evs]
        items = await self.repo.items_of(ids)
        codes = await self.repo.codes_of(ids)
        locked = await self.repo.locked_of(ids)
        return [
            EvidencePublic(
                **e.model_dump(exclude={"kind", "source"}),
                kind=EvidenceKind(e.kind),
                source=Source(e.source),
                items=items.get(e.id, []),
                codes=codes.get(e.id, []),
                locked=e.id in locked,
            )
            for e in evs
        ]

    async def get(self, evidence_id: str) -> Evidence:
        ev = await self.repo.get(evidence_id)
        if ev is None or ev.deleted_at is not None:
            raise EvidenceNotFound()
        return ev

    async def page(
        self,
        school_code: str,
        *,
        school_year: str | None,
        item: str | None,
        kind: EvidenceKind | None,
        cursor: str | None,
        limit: int,
    ) -> EvidencePage:
        rows = await self.repo.page(
            school_code,
            school_year=school_year,
            item=item,
            kind=kind.value if kind else None,
            after=_after(cursor),
            limit=limit + 1,
        )
        page, nxt = trim(rows, limit, _key)
        return EvidencePage(items=await self.render(page), next_cursor=nxt)

    async def delete(self, p: Principal, ev: Evidence) -> None:
        """Soft delete: the row stays (who, when); the blob goes at the next GC if nothing else uses it."""
        if await self.repo.locked_of([ev.id]):
            raise EvidenceLocked()
        await self.repo.soft_delete(ev, p.sub)
