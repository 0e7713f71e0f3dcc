"""idempotency headers: a stored answer keeps the headers its replays carry again (ETag)

Revision ID: 0007_idempotency_headers
Revises: 0006_place_and_revoke
Create Date: 2026-12-02

The rows are kept: an answer stored before this revision is a workflow action's assessment
(whose ETag is its `version`) or a bulk summary (no header), so its headers are filled in from
its body and its replays stay identical to the first answer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_idempotency_headers"
down_revision: str | None = "0006_place_and_revoke"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

record = sa.table(
    "idempotency_record",
    sa.column("caller", sa.String()),
    sa.column("key", sa.String()),
    sa.column("body", sa.JSON()),
    sa.column("headers", sa.JSON()),
)


def upgrade() -> None:
    op.add_column("idempotency_record", sa.Column("headers", sa.JSON(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(record.c.caller, record.c.key, record.c.body)).all()
    for caller, key, body in rows:
        if isinstance(body, dict) and "permissions" in body and "version" in body:
            conn.execute(
                record.update()
                .where(record.c.caller == caller, record.c.key == key)
                .values(headers={"ETag": f'"{body["version"]}"'})
            )


def downgrade() -> None:
    with op.batch_alter_table("idempotency_record") as batch:
        batch.drop_column("headers")
