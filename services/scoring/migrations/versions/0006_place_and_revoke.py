"""place and revoke: an org unit's place name (địa danh of its papers); an edit extension's
revocation (who, when, why)

Revision ID: 0006_place_and_revoke
Revises: 0005_edit_extensions
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_place_and_revoke"
down_revision: str | None = "0005_edit_extensions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_name", sa.String(length=64), nullable=True))
    with op.batch_alter_table("edit_extension", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("revoke_reason", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("edit_extension", schema=None) as batch_op:
        batch_op.drop_column("revoke_reason")
        batch_op.drop_column("revoked_by_name")
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.drop_column("place_name")
