"""idempotency answers: the evidence service's `Idempotency-Key` table takes the shape every
service shares (`shared.idempotency.IdempotencyColumns`): the stored answer (status, body,
headers) instead of the created evidence's id

Revision ID: 0004_idempotency_answers
Revises: 0003_job_runs
Create Date: 2026-12-02

The rows are kept: each becomes the answer its create gave (201, the evidence as it reads now,
its `Location`), so a client retrying across the upgrade still gets its evidence and not a
second one. The downgrade keeps the rows that name an evidence.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from pydantic import TypeAdapter

revision: str = "0004_idempotency_answers"
down_revision: str | None = "0003_job_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_idempotency_key_evidence_id"
LOCATION = "/api/v1/evidence/"
EVIDENCE_FIELDS = (
    *("id", "school_code", "school_year", "title", "kind", "source", "document_number"),
    *("document_date", "sha256", "size", "media_type", "filename", "url", "link_status"),
    *("link_error", "link_checked_at", "created_by", "created_at", "deleted_at"),
)

key_table = sa.table(
    "idempotency_key",
    sa.column("caller", sa.String()),
    sa.column("key", sa.String()),
    sa.column("evidence_id", sa.String()),
    sa.column("status", sa.Integer()),
    sa.column("body", sa.JSON()),
    sa.column("headers", sa.JSON()),
)
# typed where the type changes the answer: SQLite gives dates and times back as text otherwise
TYPES: dict[str, Any] = {
    "document_date": sa.Date(),
    "link_checked_at": sa.DateTime(timezone=True),
    "created_at": sa.DateTime(timezone=True),
    "deleted_at": sa.DateTime(timezone=True),
    "size": sa.BigInteger(),
    "link_status": sa.Integer(),
}
evidence = sa.table("evidence", *(sa.column(name, TYPES.get(name)) for name in EVIDENCE_FIELDS))
items = sa.table("evidence_item", sa.column("evidence_id"), sa.column("item_code"))
codes = sa.table("evidence_code", sa.column("evidence_id"), sa.column("criterion_code"), sa.column("number"))
locks = sa.table("evidence_lock", sa.column("evidence_id"), sa.column("school_code"))
JSON_VALUE: TypeAdapter[Any] = TypeAdapter(Any)


def _utc(value: Any) -> Any:
    # SQLite gives naive datetimes back; they were stored as UTC
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _answer(conn: sa.Connection, evidence_id: str) -> dict[str, Any] | None:
    """The evidence as the create's answer showed it (the public representation, frozen here)."""
    row = conn.execute(sa.select(evidence).where(evidence.c.id == evidence_id)).mappings().first()
    if row is None:
        return None
    out = {name: _utc(row[name]) for name in EVIDENCE_FIELDS}
    out["items"] = list(
        conn.execute(
            sa.select(items.c.item_code).where(items.c.evidence_id == evidence_id).order_by(items.c.item_code)
        ).scalars()
    )
    out["codes"] = [
        f"MC-{criterion}-{number:02d}"
        for criterion, number in conn.execute(
            sa.select(codes.c.criterion_code, codes.c.number)
            .where(codes.c.evidence_id == evidence_id)
            .order_by(codes.c.criterion_code)
        )
    ]
    locked = sa.select(locks.c.evidence_id).where(
        locks.c.evidence_id == evidence_id, locks.c.school_code == row["school_code"]
    )
    out["locked"] = conn.execute(locked.limit(1)).first() is not None
    out["deduplicated"] = False
    return dict(JSON_VALUE.dump_python(out, mode="json"))


def upgrade() -> None:
    with op.batch_alter_table("idempotency_key") as batch:
        batch.add_column(sa.Column("status", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("body", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("headers", sa.JSON(), nullable=True))
    conn = op.get_bind()
    for caller, key, evidence_id in conn.execute(
        sa.select(key_table.c.caller, key_table.c.key, key_table.c.evidence_id)
    ).all():
        conn.execute(
            key_table.update()
            .where(key_table.c.caller == caller, key_table.c.key == key)
            .values(
                status=201,
                body=_answer(conn, evidence_id),
                headers={"Location": LOCATION + evidence_id},
            )
        )
    with op.batch_alter_table("idempotency_key") as batch:
        batch.alter_column("fingerprint", new_column_name="request_hash", existing_type=sa.String(length=64))
        batch.drop_column("evidence_id")


def downgrade() -> None:
    with op.batch_alter_table("idempotency_key") as batch:
        batch.add_column(sa.Column("evidence_id", sa.String(length=40), nullable=True))
        batch.alter_column("request_hash", new_column_name="fingerprint", existing_type=sa.String(length=64))
    conn = op.get_bind()
    for caller, key, headers in conn.execute(
        sa.select(key_table.c.caller, key_table.c.key, key_table.c.headers)
    ).all():
        location = (headers or {}).get("Location", "")
        match = key_table.c.caller == caller, key_table.c.key == key
        if location.startswith(LOCATION):
            conn.execute(key_table.update().where(*match).values(evidence_id=location[len(LOCATION) :]))
        else:  # a claim still running, or an answer naming no evidence: nothing to replay
            conn.execute(key_table.delete().where(*match))
    with op.batch_alter_table("idempotency_key") as batch:
        batch.alter_column("evidence_id", nullable=False, existing_type=sa.String(length=40))
        batch.create_foreign_key(FK, "evidence", ["evidence_id"], ["id"])
        batch.drop_column("headers")
        batch.drop_column("body")
        batch.drop_column("status")
