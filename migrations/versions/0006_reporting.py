"""Reporting read model: report_tasks, report_arrangements, report_migrations,
report_sustainment, report_uc_moves, report_plans, work_available_reports,
work_available_runs

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CASE_ID = sa.String(length=120)
WHEN = sa.DateTime(timezone=True)
MONEY = sa.Numeric(12, 2)


def upgrade() -> None:
    op.create_table(
        "report_tasks",
        sa.Column("case_id", CASE_ID, primary_key=True),
        sa.Column("task_id", sa.String(length=200), primary_key=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("team", sa.String(length=30), nullable=False, index=True),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("why", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False, index=True),
        sa.Column("due_at", WHEN, nullable=False, index=True),
        sa.Column("opened_at", WHEN, nullable=False),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.Column("escalated_at", WHEN, nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "report_arrangements",
        sa.Column("case_id", CASE_ID, primary_key=True),
        sa.Column("arrangement_id", sa.String(length=200), primary_key=True),
        sa.Column("kind", sa.String(length=8), nullable=False, index=True),
        sa.Column("apa_type", sa.String(length=40), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=False, index=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("objection_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False, index=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("deduction_rate", MONEY, nullable=True),
        sa.Column("granted_rate", MONEY, nullable=True),
        sa.Column("review_dates", sa.JSON(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "report_migrations",
        sa.Column("case_id", CASE_ID, primary_key=True),
        sa.Column("notice_on", sa.Date(), nullable=False, index=True),
        sa.Column("deadline_day", sa.Date(), nullable=False),
        sa.Column("final_deadline", sa.Date(), nullable=False),
        sa.Column("reissued", sa.Boolean(), nullable=False),
        sa.Column("tax_credits", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False, index=True),
        sa.Column("protection", sa.String(length=20), nullable=False),
        sa.Column("claim_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "report_sustainment",
        sa.Column("case_id", CASE_ID, primary_key=True),
        sa.Column("action_id", sa.String(length=200), primary_key=True),
        sa.Column("kind", sa.String(length=40), nullable=False, index=True),
        sa.Column("team", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, index=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("award_from", sa.Date(), nullable=True),
        sa.Column("award_to", sa.Date(), nullable=True),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "report_uc_moves",
        sa.Column("case_id", CASE_ID, primary_key=True),
        sa.Column("moved_on", sa.Date(), nullable=True, index=True),
        sa.Column("balance_on_move", MONEY, nullable=True),
        sa.Column("opening_balance", MONEY, nullable=False),
        sa.Column("current_balance", MONEY, nullable=False),
        sa.Column("balance_on", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_report_uc_moves_kpi",
        "report_uc_moves",
        ["moved_on", "balance_on_move", "current_balance"],
    )
    op.create_table(
        "report_plans",
        sa.Column("case_id", CASE_ID, primary_key=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("by_date", sa.Date(), nullable=False, index=True),
        sa.Column("start_balance", MONEY, nullable=False),
        sa.Column("target_balance", MONEY, nullable=False),
        sa.Column("standing", sa.String(length=12), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "work_available_reports",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("ref", CASE_ID, primary_key=True),
        sa.Column("item", sa.String(length=100), primary_key=True),
        sa.Column("ref_kind", sa.String(length=8), nullable=False),
        sa.Column("team", sa.String(length=30), nullable=False, index=True),
        sa.Column("what", sa.String(length=120), nullable=False),
        sa.Column("why", sa.String(length=300), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_at", WHEN, nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "work_available_runs",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("built_at", WHEN, nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "work_available_runs",
        "work_available_reports",
        "report_plans",
        "report_uc_moves",
        "report_sustainment",
        "report_migrations",
        "report_arrangements",
        "report_tasks",
    ):
        op.drop_table(table)
