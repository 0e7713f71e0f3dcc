"""claims take due jobs in line (deadline, then the feed's order); indexes for that order and for
the earliest due retry

Revision ID: 0005_claim_line
Revises: 0004_jobs_reminders
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_claim_line"
down_revision: str | None = "0004_jobs_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_job", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_job_line", ["state", "deadline", "event_id", "id"], unique=False)
        batch_op.create_index("ix_delivery_job_due", ["state", "next_attempt_at"], unique=False)
        batch_op.drop_index("ix_delivery_job_claim")


def downgrade() -> None:
    with op.batch_alter_table("delivery_job", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_job_claim", ["state", "deadline", "next_attempt_at"], unique=False)
        batch_op.drop_index("ix_delivery_job_due")
        batch_op.drop_index("ix_delivery_job_line")
