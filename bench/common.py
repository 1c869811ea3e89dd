"""What the bench commands share: one dev server started by the bench, the matched
bare workflow, the standard lifecycle, process memory from /proc, and the ratio table.

A bare workflow has no domain code: it accepts the same updates as the real one
(any name, any payload), runs one trivial activity per update, and arms the timers it
is told to (the same number and delays as the real workflow armed). Every figure is
taken against it on the same server in the same run, because the machine (2 cores,
shared with others) moves absolute figures by tens of percent from run to run.
"""

import asyncio
import dataclasses
import logging
import os
import statistics
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.bare import BareCase, BareInput, bare_activity

# --- the server ---------------------------------------------------------------------


async def start_server(db_file: Path | None = None, **options: Any) -> WorkflowEnvironment:
    """The dev server (the installed binary, never a download) with every search
    attribute the workflows upsert; in memory unless `db_file` is given."""
    from tools.devserver import binary
    from workflows.search_attributes import ALL_KEYS

    extra = ["--db-filename", str(db_file)] if db_file else []
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        search_attributes=ALL_KEYS,
        ui=False,
        dev_server_log_level="error",
        dev_server_extra_args=extra,
        data_converter=pydantic_data_converter,
        **options,
    )


def child_pids(name: str) -> list[int]:
    """Processes started by this one whose command is `name` (the dev server)."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == me and comm == name:
            found.append(int(entry))
    return found


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size from /proc (psutil is not installed here)."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


# --- the bare workflow ----------------------------------------------------------------


def bare_worker(client: Client, task_queue: str, **options: Any) -> Worker:
    """Configured as worker.build_worker is (same activity thread pool)."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[BareCase],
        activities=[bare_activity],
        activity_executor=ThreadPoolExecutor(max_workers=8),
        **options,
    )


async def open_bare(
    client: Client, task_queue: str, wid: str, spec: BareInput, first: tuple[str, Any]
) -> WorkflowHandle:
    """Opened as the real case is: update-with-start carrying the first command."""
    start = WithStartWorkflowOperation(
        BareCase.run,
        spec,
        id=wid,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    await client.execute_update_with_start_workflow(
        first[0], first[1], start_workflow_operation=start
    )
    return await start.workflow_handle()


# --- the real case --------------------------------------------------------------------


def opening(ref: str) -> Any:
    """A case input as starter.py sends it: with the operator's policy, so the case
    opens in its first workflow task (no policy to load)."""
    from activities.policy import read_policy
    from domain.case.model import Rent, Resident, Tenancy
    from workflows.contracts import CaseInput

    case = CaseInput(
        tenancy_ref=ref,
        opening_reason="arrears_trigger",
        opened_by="officer-17",
        resident=Resident(
            full_name="Morgan Benchperson", date_of_birth=date(1980, 4, 2), ni_number="AB123456C"
        ),
        tenancy=Tenancy(address="12 Example Road, Testtown", start_date=date(2019, 6, 3)),
        rent=Rent(amount=Decimal("100.00"), frequency="weekly"),
        balance=Decimal("250.00"),
    )
    return dataclasses.replace(case, policy=read_policy())


async def open_case(
    client: Client, task_queue: str, ref: str, first: tuple[str, Any]
) -> WorkflowHandle:
    """backoffice.cases.open_case_with, repeated here so the bench does not import the whole
    back office: update-with-start, policy in the input, id conflict USE_EXISTING."""
    from workflows.uc_case import UCCase, case_workflow_id

    start = WithStartWorkflowOperation(
        UCCase.run,
        opening(ref),
        id=case_workflow_id(ref),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary="UC case · opened from arrears trigger",
    )
    await client.execute_update_with_start_workflow(
        first[0], first[1], start_workflow_operation=start
    )
    return await start.workflow_handle()


def standard_commands() -> list[tuple[str, Any]]:
    """The standard lifecycle's commands, the first sent with the start: claim status,
    two journal notes, closure (the closure arms the six-month watch timer)."""
    from domain.case import commands as c

    return [
        (
            "record_claim_status",
            c.RecordClaimStatus(
                by="o",
                claim_stage="in_payment",
                first_ap_start=date(2026, 1, 30),
                housing_element=Decimal("420.00"),
                conditionality_regime="work_preparation",
            ),
        ),
        ("add_journal_note", c.AddJournalNote(by="o", text="rang about the arrears")),
        ("add_journal_note", c.AddJournalNote(by="o", text="agreed to pay £10 a week")),
        ("close_case", c.CloseCase(by="o", outcome="stable_arrears_clearing")),
    ]


def call_back(due_at: datetime) -> tuple[str, Any]:
    from domain.case import commands as c

    return ("request_call_back", c.RequestCallBack(by="o", due_at=due_at, reason="arrears"))


# --- the real IPR (--workflow ipr) ---------------------------------------------------


async def ipr_lifecycle(client: Client, task_queue: str, ref: str) -> WorkflowHandle:
    """An IPR as `starter.py refer` starts it (the operator's targets in the input),
    screened in, an investigator assigned and evidence recorded: open, with its
    investigation target's timer armed, until no projection is pending."""
    from activities.policy import read_policy
    from workflows.ipr import IPR, ipr_workflow_id

    referral = {
        "reference": ref,
        "referrer": {"name": "Pat Colleague", "role": "Case manager", "email": "p@dwp.gov.uk"},
        "received_on": str(now().date()),
        "customer": {"full_name": "Sam Example"},
        "summary": "Sam Example died; the family says deductions left no money.",
        "service_lines": ["UC", "PIP"],
        "policy": read_policy().ipr,
    }
    handle = await client.start_workflow(
        IPR.run, referral, id=ipr_workflow_id(ref), task_queue=task_queue
    )
    for name, command in (
        ("record_screening", {"by": "s", "allegation": True, "harm": "death"}),
        ("assign_investigator", {"by": "s", "investigator": "inv"}),
        ("record_evidence", {"by": "inv", "service_line": "UC", "description": "journal read"}),
    ):
        await handle.execute_update(name, command)
    await settle(handle)
    return handle


@asynccontextmanager
async def real_worker(client: Client, task_queue: str, tmp: Path, **options: Any) -> Any:
    """worker.build_worker over a fresh SQLite read model in `tmp`."""
    from activities.db import make_engine, migrate
    from worker import build_worker

    url = f"sqlite:///{tmp}/bench-{uuid.uuid4().hex[:6]}.db"
    migrate(url)
    engine = make_engine(url)
    try:
        async with build_worker(client, task_queue, engine, files=tmp, **options) as w:
            yield w
    finally:
        engine.dispose()


async def settle(handle: WorkflowHandle, timeout: float = 30.0) -> None:
    """Until the workflow has no pending activity (its projection is done)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        desc = await handle.describe()
        if not desc.raw_description.pending_activities:
            return
        await asyncio.sleep(0.05)


async def gather_limited(n: int, conc: int, make: Any) -> list[Any]:
    sem = asyncio.Semaphore(conc)

    async def one(i: int) -> Any:
        async with sem:
            return await make(i)

    return await asyncio.gather(*(one(i) for i in range(n)))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def now() -> datetime:
    return datetime.now(UTC)


def quiet() -> None:
    """The project's logging at WARNING (projections log each batch at INFO)."""
    from infra.logs import configure_logging

    configure_logging("console", logging.WARNING)


# --- printing -------------------------------------------------------------------------


def spread(values: Sequence[float]) -> str:
    return (
        f"min {min(values):.2f}x  median {statistics.median(values):.2f}x  max {max(values):.2f}x"
    )


def figure(values: Sequence[float], unit: str, fmt: str = ".1f") -> str:
    return (
        f"{statistics.median(values):{fmt}} {unit} (min {min(values):{fmt}}, "
        f"max {max(values):{fmt}})"
    )


def print_ratio(
    title: str, real: Sequence[float], bare: Sequence[float], unit: str, fmt: str = ".1f"
) -> list[float]:
    """Raw figures for both, and real/bare per round (min/median/max)."""
    ratios = [r / b for r, b in zip(real, bare, strict=True)]
    print(f"  {title}")
    print(f"    real  {figure(real, unit, fmt)}   rounds: {', '.join(f'{x:{fmt}}' for x in real)}")
    print(f"    bare  {figure(bare, unit, fmt)}   rounds: {', '.join(f'{x:{fmt}}' for x in bare)}")
    print(f"    real/bare  {spread(ratios)}")
    return ratios


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next(
        int(x.split()[1])
        for x in Path("/proc/meminfo").read_text().splitlines()
        if x.startswith("MemTotal")
    )
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.0f} GiB RAM; "
        f"load average {load[0]:.1f} at the start (the machine is shared: figures are noisy)"
    )


def timers_of(history: Any) -> list[float]:
    """The delays (seconds) of the timers a history started: the bare workflow arms
    as many, as long."""
    return [
        e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()
        for e in history.events
        if e.HasField("timer_started_event_attributes")
    ]
