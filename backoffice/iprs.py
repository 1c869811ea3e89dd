"""Internal Process Reviews from the back office: refer one, send it a command (or one
to an agreed activity), show it."""

import argparse
import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from backoffice.cases import Opened, execute_command, operator_policy
from backoffice.inputs import BadInput, parse, read_json
from backoffice.render import dump, out
from domain.errors import DomainError
from domain.ipr import commands as ipr_commands
from domain.ipr.decide import check_referral
from infra.config import Settings, connect
from workflows.contracts import IprInput
from workflows.ids import ipr_workflow_id


def parse_referral(raw: Any, where: str) -> ipr_commands.Referral:
    """A referral checked here as the workflow checks it: its shape, and that the
    referrer is a DWP colleague."""
    referral: ipr_commands.Referral = parse(ipr_commands.Referral, raw, where)
    if referral.imported:
        raise BadInput(
            f"{where}: imported: only `ipr-import` records a review completed before the "
            "engine (docs/ipr-publication.md); a referral today watches its targets"
        )
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
    from workflows.agreed_activity import COMMANDS as ACTIVITY_COMMANDS

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
    from workflows.ipr import IPR

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


# --- the commands -----------------------------------------------------------------


async def run_refer(args: argparse.Namespace) -> int:
    referral = parse_referral(read_json(args.source), args.source)
    client = await connect()
    opened = await refer(client, Settings().task_queue, referral)
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
    return 0


async def run_send(args: argparse.Namespace) -> int:
    command = parse_ipr_command(args.command, read_json(args.payload), "payload")
    handle = (await connect()).get_workflow_handle(ipr_workflow_id(args.reference))
    dump(await execute_command(handle, args.command, command, args.request_id))
    return 0


async def run_activity(args: argparse.Namespace) -> int:
    command = parse_activity_command(
        args.activity_id, args.command, read_json(args.payload), "payload"
    )
    handle = (await connect()).get_workflow_handle(args.activity_id)
    dump(await execute_command(handle, args.command, command, args.request_id))
    return 0
