"""The back-office client: open cases, send commands, show and list cases, bulk import;
and the annual IPR publication, built from the SQL read model.

    python starter.py open case.json            # or - for stdin
    python starter.py send HA-100231 add_journal_note '{"by": "officer-1", "text": "..."}'
    python starter.py arrangement uc-apa-HA-100231-1 record_outcome '{"by": "...", ...}'
    python starter.py form HA-100231 1 [--pack]
    python starter.py show HA-100231 [--journal]
    python starter.py list [--stage S] [--status S] [--escalated]
    python starter.py import cases.csv
    python starter.py load-samples [samples/cases.json]
    python starter.py commands
    python starter.py simulate scenarios/deadline_met.yaml
    python starter.py ipr-refer referral.json
    python starter.py ipr-send IPR-2026-0001 record_screening '{"by": "...", ...}'
    python starter.py ipr-activity ipr-IPR-2026-0001-activity-1 record_assurance '{...}'
    python starter.py ipr-show IPR-2026-0001 [--journal]
    python starter.py ipr-publication --year 2021-22 [--out DIR]   # reads DATABASE_URL
    python starter.py keys init | rotate --domain uc | show
    python starter.py codec-token --operator NAME --domain uc [--hours 8]
    python starter.py erase case HA-100231 --reason TEXT --by STAFF
    python starter.py erase ipr IPR-2026-0001 --reason TEXT --by STAFF
    python starter.py erase --due [--apply]

Exit status (README, "starter.py"): 0 done; 1 refused (by the case, the review, the
server, or not found, completed, erased); 2 bad input, nothing sent; 3 Temporal did not
answer: the command may or may not have been applied, so send it again with the same
--request-id; 4 an internal error (a bug: the traceback is printed). A command that
succeeds always exits 0.

In a samples file, a string "@today+N" or "@today-N" stands for the date N days
from today, and "@now+Nd", "@now+Nh" (or -) for the UTC time N days or hours from
now, so the bundled call-backs stay in the future and deaths in the past.
"""

import argparse
import asyncio
import contextlib
import csv
import dataclasses
import json
import logging
import os
import re
import sys
import traceback
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn, get_args

from pydantic import Field, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import inspect
from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.db import IprRecord, make_engine
from activities.forms import FormNotStored, FormStore, StoredFormRefused
from activities.owner_only import write_private
from activities.policy import PolicyFileError, read_policy
from backoffice import privacy_cli
from config import ROOT, Settings, connect, json_logging_runtime
from domain.bounds import MAX_PAYLOAD_BYTES
from domain.case.commands import COMMANDS
from domain.case.model import Stage, Status, TenancyRef
from domain.case.parsing import InvalidCommand
from domain.case.parsing import parse as parse_payload
from domain.case.view import CaseView
from domain.dates import business_date
from domain.errors import DomainError
from domain.ipr import commands as ipr_commands
from domain.ipr.decide import check_referral
from domain.ipr.model import IprState
from domain.ipr.model import Reference as IprReference
from domain.ipr.reporting import year_bounds
from domain.policy import CasePolicy
from domain.values import ONE_LINE, Label
from infra.keys import KeyRingError
from infra.keystore import SubjectErased
from logs import configure_logging
from publication import build_publication, write_publication
from simulator import ScenarioError, load_scenario, simulate
from workflows.agreed_activity import COMMANDS as ACTIVITY_COMMANDS
from workflows.contracts import CaseInput, CommandResult, IprInput
from workflows.ipr import IPR, ipr_workflow_id
from workflows.payment_arrangement import COMMANDS as ARRANGEMENT_COMMANDS
from workflows.search_attributes import as_dict
from workflows.uc_case import UCCase, case_workflow_id

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
SAMPLES = ROOT / "samples" / "cases.json"
IPR_SAMPLES = ROOT / "samples" / "iprs.json"
STAGES: tuple[str, ...] = get_args(Stage)
STATUSES: tuple[str, ...] = get_args(Status)


class BadInput(Exception):
    """Input that breaks a rule; the message names where, the field and the rule."""


def parse(kind: type, raw: Any, where: str, today: date | None = None) -> Any:
    """`raw` as a `kind`, checked as the server would and against today's date
    (domain/values.py; `today` for samples resolved against another day), and small
    enough to send; or BadInput naming the field."""
    if where.lstrip()[:1] in ("{", "["):
        where = "inline JSON"  # never echo the payload: it may hold personal data
    size = len(json.dumps(raw, default=str).encode())
    if size > MAX_PAYLOAD_BYTES:
        raise BadInput(
            f"{where}: {size:,} bytes; one payload is at most {MAX_PAYLOAD_BYTES:,} bytes "
            f"({MAX_PAYLOAD_BYTES // 1024} KB); nothing was sent"
        )
    try:
        return parse_payload(kind, raw, today=today or business_date(datetime.now(UTC)))
    except InvalidCommand as error:
        raise BadInput(f"{where}: {error}") from None


def check_argument(name: str, value: Any, kind: Any) -> Any:
    """A command-line argument (a reference, a request id, a query) as `kind`, or
    BadInput naming the argument and the rule, before it names a workflow or is sent."""
    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError as error:
        raise BadInput(f"{name}: {error.errors()[0]['msg']}") from None


def check_arguments(args: argparse.Namespace) -> None:
    """Every argument that names a workflow or reaches the server, checked locally."""
    if getattr(args, "ref", None) is not None and args.cmd in ("send", "show", "form"):
        check_argument("ref", args.ref, TenancyRef)
    if getattr(args, "reference", None) is not None:
        check_argument("reference", args.reference, IprReference)
    if getattr(args, "request_id", None) is not None:
        check_argument("--request-id", args.request_id, Label)
    if args.cmd == "list" and args.query is not None:
        check_argument("--query", args.query, Annotated[str, Field(max_length=1000), ONE_LINE])
    if args.cmd == "form":
        if args.number < 1:
            raise BadInput("number: arrangements are numbered from 1 (see `show`)")
        if args.out and not Path(args.out).resolve().parent.is_dir():
            raise BadInput(f"--out: the folder {Path(args.out).parent} does not exist")
        if args.store and not Path(args.store).is_dir():
            raise BadInput(f"--store: {args.store} is not a folder")


def parse_command(name: str, raw: Any, where: str, today: date | None = None) -> Any:
    if name not in COMMANDS:
        raise BadInput(
            f"{where}: command {name!r} is unknown; known commands: {', '.join(COMMANDS)}"
        )
    return parse(COMMANDS[name], raw, where, today)


# Per case since 2026-12-02 (domain/child_ids.py): uc-apa-<ref>/<case scope>-<n>.
_ARRANGEMENT_ID = re.compile(r"^uc-apa-[A-Za-z0-9][A-Za-z0-9-]{2,39}(/[A-Za-z0-9-]{1,64})?-\d+$")


def parse_arrangement_command(arrangement_id: str, name: str, raw: Any, where: str) -> Any:
    """A command for a PaymentArrangement child (DWP's outcome, the claimant's
    objection), checked here so bad input never reaches the server."""
    if not _ARRANGEMENT_ID.match(arrangement_id):
        raise BadInput(
            "arrangement_id: must look like uc-apa-<tenancy_ref>/<case scope>-<n> "
            f"(or uc-apa-<tenancy_ref>-<n> for an older case; see `show`), not {arrangement_id!r}"
        )
    if name not in ARRANGEMENT_COMMANDS:
        known = ", ".join(ARRANGEMENT_COMMANDS)
        raise BadInput(f"{where}: command {name!r} is unknown; known commands: {known}")
    parse(ARRANGEMENT_COMMANDS[name], raw, where)
    return raw


def read_json(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else None
    inline = source.lstrip()[:1] in ("{", "[")
    where = "inline JSON" if inline else source  # inline JSON may hold personal data
    if text is None:
        text = source if inline else _file_text(source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput(f"{where}: not valid JSON: {error.msg} at line {error.lineno}") from None


def _file_text(source: str) -> str:
    """A file's text; a name that is not a readable file is read as inline JSON."""
    try:
        return Path(source).read_text()
    except (OSError, UnicodeDecodeError):
        return source


_RELATIVE = re.compile(r"@(?:today([+-]\d+)|now([+-]\d+)([dh]))")


def _relative(text: str, now: datetime) -> str:
    match = _RELATIVE.fullmatch(text)
    if match is None:
        raise BadInput(f"{text!r}: must be @today+N, @today-N, @now+Nd or @now+Nh (N a number)")
    days, amount, unit = match.groups()
    if days is not None:
        return (now.astimezone(UTC).date() + timedelta(days=int(days))).isoformat()
    step = timedelta(days=1) if unit == "d" else timedelta(hours=1)
    at = now.astimezone(UTC).replace(microsecond=0) + int(amount) * step
    return at.isoformat().replace("+00:00", "Z")


def resolve_relative(value: Any, now: datetime) -> Any:
    """`value` with every "@today±N" string made a date and every "@now±Nd" or
    "@now±Nh" an aware UTC datetime, relative to the aware `now`; dicts and lists
    are walked, anything else is kept."""
    if isinstance(value, dict):
        return {key: resolve_relative(item, now) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_relative(item, now) for item in value]
    if isinstance(value, str) and value.startswith(("@today", "@now")):
        return _relative(value, now)
    return value


# --- opening -------------------------------------------------------------------


@dataclass
class Opened:
    handle: WorkflowHandle
    created: bool


def operator_policy() -> CasePolicy:
    """The operator's policy file (CASEWORK_POLICY_FILE), read here and sent in the
    case's input, so the case opens in its first moment (no policy to load)."""
    try:
        return read_policy()
    except PolicyFileError as error:
        raise BadInput(str(error)) from None


def _case_start(case: CaseInput) -> dict[str, Any]:
    return {
        "id": case_workflow_id(case.tenancy_ref),
        "static_summary": f"UC case · opened from {case.opening_reason.replace('_', ' ')}",
        "static_details": f"Tenancy reference {case.tenancy_ref}. Personal details are in "
        "the case payload, never in ids or search attributes.",
    }


def _with_policy(case: CaseInput) -> CaseInput:
    return case if case.policy is not None else dataclasses.replace(case, policy=operator_policy())


async def open_case(client: Client, task_queue: str, case: CaseInput) -> Opened:
    """Start the tenancy's case, or reach the one already running."""
    start = _case_start(case)
    try:
        handle = await client.start_workflow(
            UCCase.run, _with_policy(case), task_queue=task_queue, **start
        )
        return Opened(handle, created=True)
    except WorkflowAlreadyStartedError:
        return Opened(client.get_workflow_handle(start["id"]), created=False)


async def open_case_with(
    client: Client,
    task_queue: str,
    case: CaseInput,
    name: str,
    command: Any,
    update_id: str | None = None,
) -> tuple[WorkflowHandle, CommandResult]:
    """Start the tenancy's case (or reach the running one) and deliver its first
    command in the same call (update-with-start): applied in the case's first
    moment, never refused for being early."""
    start = WithStartWorkflowOperation(
        UCCase.run,
        _with_policy(case),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        **_case_start(case),
    )
    result: CommandResult = await client.execute_update_with_start_workflow(
        name, command, start_workflow_operation=start, id=update_id, result_type=CommandResult
    )
    return await start.workflow_handle(), result


async def execute_command(
    handle: WorkflowHandle, name: str, command: Any, update_id: str | None = None
) -> CommandResult:
    """Send one command; the same `update_id` is applied once, in any run of the case."""
    result: CommandResult = await handle.execute_update(
        name, command, id=update_id, result_type=CommandResult
    )
    return result


async def send(
    client: Client, ref: str, name: str, command: Any, request_id: str | None = None
) -> CommandResult:
    handle = client.get_workflow_handle(case_workflow_id(ref))
    return await execute_command(handle, name, command, request_id)


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


def _sample_part(raw: Any, now: datetime, where: str) -> Any:
    try:
        return resolve_relative(raw, now)
    except BadInput as error:
        raise BadInput(f"{where}: {error}") from None


def read_samples(
    path: Path, now: datetime | None = None
) -> list[tuple[CaseInput, list[tuple[str, Any]]]]:
    """Each sample case with its commands, relative dates resolved against `now`."""
    now = now or datetime.now(UTC)
    data = read_json(str(path))
    plans = []
    for i, item in enumerate(data["cases"]):
        where = f"{path} cases[{i}].open"
        today = business_date(now)
        case = parse(CaseInput, _sample_part(item["open"], now, where), where, today)
        commands = []
        for j, c in enumerate(item["commands"]):
            where = f"{path} cases[{i}].commands[{j}]"
            args = _sample_part(c["args"], now, where)
            commands.append((c["update"], parse_command(c["update"], args, where, today)))
        plans.append((case, commands))
    return plans


async def load_samples(
    client: Client, task_queue: str, path: Path = SAMPLES, show_progress: bool = True
) -> tuple[int, int]:
    """Open the bundled cases and replay their commands. Safe to run again: cases
    are reached, not duplicated, and each command carries a fixed update id that
    the server de-duplicates."""
    plans = read_samples(path)
    gate = asyncio.Semaphore(6)
    created = 0

    async def one(case: CaseInput, commands: list[tuple[str, Any]]) -> bool:
        async with gate:
            if not commands:
                return (await open_case(client, task_queue, case)).created
            running = await _running(client.get_workflow_handle(case_workflow_id(case.tenancy_ref)))
            name, command = commands[0]
            handle, _ = await open_case_with(client, task_queue, case, name, command, "sample-0")
            for j, (name, command) in enumerate(commands[1:], start=1):
                await execute_command(handle, name, command, f"sample-{j}")
            return not running

    with Progress(console=err, disable=not show_progress) as progress:
        task = progress.add_task("loading sample cases", total=len(plans))
        for done in asyncio.as_completed([one(c, cmds) for c, cmds in plans]):
            created += await done
            progress.advance(task)
    return created, len(plans) - created


async def _running(handle: WorkflowHandle) -> bool:
    try:
        return (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise


def _one_of(option: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise BadInput(f"{option}: must be one of {', '.join(allowed)}; not {value!r}")


async def download_form(
    client: Client,
    ref: str,
    number: int,
    out_path: str | None,
    pack: bool = False,
    store: Path | None = None,
) -> int:
    """Copy an arrangement's stored PDF (kept once, by content hash, by the worker):
    the form sent to DWP, or with `pack` the APA1 pack kept beside a UC47. Read from
    the form store by the hash the case holds, and checked against it: the path the
    case records is never opened (whoever can write workflow state could point it
    anywhere)."""
    view = await client.get_workflow_handle(case_workflow_id(ref)).query(
        "case_view", result_type=CaseView
    )
    if not 1 <= number <= len(view.arrangements):
        raise BadInput(f"number: case {ref} has {len(view.arrangements)} payment arrangement(s)")
    arrangement = view.arrangements[number - 1]
    field, sha = "form_sha256", arrangement.form_sha256
    if pack:
        field, sha = "pack_sha256", arrangement.pack_sha256
    if not sha:
        what = "APA1 pack" if pack else "form"
        err.print(f"{arrangement.arrangement_id} has no {what} (status {arrangement.status})")
        return 1
    forms = FormStore(store or Settings().data_dir / "forms")
    try:
        stored = forms.read(sha, field)
    except FormNotStored as error:
        return _refused(f"{error} (the form store is on the worker's disk; see --store)")
    except StoredFormRefused as error:
        return _refused(error)
    target = Path(out_path or stored.name)
    write_private(target, stored.content)
    out.print(f"{target} ({sha})")
    return 0


def ipr_publication(database_url: str, year: str, out_dir: str | None) -> list[Path]:
    """Write the year's IPR publication (publication.md and its CSVs) from the read model.
    Needs no Temporal server."""
    missing = BadInput(
        "DATABASE_URL: the database holds no IPR read model; start the worker once "
        "(it migrates the database) or point DATABASE_URL at the worker's database"
    )
    if (
        database_url.startswith("sqlite:///")
        and not Path(database_url.removeprefix("sqlite:///")).exists()
    ):
        raise missing
    engine = make_engine(database_url)
    try:
        if not inspect(engine).has_table(IprRecord.__tablename__):
            raise missing
        try:
            publication = build_publication(engine, year)
        except DomainError as error:
            raise BadInput(f"--year: {error.rule}") from None
    finally:
        engine.dispose()
    return write_publication(publication, Path(out_dir or f"ipr-publication-{year}"))


def list_query(stage: str | None, status: str | None, escalated: bool, extra: str | None) -> str:
    """The visibility query for `list`: running cases, or for status `completed`
    the finished ones (a completed case's workflow has returned)."""
    _one_of("--stage", stage, STAGES)
    _one_of("--status", status, STATUSES)
    parts = ["WorkflowType = 'UCCase'"]
    if status != "completed":
        parts.append("ExecutionStatus = 'Running'")
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


# --- Internal Process Reviews -----------------------------------------------------


def parse_referral(raw: Any, where: str) -> ipr_commands.Referral:
    """A referral checked here as the workflow checks it: its shape, and that the
    referrer is a DWP colleague."""
    referral: ipr_commands.Referral = parse(ipr_commands.Referral, raw, where)
    try:
        check_referral(referral, datetime.now(UTC))
    except DomainError as error:
        raise BadInput(f"{where}: {error}") from None
    return referral


def parse_ipr_command(name: str, raw: Any, where: str) -> Any:
    if name not in ipr_commands.COMMANDS:
        known = ", ".join(ipr_commands.COMMANDS)
        raise BadInput(f"{where}: command {name!r} is unknown; known commands: {known}")
    return parse(ipr_commands.COMMANDS[name], raw, where)


_ACTIVITY_ID = re.compile(r"^ipr-[A-Za-z0-9][A-Za-z0-9-]{2,39}(/[A-Za-z0-9-]{1,64})?-activity-\d+$")


def parse_activity_command(activity_id: str, name: str, raw: Any, where: str) -> Any:
    if not _ACTIVITY_ID.match(activity_id):
        raise BadInput(
            "activity_id: must look like ipr-<reference>/<review scope>-activity-<n> "
            f"(or ipr-<reference>-activity-<n> for an older review; see `ipr-show`), "
            f"not {activity_id!r}"
        )
    if name not in ACTIVITY_COMMANDS:
        known = ", ".join(ACTIVITY_COMMANDS)
        raise BadInput(f"{where}: command {name!r} is unknown; known commands: {known}")
    parse(ACTIVITY_COMMANDS[name], raw, where)
    return raw


async def refer(client: Client, task_queue: str, referral: ipr_commands.Referral) -> Opened:
    """Start the IPR for a referral, or reach the one already running."""
    workflow_id = ipr_workflow_id(referral.reference)
    fields = {f.name: getattr(referral, f.name) for f in dataclasses.fields(referral)}
    # The operator's targets travel in the input: the IPR needs no policy to load.
    opening = IprInput(**{**fields, "policy": operator_policy().ipr})
    try:
        handle = await client.start_workflow(
            IPR.run,
            opening,
            id=workflow_id,
            task_queue=task_queue,
            # One IPR per reference, ever: a review that ran is not started again;
            # one refused at the start (its referral failed a rule) may be referred
            # again, corrected, under the same reference.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            static_summary="Internal Process Review",
            static_details="Personal details are in the payload, never in ids or search "
            "attributes.",
        )
        return Opened(handle, created=True)
    except WorkflowAlreadyStartedError:
        return Opened(client.get_workflow_handle(workflow_id), created=False)


def read_ipr_samples(
    path: Path, now: datetime | None = None
) -> list[tuple[ipr_commands.Referral, list[tuple[str, Any]]]]:
    now = now or datetime.now(UTC)
    plans = []
    for i, item in enumerate(read_json(str(path))["iprs"]):
        where = f"{path} iprs[{i}].referral"
        referral = parse_referral(_sample_part(item["referral"], now, where), where)
        commands = []
        for j, c in enumerate(item["commands"]):
            where = f"{path} iprs[{i}].commands[{j}]"
            args = _sample_part(c["args"], now, where)
            commands.append((c["update"], parse_ipr_command(c["update"], args, where)))
        plans.append((referral, commands))
    return plans


async def load_ipr_samples(
    client: Client, task_queue: str, path: Path = IPR_SAMPLES
) -> tuple[int, int]:
    """Refer the bundled IPRs and replay their commands; safe to run again."""
    created = 0
    plans = read_ipr_samples(path)
    for referral, commands in plans:
        opened = await refer(client, task_queue, referral)
        created += opened.created
        if not opened.created:
            status = (await opened.handle.describe()).status
            if status != WorkflowExecutionStatus.RUNNING:
                continue  # finished: its commands were applied when it ran
        for j, (name, command) in enumerate(commands):
            await execute_command(opened.handle, name, command, f"sample-{j}")
    return created, len(plans) - created


async def run(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.cmd in privacy_cli.COMMANDS:
        return await privacy_cli.run(args, settings)
    if args.cmd == "commands":
        for name, kind in COMMANDS.items():
            fields = ", ".join(f.name for f in dataclasses.fields(kind))
            out.print(f"[bold]{name}[/bold]  ({fields})")
        return 0
    if args.cmd == "simulate":
        # Runs its own time-skipping test server: no Temporal server is needed.
        try:
            scenario = load_scenario(Path(args.file))
        except ScenarioError as error:
            raise BadInput(str(error)) from None
        # The report alone on stdout; logs (ours and Temporal core's) on stderr.
        configure_logging("console", logging.WARNING)
        out.print_json(json.dumps(await simulate(scenario, json_logging_runtime())))
        return 0
    if args.cmd == "ipr-publication":
        # Reads the SQL read model only: no Temporal server is needed.
        try:
            year_bounds(args.year)
        except DomainError as error:
            raise BadInput(f"--year: {error.rule}") from None
        for path in ipr_publication(settings.database_url, args.year, args.out):
            out.print(str(path), highlight=False, markup=False)
        return 0
    # Validate everything local before touching the server.
    check_arguments(args)
    if args.cmd == "open":
        case = parse(CaseInput, read_json(args.source), args.source)
    elif args.cmd == "send":
        command = parse_command(args.command, read_json(args.payload), "payload")
    elif args.cmd == "arrangement":
        command = parse_arrangement_command(
            args.arrangement_id, args.command, read_json(args.payload), "payload"
        )
    elif args.cmd == "ipr-refer":
        referral = parse_referral(read_json(args.source), args.source)
    elif args.cmd == "ipr-send":
        command = parse_ipr_command(args.command, read_json(args.payload), "payload")
    elif args.cmd == "ipr-activity":
        command = parse_activity_command(
            args.activity_id, args.command, read_json(args.payload), "payload"
        )
    elif args.cmd == "import":
        cases, problems = read_csv(Path(args.csv))
        for problem in problems:
            err.print(f"[red]{escape(problem)}[/red]", highlight=False)
        if not cases:  # nothing to open: no need of the server
            out.print(f"0 opened, 0 already open, {len(problems)} bad rows")
            return 2 if problems else 0
    elif args.cmd == "list":
        query = list_query(args.stage, args.status, args.escalated, args.query)
    client = await connect()
    if args.cmd == "open":
        opened = await open_case(client, settings.task_queue, case)
        verb = "opened" if opened.created else "already open: reached the running case"
        out.print(f"{opened.handle.id} {verb}")
    elif args.cmd == "send":
        result = await send(client, args.ref, args.command, command, args.request_id)
        _dump(result)
    elif args.cmd == "arrangement":
        handle = client.get_workflow_handle(args.arrangement_id)
        _dump(await execute_command(handle, args.command, command, args.request_id))
    elif args.cmd == "ipr-refer":
        opened = await refer(client, settings.task_queue, referral)
        if not opened.created:
            status = (await opened.handle.describe()).status
            if status != WorkflowExecutionStatus.RUNNING:
                raise BadInput(
                    f"reference: {referral.reference} was referred before and that review "
                    "has ended; nothing was sent. New information is a new referral, under "
                    "a new reference"
                )
        verb = "referred" if opened.created else "already referred: reached the running IPR"
        out.print(f"{opened.handle.id} {verb}")
    elif args.cmd == "ipr-send":
        handle = client.get_workflow_handle(ipr_workflow_id(args.reference))
        _dump(await execute_command(handle, args.command, command, args.request_id))
    elif args.cmd == "ipr-activity":
        handle = client.get_workflow_handle(args.activity_id)
        _dump(await execute_command(handle, args.command, command, args.request_id))
    elif args.cmd == "ipr-show":
        handle = client.get_workflow_handle(ipr_workflow_id(args.reference))
        if args.journal:
            _dump(await handle.query("journal"))
        else:
            _dump(await handle.query("ipr_view", result_type=IprState))
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
    elif args.cmd == "form":
        store = Path(args.store) if args.store else None
        return await download_form(client, args.ref, args.number, args.out, args.pack, store)
    elif args.cmd == "load-samples":
        created, existing = await load_samples(client, settings.task_queue, Path(args.file))
        out.print(f"{created} sample cases opened, {existing} already open")
        if args.iprs:
            created, existing = await load_ipr_samples(client, settings.task_queue, Path(args.iprs))
            out.print(f"{created} sample IPRs referred, {existing} already referred")
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
    ar = sub.add_parser(
        "arrangement", help="send DWP's outcome or the claimant's objection to an arrangement"
    )
    ar.add_argument("arrangement_id", help="e.g. uc-apa-HA-100231-1 (see `show`)")
    ar.add_argument("command", help=f"one of {', '.join(ARRANGEMENT_COMMANDS)}")
    ar.add_argument("payload", help="JSON: a file, - for stdin, or inline")
    ar.add_argument("--request-id", help="idempotency key: the same id is applied once")
    ir = sub.add_parser("ipr-refer", help="refer an IPR from JSON (a file, - or inline)")
    ir.add_argument("source")
    isd = sub.add_parser("ipr-send", help="send a command (an update) to an IPR")
    isd.add_argument("reference", help="the IPR reference")
    isd.add_argument("command", help=f"one of {', '.join(ipr_commands.COMMANDS)}")
    isd.add_argument("payload", help="JSON: a file, - for stdin, or inline")
    isd.add_argument("--request-id", help="idempotency key: the same id is applied once")
    ia = sub.add_parser("ipr-activity", help="record the owner's assurance on an agreed activity")
    ia.add_argument("activity_id", help="e.g. ipr-IPR-2026-0001-activity-1")
    ia.add_argument("command", help=f"one of {', '.join(ACTIVITY_COMMANDS)}")
    ia.add_argument("payload", help="JSON: a file, - for stdin, or inline")
    ia.add_argument("--request-id", help="idempotency key: the same id is applied once")
    ish = sub.add_parser("ipr-show", help="show an IPR as JSON")
    ish.add_argument("reference")
    ish.add_argument("--journal", action="store_true", help="the journal instead of the view")
    sh = sub.add_parser("show", help="show a case as JSON")
    sh.add_argument("ref")
    sh.add_argument("--journal", action="store_true", help="the journal instead of the view")
    ls = sub.add_parser(
        "list", help="list running cases, or completed ones with --status completed"
    )
    ls.add_argument("--stage", help=f"one of {', '.join(STAGES)}")
    ls.add_argument("--status", help=f"one of {', '.join(STATUSES)}")
    ls.add_argument("--escalated", action="store_true")
    ls.add_argument("--query", help="extra visibility query, ANDed")
    im = sub.add_parser("import", help="bulk-open cases from CSV")
    im.add_argument("csv")
    ld = sub.add_parser("load-samples", help="open the bundled sample cases")
    ld.add_argument("file", nargs="?", default=str(SAMPLES))
    ld.add_argument(
        "--iprs", default=str(IPR_SAMPLES), help="sample IPRs to refer too ('' for none)"
    )
    sub.add_parser("commands", help="list the update names and their fields")
    fm = sub.add_parser("form", help="download the form a payment arrangement submitted")
    fm.add_argument("ref", help="tenancy reference")
    fm.add_argument("number", type=int, nargs="?", default=1, help="the arrangement (1, 2, ...)")
    fm.add_argument("--out", help="where to write the PDF (default: ./<form file name>)")
    fm.add_argument(
        "--pack", action="store_true", help="the APA1 pack kept beside a UC47, not the UC47"
    )
    fm.add_argument(
        "--store", help="the worker's form store (default: $CASEWORK_DATA_DIR/forms, .data/forms)"
    )
    sm = sub.add_parser("simulate", help="play a migration scenario (YAML/JSON) and print JSON")
    sm.add_argument("file")
    ip = sub.add_parser(
        "ipr-publication",
        help="write the annual IPR publication (Markdown and CSV) from the read model",
    )
    ip.add_argument("--year", required=True, help="reporting year, April to March: e.g. 2021-22")
    ip.add_argument("--out", help="folder to write into (default: ./ipr-publication-<year>)")
    privacy_cli.add_parsers(sub)
    return p


def _refused(message: object) -> int:
    err.print(f"[red]refused[/red]: {escape(str(message))}", highlight=False)
    return 1


def _target(args: argparse.Namespace) -> tuple[str, str] | None:
    """What the command addressed: (what, workflow id), or None."""
    if args.cmd in ("send", "show", "form"):
        return "case", case_workflow_id(args.ref)
    if args.cmd in ("ipr-send", "ipr-show"):
        return "IPR", ipr_workflow_id(args.reference)
    if args.cmd == "arrangement":
        return "payment arrangement", args.arrangement_id
    if args.cmd == "ipr-activity":
        return "agreed activity", args.activity_id
    return None


_CLOSED = {
    WorkflowExecutionStatus.COMPLETED: "completed",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.TERMINATED: "terminated",
    WorkflowExecutionStatus.CANCELED: "cancelled",
    WorkflowExecutionStatus.TIMED_OUT: "timed out",
}


async def _closed_as(workflow_id: str) -> str:
    """How a workflow the server calls completed ended: completed, failed, terminated..."""
    try:
        status = (await (await connect()).get_workflow_handle(workflow_id).describe()).status
    except Exception:  # only to word the message: the refusal stands either way
        return "ended"
    return _CLOSED.get(status, "ended") if status is not None else "ended"


def _not_found(args: argparse.Namespace, error: RPCError) -> int:
    target = _target(args)
    if target is not None and "already completed" in error.message:
        # A command to a workflow that has finished: say so, not "not found".
        what, workflow_id = target
        closed = asyncio.run(_closed_as(workflow_id))
        err.print(
            f"[red]{closed}[/red]: {what} {workflow_id} has {closed} and takes no more "
            "commands; nothing was applied (workflow execution already completed)",
            highlight=False,
        )
        return 1
    ref = getattr(args, "ref", None)
    reference = getattr(args, "reference", None)
    what = f"no case {case_workflow_id(ref)} on the server" if ref else error.message
    if reference:
        what = f"no IPR {ipr_workflow_id(reference)} on the server"
    err.print(f"[red]not found[/red]: {what}", highlight=False)
    return 1


# Exit statuses (the module docstring and README say what each means).
DONE, REFUSED, BAD_INPUT, NO_ANSWER, INTERNAL_ERROR = 0, 1, 2, 3, 4
_NO_ANSWER = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)  # what this writes (forms, publications, databases) is its owner's only
    args = parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except (BadInput, privacy_cli.PrivacyBadInput, KeyRingError) as error:
        err.print(f"[red]bad input[/red]\n{escape(str(error))}", highlight=False)
        return BAD_INPUT
    except SubjectErased as error:
        err.print(f"[red]erased[/red]: {error}", highlight=False)
        return REFUSED
    except WorkflowUpdateFailedError as error:
        return _refused(getattr(error.cause, "message", error.cause))
    except WorkflowQueryFailedError as error:
        return _refused(error.message)
    except (WorkflowUpdateRPCTimeoutOrCancelledError, RPCTimeoutOrCancelledError):
        return _no_answer("no answer in time")
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return _not_found(args, error)
        if error.status in _NO_ANSWER:
            return _no_answer(error.message)
        if error.status == RPCStatusCode.INVALID_ARGUMENT and args.cmd == "list":
            err.print(f"[red]bad input[/red]\n--query: {error.message}", highlight=False)
            return BAD_INPUT
        return _refused(f"the server refused it ({error.status.name}): {error.message}")
    except RuntimeError as error:
        if "Failed client connect" not in str(error):
            raise
        err.print(f"[red]cannot reach Temporal[/red]: {escape(str(error))}", highlight=False)
        return NO_ANSWER


def _no_answer(why: str) -> int:
    err.print(
        f"[red]no answer from Temporal[/red]: {why}; the command may or may not have been "
        "applied: send it again with the same --request-id",
        highlight=False,
    )
    return NO_ANSWER


def _exit(code: int) -> NoReturn:
    """Leave without finalizing the interpreter, once everything is written.

    Temporal's core runs its own threads, which resolve each RPC's Python future from
    outside the interpreter's threads. When a command ends at once after its last
    RPC, such a thread can still be inside Python (waking the event loop) while the
    main thread already finalizes the interpreter; the thread is then killed, and
    CPython aborts with "PyGILState_Release: thread state must be current when
    releasing" (exit 134, or a segfault): after the command had succeeded. Skipping
    finalization leaves no interpreter to tear down under it."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to say
            stream.flush()
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    try:
        status = main()
    except SystemExit as done:  # argparse: --help, or a usage error (2)
        status = done.code if isinstance(done.code, int) else 0 if done.code is None else 2
    except KeyboardInterrupt:
        status = 130
    except BaseException:  # a bug, not bad input: show it to whoever reports it
        traceback.print_exc()
        status = INTERNAL_ERROR
    _exit(status)
