"""users, API clients, credentials

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_client",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("org_units", sa.JSON(), nullable=False),
        sa.Column("schools", sa.JSON(), nullable=False),
        sa.Column("all_orgs", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("token_generation", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("rate_limit_per_second", sa.Float(), nullable=True),
        sa.Column("rate_limit_burst", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "gw_user",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("org_units", sa.JSON(), nullable=False),
        sa.Column("schools", sa.JSON(), nullable=False),
        sa.Column("all_orgs", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("token_generation", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gw_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gw_user_username"), ["username"], unique=True)

    op.create_table(
        "client_credential",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=True),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_client.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("client_credential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_credential_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("client_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_credential_client_id"))

    op.drop_table("client_credential")
    with op.batch_alter_table("gw_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gw_user_username"))

    op.drop_table("gw_user")
    op.drop_table("api_client")
