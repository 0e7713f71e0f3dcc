"""webhook scope at send: the subscriber's kind and grant, the school of each delivery

Revision ID: 0003_webhook_scope
Revises: 0002_withdrawal
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_webhook_scope"
down_revision: str | None = "0002_withdrawal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner_kind", sa.String(length=16), nullable=False, server_default="client")
        )
        batch_op.add_column(sa.Column("grant", sa.JSON(), nullable=True))
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.alter_column("owner_kind", server_default=None)
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_code", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_column("school_code")
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.drop_column("grant")
        batch_op.drop_column("owner_kind")
