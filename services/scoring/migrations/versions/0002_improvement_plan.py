"""improvement plans: targets per item with owner and due date

Revision ID: 0002_improvement_plan
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_improvement_plan"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "improvement_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.String(length=36), nullable=False),
        sa.Column("school_code", sa.String(length=32), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("item", sa.String(length=16), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"]),
        sa.ForeignKeyConstraint(["school_code"], ["school.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_code", "school_year", "item"),
    )
    with op.batch_alter_table("improvement_target", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_improvement_target_assessment_id"), ["assessment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("improvement_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_improvement_target_assessment_id"))
    op.drop_table("improvement_target")
