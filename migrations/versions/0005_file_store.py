"""File store: file_blobs (sealed content by hash) and file_entries (the index)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_blobs",
        sa.Column("domain", sa.String(length=8), primary_key=True),
        sa.Column("subject", sa.String(length=120), primary_key=True),
        sa.Column("sha256", sa.String(length=64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "file_entries",
        sa.Column("owner", sa.String(length=240), primary_key=True),
        sa.Column("name", sa.String(length=120), primary_key=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False, index=True),
        sa.Column("domain", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_file_entries_subject", "file_entries", ["domain", "subject"])


def downgrade() -> None:
    op.drop_index("ix_file_entries_subject", table_name="file_entries")
    op.drop_table("file_entries")
    op.drop_table("file_blobs")
