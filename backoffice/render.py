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


def bad_input_line(message: object) -> None:
    """Bad input in one line (`bad input: <what>: <why>`), for a problem one sentence says."""
    text = " ".join(str(message).split())
    err.print(f"[red]bad input[/red]: {escape(text)}", highlight=False)


def table(columns: list[str], rows: list[list[str]]) -> None:
    """Rows under their column names, never cut: at a terminal a table as wide as the
    terminal (rich wraps a long cell onto more lines, it never drops text); piped or
    redirected, tab-separated lines with a header line, one row a line, for `cut`,
    `awk`, a spreadsheet (a tab or line break inside a cell becomes a space). For
    everything about each row, use the command's --json."""
    if not out.is_terminal:
        for line in [columns, *rows]:
            print("\t".join(" ".join(cell.split()) for cell in line))
        return
    from rich.table import Column, Table

    # fold: a cell wider than its column (a long case id) goes on over more lines.
    shown = Table(*(Column(name, overflow="fold") for name in columns))
    for row in rows:
        shown.add_row(*(escape(cell) for cell in row))
    out.print(shown)


CASE_COLUMNS = [
    "case", "stage", "status", "arrears", "vulnerability", "next action due", "escalated",
]  # fmt: skip


def case_table(rows: list[dict[str, Any]]) -> None:
    """The cases `list` found, one row each (search attributes only: no personal data)."""
    cells = []
    for row in rows:
        due = row.get("NextActionDue")
        cells.append(
            [
                row["id"],
                str(row.get("CaseStage", "")),
                str(row.get("CaseStatus", "")),
                str(row.get("ArrearsBand", "")),
                str(row.get("VulnerabilityTier", "")),
                due.isoformat() if due else "",
                "yes" if row.get("Escalated") else "",
            ]
        )
    table(CASE_COLUMNS, cells)


def pounds(value: object, missing: str = "–") -> str:
    """Money as a statement writes it: `£1,234.56`, `-£729.24`; `missing` for None."""
    if value is None:
        return missing
    from decimal import Decimal

    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"
