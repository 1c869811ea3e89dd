"""`starter.py import`: bulk-open cases from a CSV file, one case per row; bad rows are
reported by line, field and rule, and the good ones are opened."""

import argparse
import asyncio
import csv
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.progress import Progress
from temporalio.client import Client

from backoffice.cases import open_case
from backoffice.exit_codes import BAD_INPUT, DONE, SOME_ROWS_BAD
from backoffice.inputs import BadInput, parse
from backoffice.render import err, out
from infra.config import Settings, connect
from workflows.contracts import CaseInput

CSV_FIELDS = {
    "tenancy_ref": ("tenancy_ref",),
    "opening_reason": ("opening_reason",),
    "opened_by": ("opened_by",),
    "full_name": ("resident", "full_name"),
    "date_of_birth": ("resident", "date_of_birth"),
    "ni_number": ("resident", "ni_number"),
    "phone": ("resident", "phone"),
    "email": ("resident", "email"),
    "address": ("tenancy", "address"),
    "tenancy_start": ("tenancy", "start_date"),
    "landlord_ref": ("tenancy", "landlord_ref"),
    "rent_amount": ("rent", "amount"),
    "rent_frequency": ("rent", "frequency"),
    "balance": ("balance",),
}
REQUIRED_CSV = {
    "tenancy_ref",
    "opening_reason",
    "opened_by",
    "full_name",
    "address",
    "tenancy_start",
    "rent_amount",
}


def read_csv(path: Path) -> tuple[list[CaseInput], list[str]]:
    """Valid cases, and one message per bad row naming the line, field and rule."""
    cases: list[CaseInput] = []
    problems: list[str] = []
    try:
        with path.open(newline="") as handle:
            _read_rows(path, csv.DictReader(handle), cases, problems)
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"{path}: cannot read it: {error}") from None
    except csv.Error as error:
        # The csv module stops at a row it cannot split (a NUL byte, an open quote).
        raise BadInput(f"{path}: {error}; nothing was started") from None
    return cases, problems


def _read_rows(
    path: Path, reader: "csv.DictReader[str]", cases: list[CaseInput], problems: list[str]
) -> None:
    columns = list(reader.fieldnames or [])
    missing = REQUIRED_CSV - set(columns)
    unknown = set(columns) - CSV_FIELDS.keys()
    if missing or unknown or len(set(columns)) != len(columns):
        raise BadInput(
            f"{path}: line 1 (header): missing columns {sorted(missing)}, "
            f"unknown columns {sorted(unknown)}; columns are {', '.join(CSV_FIELDS)}, "
            "each once"
        )
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        # DictReader keeps extra cells under the key None and fills missing ones with None.
        extra = row.pop(None, None) or []
        cells = len(columns) + len(extra) - sum(row[c] is None for c in columns)
        if cells != len(columns):
            width = len(columns)
            problems.append(f"{path} line {line}: has {cells} columns; the header has {width}")
            continue
        nested: dict[str, Any] = {}
        for column, value in row.items():
            if value.strip() == "":
                continue
            target = nested
            *parents, leaf = CSV_FIELDS[column]
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value.strip()
        try:
            case = parse(CaseInput, nested, f"{path} line {line}")
        except BadInput as error:
            problems.append(str(error))
            continue
        if case.tenancy_ref in seen:
            problems.append(
                f"{path} line {line}: tenancy_ref: {case.tenancy_ref} repeats "
                f"line {seen[case.tenancy_ref]}; one case per tenancy"
            )
            continue
        seen[case.tenancy_ref] = line
        cases.append(case)


async def bulk_open(
    client: Client, task_queue: str, cases: list[CaseInput], show_progress: bool = True
) -> tuple[int, int]:
    created = existing = 0
    gate = asyncio.Semaphore(8)

    async def one(case: CaseInput) -> bool:
        async with gate:
            return (await open_case(client, task_queue, case)).created

    with Progress(console=err, disable=not show_progress, transient=False) as progress:
        task = progress.add_task("opening cases", total=len(cases))
        for started in asyncio.as_completed([one(c) for c in cases]):
            if await started:
                created += 1
            else:
                existing += 1
            progress.advance(task)
    return created, existing


async def run_import(args: argparse.Namespace) -> int:
    """Exit status: 0 when every row started (or reached its case, already open); 5
    (SOME_ROWS_BAD) when the good rows started and some rows were bad; 2 (BAD_INPUT)
    when every row was bad, so nothing was sent."""
    cases, problems = read_csv(Path(args.csv))
    for problem in problems:
        err.print(f"[red]{escape(problem)}[/red]", highlight=False)
    if not cases:  # nothing to open: no need of the server
        out.print(f"0 opened, 0 already open, {len(problems)} bad rows")
        return BAD_INPUT if problems else DONE
    client = await connect()
    created, existing = await bulk_open(client, Settings().task_queue, cases)
    out.print(f"{created} opened, {existing} already open, {len(problems)} bad rows")
    return SOME_ROWS_BAD if problems else DONE
