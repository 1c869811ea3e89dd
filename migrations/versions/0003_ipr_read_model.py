"""IPR read model: iprs, their narratives, agreed activities and ACSSL shares

Anonymised: no customer name, date of birth, NI number or address is stored.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iprs",
        sa.Column("ipr_id", sa.String(length=120), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("criteria", sa.String(length=10), nullable=False),
        sa.Column("external_scrutiny", sa.Boolean(), nullable=False),
        sa.Column("scrutiny_kinds", sa.JSON(), nullable=False),
        sa.Column("service_lines", sa.JSON(), nullable=False),
        sa.Column("learning_identified", sa.Boolean(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("reporting_year", sa.String(length=7), nullable=True),
        sa.Column("activities_total", sa.Integer(), nullable=False),
        sa.Column("activities_overdue", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ipr_id"),
    )
    op.create_index(op.f("ix_iprs_reporting_year"), "iprs", ["reporting_year"], unique=False)
    op.create_table(
        "ipr_narratives",
        sa.Column("ipr_id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("service_line", sa.String(length=60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["ipr_id"], ["iprs.ipr_id"]),
        sa.PrimaryKeyConstraint("ipr_id", "kind", "seq"),
    )
    op.create_table(
        "ipr_activities",
        sa.Column("ipr_id", sa.String(length=120), nullable=False),
        sa.Column("activity_id", sa.String(length=40), nullable=False),
        sa.Column("service_line", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("assured_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["ipr_id"], ["iprs.ipr_id"]),
        sa.PrimaryKeyConstraint("ipr_id", "activity_id"),
    )
    op.create_table(
        "ipr_acssl_shares",
        sa.Column("ipr_id", sa.String(length=120), nullable=False),
        sa.Column("shared_on", sa.Date(), nullable=False),
        sa.Column("service_lines", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("ipr_id"),
    )


def downgrade() -> None:
    op.drop_table("ipr_acssl_shares")
    op.drop_table("ipr_activities")
    op.drop_table("ipr_narratives")
    op.drop_index(op.f("ix_iprs_reporting_year"), table_name="iprs")
    op.drop_table("iprs")
