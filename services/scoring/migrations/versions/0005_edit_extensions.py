"""edit extensions: a Sở reopening a school past the edit lock, with its reason and end date

Revision ID: 0005_edit_extensions
Revises: 0004_job_runs
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_edit_extensions"
down_revision: str | None = "0004_job_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "edit_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_code", sa.String(length=32), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("granted_by", sa.String(length=128), nullable=False),
        sa.Column("granted_by_name", sa.String(length=255), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(["school_code"], ["school.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("edit_extension", schema=None) as batch_op:
        batch_op.create_index(
            "ix_edit_extension_school", ["school_code", "school_year", "kind"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("edit_extension", schema=None) as batch_op:
        batch_op.drop_index("ix_edit_extension_school")
    op.drop_table("edit_extension")
