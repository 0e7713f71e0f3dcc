"""One `Idempotency-Key` implementation (`shared.idempotency`) behind scoring's workflow actions
and evidence's creates: the same mistake gets the same answer, in both languages, from both."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from services.evidence.records.models import IdempotencyRecord as EvidenceRecord
from services.scoring.assessments.models import IdempotencyRecord as ScoringRecord
from shared import idempotency as idem
from shared.db import utcnow
from tests.evidence.conftest import PNG, UPLOAD, upload
from tests.org import STAFF
from tests.scoring.test_engine_levels import FULL

SELF = "/api/v1/schools/79701001/assessments/2024-2025/self"
# what a problem says, without what differs per request (path, correlation id)
SAID = ("type", "title", "status", "code", "detail", "message")


def said(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    return {k: body.get(k) for k in SAID} | {"retry-after": r.headers.get("retry-after")}


async def _mark(app: Any, model: Any, **values: Any) -> None:
    """Change every stored record of `app` (a test's service holds only its own)."""
    async with app.state.session_factory() as s:
        await s.execute(update(model).values(**values))
        await s.commit()


class Both:
    """The same step on both services: a submit in scoring, an upload in evidence."""

    def __init__(self, scoring: httpx.AsyncClient, evidence: httpx.AsyncClient) -> None:
        self.scoring, self.evidence = scoring, evidence

    async def first(self, key: str, lang: str = "en") -> tuple[httpx.Response, httpx.Response]:
        h = {**STAFF, "Idempotency-Key": key, "Accept-Language": lang}
        return await self.scoring.post(f"{SELF}/submit", headers=h), await upload(self.evidence, h)

    async def other(self, key: str, lang: str) -> tuple[httpx.Response, httpx.Response]:
        h = {**STAFF, "Idempotency-Key": key, "Accept-Language": lang}
        return (
            await self.scoring.post(f"{SELF}/submit", json={"reason": "khác"}, headers=h),
            await upload(self.evidence, h, content=PNG, content_type="image/png", filename="a.png"),
        )


@pytest.fixture
async def both(scoring: httpx.AsyncClient, client: httpx.AsyncClient) -> Both:
    assert (await scoring.put(SELF, json={"facts": FULL}, headers=STAFF)).status_code == 201
    return Both(scoring, client)


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_a_reused_key_is_the_same_422_from_both(both: Both, lang: str) -> None:
    first = await both.first("reuse-1")
    assert [r.status_code for r in first] == [200, 201]
    s, e = await both.other("reuse-1", lang)
    assert said(s) == said(e)
    assert (s.status_code, s.json()["code"]) == (422, "idempotency_key_reused")
    assert s.json()["detail"] == (idem.reused().message.vi if lang == "vi" else idem.reused().message.en)


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_a_key_still_running_is_the_same_409_from_both(
    both: Both, app: Any, scoring_app: Any, lang: str
) -> None:
    await both.first("running-1")
    # as if the first requests had claimed their keys and not yet answered
    await _mark(scoring_app, ScoringRecord, status=None, body=None, headers=None)
    await _mark(app, EvidenceRecord, status=None, body=None, headers=None)
    s, e = await both.first("running-1", lang)
    assert said(s) == said(e)
    assert (s.status_code, s.json()["code"], s.headers["retry-after"]) == (
        409,
        "idempotency_in_progress",
        "1",
    )


async def test_a_replay_is_marked_and_carries_the_first_headers_from_both(both: Both) -> None:
    s1, e1 = await both.first("replay-1")
    s2, e2 = await both.first("replay-1")
    for first, again, header in ((s1, s2, "etag"), (e1, e2, "location")):
        assert idem.REPLAYED.lower() not in first.headers
        assert again.headers[idem.REPLAYED] == "true"
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        assert again.headers[header] == first.headers[header]


async def test_a_too_long_key_is_the_same_422_from_both(both: Both) -> None:
    s, e = await both.first("k" * 256)
    assert said(s) == said(e)
    assert [x["pointer"] for x in s.json()["validation_errors"]] == ["/headers/Idempotency-Key"]
    assert e.json()["validation_errors"] == s.json()["validation_errors"]


async def test_an_abandoned_claim_frees_the_key_in_both(both: Both, app: Any, scoring_app: Any) -> None:
    await both.first("abandoned-1")
    # claims whose requests died before they answered, longer ago than any request may run
    gone = {"status": None, "body": None, "headers": None, "created_at": utcnow() - idem.STALE}
    await _mark(scoring_app, ScoringRecord, **gone)
    await _mark(app, EvidenceRecord, **gone)
    s, e = await both.first("abandoned-1")
    # run again as new requests: the assessment is already submitted, the upload is stored again
    assert (s.status_code, s.json()["code"]) == (409, "illegal_transition")
    assert e.status_code == 201
    assert idem.REPLAYED not in e.headers


async def test_a_replay_answers_what_the_first_request_answered(client: httpx.AsyncClient) -> None:
    """Stored, not read again: the first upload of known content said `deduplicated`, so does
    its replay (the evidence service used to re-read the evidence and drop it)."""
    await upload(client, STAFF)
    h = {**STAFF, "Idempotency-Key": "dedup-1"}
    first, again = await upload(client, h), await upload(client, h)
    assert first.json()["deduplicated"] is True
    assert again.json() == first.json()
    assert len((await client.get(UPLOAD, headers=STAFF)).json()["items"]) == 2


async def test_an_expired_record_frees_the_key_in_evidence(client: httpx.AsyncClient, app: Any) -> None:
    h = {**STAFF, "Idempotency-Key": "expired-1"}
    first = await upload(client, h)
    await _mark(app, EvidenceRecord, created_at=utcnow() - idem.TTL - timedelta(minutes=1))
    again = await upload(client, h)
    assert again.status_code == 201
    assert idem.REPLAYED not in again.headers
    assert again.json()["id"] != first.json()["id"]
