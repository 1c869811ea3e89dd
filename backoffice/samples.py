"""`starter.py load-samples` (and `make demo`): open the bundled sample cases and refer
the sample IPRs, replaying their commands; safe to run again.

In a samples file, a string "@today+N" or "@today-N" stands for the date N days
from today, and "@now+Nd", "@now+Nh" (or -) for the UTC time N days or hours from
now, so the bundled call-backs stay in the future and deaths in the past."""

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.progress import Progress
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from backoffice.cases import execute_command, open_case, open_case_with, parse_command
from backoffice.inputs import parse, read_json, sample_part
from backoffice.iprs import parse_ipr_command, parse_referral, refer
from backoffice.render import err, out
from domain.dates import business_date
from domain.ipr import commands as ipr_commands
from infra.config import ROOT, Settings, connect
from workflows.contracts import CaseInput
from workflows.ids import case_workflow_id

SAMPLES = ROOT / "samples" / "cases.json"
IPR_SAMPLES = ROOT / "samples" / "iprs.json"
# Reviews completed in 2024-25, before the engine: recorded as `ipr-import` does, so
# `ipr-publication --year 2024-25` has a past year to publish (docs/ipr-publication.md).
PAST_IPR_SAMPLES = ROOT / "samples" / "past_iprs.json"
PAST_IPR_YEAR = "2024-25"


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
        case = parse(CaseInput, sample_part(item["open"], now, where), where, today)
        commands = []
        for j, c in enumerate(item["commands"]):
            where = f"{path} cases[{i}].commands[{j}]"
            args = sample_part(c["args"], now, where)
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


def read_ipr_samples(
    path: Path, now: datetime | None = None
) -> list[tuple[ipr_commands.Referral, list[tuple[str, Any]]]]:
    now = now or datetime.now(UTC)
    plans = []
    for i, item in enumerate(read_json(str(path))["iprs"]):
        where = f"{path} iprs[{i}].referral"
        referral = parse_referral(sample_part(item["referral"], now, where), where)
        commands = []
        for j, c in enumerate(item["commands"]):
            where = f"{path} iprs[{i}].commands[{j}]"
            args = sample_part(c["args"], now, where)
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


async def run_load_samples(args: argparse.Namespace) -> int:
    task_queue = Settings().task_queue
    client = await connect()
    created, existing = await load_samples(client, task_queue, Path(args.file))
    out.print(f"{created} sample cases opened, {existing} already open")
    if args.iprs:
        created, existing = await load_ipr_samples(client, task_queue, Path(args.iprs))
        out.print(f"{created} sample IPRs referred, {existing} already referred")
    return 0
