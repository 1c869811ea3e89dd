"""What starter.py prints: one console for results (stdout), one for messages
(stderr), JSON dumps and the case table of `list`."""

import json
from typing import Any

from rich.console import Console
from rich.markup import escape

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def dump(value: Any) -> None:
    """A result as JSON on stdout (dataclasses, dates and decimals made plain)."""
    from pydantic_core import to_jsonable_python

    out.print_json(json.dumps(to_jsonable_python(value)))


def refused(message: object) -> int:
    err.print(f"[red]refused[/red]: {escape(str(message))}", highlight=False)
    return 1


def bad_input(message: object) -> None:
    err.print(f"[red]bad input[/red]\n{escape(str(message))}", highlight=False)


def case_table(rows: list[dict[str, Any]]) -> None:
    """The cases `list` found, one row each (search attributes only: no personal data)."""
    from rich.table import Table

    table = Table(
        "case", "stage", "status", "arrears", "vulnerability", "next action due", "escalated"
    )
    for row in rows:
        due = row.get("NextActionDue")
        table.add_row(
            row["id"],
            str(row.get("CaseStage", "")),
            str(row.get("CaseStatus", "")),
            str(row.get("ArrearsBand", "")),
            str(row.get("VulnerabilityTier", "")),
            due.isoformat() if due else "",
            "yes" if row.get("Escalated") else "",
        )
    out.print(table)
