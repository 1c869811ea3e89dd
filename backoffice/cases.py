"""UC cases from the back office: open one, send it a command (or one to a payment
arrangement), show it, list cases, and the update names (`commands`)."""

import argparse
import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.policy import PolicyFileError, read_policy
from backoffice.inputs import BadInput, one_of, parse, read_json
from backoffice.render import case_table, dump, out
from domain.case.commands import COMMANDS
from domain.case.model import Stage, Status
from domain.policy import CasePolicy
from infra.config import Settings, connect
from workflows.contracts import CaseInput, CommandResult
from workflows.ids import case_workflow_id

STAGES: tuple[str, ...] = get_args(Stage)
STATUSES: tuple[str, ...] = get_args(Status)


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
    from workflows.uc_case import UCCase

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
    from workflows.uc_case import UCCase

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


def parse_command(name: str, raw: Any, where: str, today: date | None = None) -> Any:
    if name not in COMMANDS:
        raise BadInput(
            f"{where}: command {name!r} is unknown; known commands: {', '.join(COMMANDS)}"
        )
    return parse(COMMANDS[name], raw, where, today)


# Per case since 2026-12-02 (workflows/ids.py): uc-apa-<ref>/<case scope>-<n>.
_ARRANGEMENT_ID = re.compile(r"^uc-apa-[A-Za-z0-9][A-Za-z0-9-]{2,39}(/[A-Za-z0-9-]{1,64})?-\d+$")


def parse_arrangement_command(arrangement_id: str, name: str, raw: Any, where: str) -> Any:
    """A command for a PaymentArrangement child (DWP's outcome, the claimant's
    objection), checked here so bad input never reaches the server."""
    from workflows.payment_arrangement import COMMANDS as ARRANGEMENT_COMMANDS

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


def list_query(stage: str | None, status: str | None, escalated: bool, extra: str | None) -> str:
    """The visibility query for `list`: running cases, or for status `completed`
    the finished ones (a completed case's workflow has returned)."""
    one_of("--stage", stage, STAGES)
    one_of("--status", status, STATUSES)
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


# --- the commands -----------------------------------------------------------------


async def run_open(args: argparse.Namespace) -> int:
    case = parse(CaseInput, read_json(args.source), args.source)
    client = await connect()
    opened = await open_case(client, Settings().task_queue, case)
    verb = "opened" if opened.created else "already open: reached the running case"
    out.print(f"{opened.handle.id} {verb}")
    return 0


async def run_send(args: argparse.Namespace) -> int:
    command = parse_command(args.command, read_json(args.payload), "payload")
    client = await connect()
    dump(await send(client, args.ref, args.command, command, args.request_id))
    return 0


async def run_arrangement(args: argparse.Namespace) -> int:
    command = parse_arrangement_command(
        args.arrangement_id, args.command, read_json(args.payload), "payload"
    )
    handle = (await connect()).get_workflow_handle(args.arrangement_id)
    dump(await execute_command(handle, args.command, command, args.request_id))
    return 0


async def run_list(args: argparse.Namespace) -> int:
    from workflows.search_attributes import as_dict

    query = list_query(args.stage, args.status, args.escalated, args.query)
    client = await connect()
    rows = []
    async for wf in client.list_workflows(query):
        rows.append({"id": wf.id, **as_dict(wf.typed_search_attributes)})
    if args.json:
        # One JSON array: each case's id and its search attributes (no personal data).
        dump(rows)
    else:
        case_table(rows)
    return 0


async def run_commands(args: argparse.Namespace) -> int:
    for name, kind in COMMANDS.items():
        fields = ", ".join(f.name for f in dataclasses.fields(kind))
        out.print(f"[bold]{name}[/bold]  ({fields})")
    return 0
