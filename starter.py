"""The back-office client: open cases, send commands, show and list cases, bulk import.

    python starter.py open case.json            # or - for stdin
    python starter.py send HA-100231 add_journal_note '{"by": "officer-1", "text": "..."}'
    python starter.py show HA-100231 [--journal]
    python starter.py list [--stage S] [--status S] [--escalated]
    python starter.py import cases.csv
    python starter.py load-samples [samples/cases.json]
    python starter.py commands

Exit status: 0 done, 1 refused by the case or the server, 2 bad input.
"""

import argparse
import asyncio
import csv
import dataclasses
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import WorkflowAlreadyStartedError

from config import ROOT, Settings, connect
from domain.case.commands import COMMANDS
from domain.case.parsing import InvalidCommand
from domain.case.parsing import parse as parse_payload
from domain.case.view import CaseView
from workflows.contracts import CaseInput, CommandResult
from workflows.search_attributes import as_dict
from workflows.uc_case import UCCase, case_workflow_id

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
SAMPLES = ROOT / "samples" / "cases.json"


class BadInput(Exception):
    """Input that breaks a rule; the message names where, the field and the rule."""


def parse(kind: type, raw: Any, where: str) -> Any:
    try:
        return parse_payload(kind, raw)
    except InvalidCommand as error:
        raise BadInput(f"{where}: {error}") from None


def parse_command(name: str, raw: Any, where: str) -> Any:
    if name not in COMMANDS:
        raise BadInput(
            f"{where}: command {name!r} is unknown; known commands: {', '.join(COMMANDS)}"
        )
    return parse(COMMANDS[name], raw, where)


def read_json(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else None
    if text is None:
        path = Path(source)
        text = path.read_text() if path.exists() else source
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput(f"{source}: not valid JSON: {error}") from None


# --- opening -------------------------------------------------------------------


@dataclass
class Opened:
    handle: WorkflowHandle
    created: bool


async def open_case(client: Client, task_queue: str, case: CaseInput) -> Opened:
    """Start the tenancy's case, or reach the one already running."""
    workflow_id = case_workflow_id(case.tenancy_ref)
    try:
        handle = await client.start_workflow(
            UCCase.run,
            case,
            id=workflow_id,
            task_queue=task_queue,
            static_summary=f"UC case · opened from {case.opening_reason.replace('_', ' ')}",
            static_details=f"Tenancy reference {case.tenancy_ref}. Personal details are in the "
            "case payload, never in ids or search attributes.",
        )
        return Opened(handle, created=True)
    except WorkflowAlreadyStartedError:
        return Opened(client.get_workflow_handle(workflow_id), created=False)


async def send(
    client: Client, ref: str, name: str, command: Any, request_id: str | None = None
) -> CommandResult:
    handle = client.get_workflow_handle(case_workflow_id(ref))
    result: CommandResult = await handle.execute_update(
        name, command, id=request_id, result_type=CommandResult
    )
    return result


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
    seen: dict[str, int] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or [])
        missing = REQUIRED_CSV - header
        unknown = header - CSV_FIELDS.keys()
        if missing or unknown:
            raise BadInput(
                f"{path}: line 1 (header): missing columns {sorted(missing)}, "
                f"unknown columns {sorted(unknown)}; columns are {', '.join(CSV_FIELDS)}"
            )
        for row in reader:
            line = reader.line_num
            nested: dict[str, Any] = {}
            for column, value in row.items():
                if value is None or value.strip() == "":
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
    return cases, problems


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


async def load_samples(
    client: Client, task_queue: str, path: Path = SAMPLES, show_progress: bool = True
) -> tuple[int, int]:
    """Open the bundled cases and replay their commands. Safe to run again: cases
    are reached, not duplicated, and each command carries a fixed update id that
    the server de-duplicates."""
    data = read_json(str(path))
    plans = []
    for i, item in enumerate(data["cases"]):
        case = parse(CaseInput, item["open"], f"{path} cases[{i}].open")
        commands = [
            (c["update"], parse_command(c["update"], c["args"], f"{path} cases[{i}].commands[{j}]"))
            for j, c in enumerate(item["commands"])
        ]
        plans.append((case, commands))
    gate = asyncio.Semaphore(6)
    created = 0

    async def one(case: CaseInput, commands: list[tuple[str, Any]]) -> bool:
        async with gate:
            opened = await open_case(client, task_queue, case)
            for j, (name, command) in enumerate(commands):
                await opened.handle.execute_update(
                    name, command, id=f"sample-{j}", result_type=CommandResult
                )
            return opened.created

    with Progress(console=err, disable=not show_progress) as progress:
        task = progress.add_task("loading sample cases", total=len(plans))
        for done in asyncio.as_completed([one(c, cmds) for c, cmds in plans]):
            created += await done
            progress.advance(task)
    return created, len(plans) - created


def list_query(stage: str | None, status: str | None, escalated: bool, extra: str | None) -> str:
    parts = ["WorkflowType = 'UCCase'", "ExecutionStatus = 'Running'"]
    if stage:
        parts.append(f"CaseStage = '{stage}'")
    if status:
        parts.append(f"CaseStatus = '{status}'")
    if escalated:
        parts.append("Escalated = true")
    if extra:
        parts.append(f"({extra})")
    return " AND ".join(parts)


# --- command line ---------------------------------------------------------------


def _dump(value: Any) -> None:
    out.print_json(json.dumps(to_jsonable_python(value)))


async def run(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.cmd == "commands":
        for name, kind in COMMANDS.items():
            fields = ", ".join(f.name for f in dataclasses.fields(kind))
            out.print(f"[bold]{name}[/bold]  ({fields})")
        return 0
    # Validate everything local before touching the server.
    if args.cmd == "open":
        case = parse(CaseInput, read_json(args.source), args.source)
    elif args.cmd == "send":
        command = parse_command(args.command, read_json(args.payload), "payload")
    elif args.cmd == "import":
        cases, problems = read_csv(Path(args.csv))
        for problem in problems:
            err.print(f"[red]{problem}[/red]", highlight=False)
    client = await connect()
    if args.cmd == "open":
        opened = await open_case(client, settings.task_queue, case)
        verb = "opened" if opened.created else "already open: reached the running case"
        out.print(f"{opened.handle.id} {verb}")
    elif args.cmd == "send":
        result = await send(client, args.ref, args.command, command, args.request_id)
        _dump(result)
    elif args.cmd == "show":
        handle = client.get_workflow_handle(case_workflow_id(args.ref))
        if args.journal:
            _dump(await handle.query("journal"))
        else:
            _dump(await handle.query("case_view", result_type=CaseView))
    elif args.cmd == "list":
        table = Table(
            "case", "stage", "status", "arrears", "vulnerability", "next action due", "escalated"
        )
        query = list_query(args.stage, args.status, args.escalated, args.query)
        async for wf in client.list_workflows(query):
            values = as_dict(wf.typed_search_attributes)
            due = values.get("NextActionDue")
            table.add_row(
                wf.id,
                str(values.get("CaseStage", "")),
                str(values.get("CaseStatus", "")),
                str(values.get("ArrearsBand", "")),
                str(values.get("VulnerabilityTier", "")),
                due.isoformat() if due else "",
                "yes" if values.get("Escalated") else "",
            )
        out.print(table)
    elif args.cmd == "import":
        created, existing = await bulk_open(client, settings.task_queue, cases)
        out.print(f"{created} opened, {existing} already open, {len(problems)} bad rows")
        return 2 if problems else 0
    elif args.cmd == "load-samples":
        created, existing = await load_samples(client, settings.task_queue, Path(args.file))
        out.print(f"{created} sample cases opened, {existing} already open")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="starter.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("open", help="open a case from JSON (a file, - for stdin, or inline)")
    o.add_argument("source")
    s = sub.add_parser("send", help="send a command (an update) to a case")
    s.add_argument("ref", help="tenancy reference")
    s.add_argument("command", help="update name; see `commands`")
    s.add_argument("payload", help="JSON: a file, - for stdin, or inline")
    s.add_argument("--request-id", help="idempotency key: the same id is applied once")
    sh = sub.add_parser("show", help="show a case as JSON")
    sh.add_argument("ref")
    sh.add_argument("--journal", action="store_true", help="the journal instead of the view")
    ls = sub.add_parser("list", help="list running cases (a visibility query)")
    ls.add_argument("--stage")
    ls.add_argument("--status")
    ls.add_argument("--escalated", action="store_true")
    ls.add_argument("--query", help="extra visibility query, ANDed")
    im = sub.add_parser("import", help="bulk-open cases from CSV")
    im.add_argument("csv")
    ld = sub.add_parser("load-samples", help="open the bundled sample cases")
    ld.add_argument("file", nargs="?", default=str(SAMPLES))
    sub.add_parser("commands", help="list the update names and their fields")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except BadInput as error:
        err.print(f"[red]bad input[/red]\n{error}", highlight=False)
        return 2
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        err.print(f"[red]refused[/red]: {getattr(cause, 'message', cause)}", highlight=False)
        return 1
    except RuntimeError as error:
        if "Failed client connect" in str(error):
            err.print(f"[red]cannot reach Temporal[/red]: {error}", highlight=False)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
