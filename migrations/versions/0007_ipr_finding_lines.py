"""IPR read model: the case's primary service lines apart from the lines of its
findings (iprs.finding_lines)

`iprs.service_lines` holds the case's primary service lines only
(docs/rules.md#ipr-publication). Rows projected before held every line the
investigation reached there; their finding lines are filled here from their
narratives (learning, agreed activities, outcomes), and the lines that are only
finding lines are taken out of `service_lines`, unless that would leave none. A
review still running writes both afresh at its next projection.

Revision ID: 0007
Revises: 0006
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("iprs") as batch:
        batch.add_column(sa.Column("finding_lines", sa.JSON(), nullable=False, server_default="[]"))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT ipr_id, service_lines FROM iprs")).all()
    for ipr_id, held in rows:
        lines = json.loads(held) if isinstance(held, str) else list(held or [])
        found = [
            line
            for (line,) in conn.execute(
                sa.text(
                    "SELECT service_line FROM ipr_narratives WHERE ipr_id = :id "
                    "ORDER BY CASE kind WHEN 'learning' THEN 0 WHEN 'activity' THEN 1 "
                    "ELSE 2 END, seq"
                ),
                {"id": ipr_id},
            )
        ]
        finding = list(dict.fromkeys(found))
        primary = [x for x in lines if x not in finding] or lines
        conn.execute(
            sa.text("UPDATE iprs SET service_lines = :p, finding_lines = :f WHERE ipr_id = :id"),
            {"p": json.dumps(primary), "f": json.dumps(finding), "id": ipr_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("iprs") as batch:
        batch.drop_column("finding_lines")
