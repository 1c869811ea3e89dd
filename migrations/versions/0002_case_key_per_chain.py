"""Key cases by workflow id and the first run of the chain

A tenancy can have a later case under the same workflow id once one completes.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("workflow_id", sa.String(length=80), nullable=True))
    op.execute("UPDATE cases SET workflow_id = case_id")
    op.create_index(op.f("ix_cases_workflow_id"), "cases", ["workflow_id"], unique=False)
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce lengths
        op.alter_column("cases", "workflow_id", nullable=False)
        for table in ("cases", "case_events", "journal_entries"):
            op.alter_column(table, "case_id", type_=sa.String(length=120))


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_workflow_id"), table_name="cases")
    op.drop_column("cases", "workflow_id")
