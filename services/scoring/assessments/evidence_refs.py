"""Evidence references are checked where assessments are written: each id must exist, belong to
the school, be of the same school year (evidence is uploaded per year) and not be deleted. The
evidence service answers (`POST /internal/v1/evidence/check`); unreachable, the write is refused
with 503 `evidence_unavailable`: never stored unchecked, since an approved assessment is delivered
to CSDL ngành with its evidence list."""

from __future__ import annotations

import httpx

from services.scoring.errors import EvidenceUnavailable
from shared.errors import FieldError
from shared.i18n import msg
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal

Ref = tuple[str, str, str]  # school code, school year, evidence id
CHUNK = 10_000

_WHY = {
    "not_found": (
        "evidence_not_found",
        "Không có minh chứng này của trường.",
        "No such evidence of this school.",
    ),
    "deleted": ("evidence_deleted", "Minh chứng này đã bị xoá.", "This evidence was deleted."),
    "other_year": (
        "evidence_other_year",
        "Minh chứng này thuộc năm học khác.",
        "This evidence belongs to another school year.",
    ),
}


class EvidenceRefs:
    """`http` None: no evidence service (scoring run alone, as its own tests do)."""

    def __init__(self, http: httpx.AsyncClient | None, secret: str) -> None:
        self.http, self.secret = http, secret

    async def states(self, refs: list[Ref]) -> list[str] | None:
        if self.http is None or not refs:
            return None
        p = Principal(
            sub="scoring", kind=PrincipalKind.SERVICE, roles=frozenset({Role.SERVICE}), all_orgs=True
        )
        out: list[str] = []
        for start in range(0, len(refs), CHUNK):
            body = {
                "refs": [
                    {"school_code": c, "school_year": y, "evidence_id": i}
                    for c, y, i in refs[start : start + CHUNK]
                ]
            }
            try:
                r = await self.http.post(
                    "/internal/v1/evidence/check",
                    json=body,
                    headers={HEADER: sign_principal(p, self.secret, ttl=60)},
                )
                r.raise_for_status()
                out += [str(s) for s in r.json()["states"]]
            except (httpx.HTTPError, KeyError, ValueError) as e:
                raise EvidenceUnavailable() from e
        return out


def errors(ids: list[str], states: list[str], root: str = "") -> list[FieldError]:
    """A pointer per bad reference: `/evidence_ids/2` (or under a bulk row's `root`)."""
    out = []
    for n, (i, s) in enumerate(zip(ids, states, strict=True)):
        if s in _WHY:
            code, vi, en = _WHY[s]
            out.append(
                FieldError(
                    pointer=f"{root}/evidence_ids/{n}", code=code, message=msg(f"{vi} ({i})", f"{en} ({i})")
                )
            )
    return out
