"""Key store and audit: data_keys, erasures, codec_audit

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("key_id", sa.String(length=40), primary_key=True),
        sa.Column("domain", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=True),
        sa.Column("wrapping_key_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("domain", "subject", "generation"),
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("domain", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("keys_destroyed", sa.Integer(), nullable=False),
        sa.Column("rows_scrubbed", sa.Integer(), nullable=False),
    )
    op.create_table(
        "codec_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("namespace", sa.String(length=120), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=True),
        sa.Column("payloads", sa.Integer(), nullable=False),
        sa.Column("domains", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("codec_audit")
    op.drop_table("erasures")
    op.drop_table("data_keys")
