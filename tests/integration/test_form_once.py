"""Killing the worker while a form is being generated never produces two forms."""

import os
import signal
import sys
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.db import FileEntryRecord
from backoffice.cases import open_case
from domain.arrangements.lifecycle import ArrangementState
from domain.case import commands as c
from tests.factories import opening
from tests.helpers import arrangement_id, eventually
from tests.integration.conftest import Processes


async def test_a_worker_killed_while_generating_a_form_leaves_exactly_one(
    dev_env: WorkflowEnvironment,
    processes: Processes,
    tmp_path: Path,
    database_url: str,
    engine: Engine,
) -> None:
    queue = f"forms-{uuid.uuid4()}"
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        # The session's read model: it holds the data keys the client sealed with.
        "DATABASE_URL": database_url,
        "CASEWORK_TASK_QUEUE": queue,
        "CASEWORK_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    log = tmp_path / "workers.log"
    slow = await processes.start(
        sys.executable, "tests/integration/slow_form_worker.py", env=env, log=log
    )
    ref = f"K-{uuid.uuid4().hex[:8]}"
    case = (await open_case(dev_env.client, queue, opening(ref, balance=Decimal("1200")))).handle
    await case.execute_update(
        "request_payment_arrangement", c.RequestPaymentArrangement(by="o", kind="mptl")
    )

    def stored(pattern: str, owner: str) -> int:
        """Entries in the shared file store (the session's read model)."""
        query = select(func.count()).where(
            FileEntryRecord.name.like(pattern), FileEntryRecord.owner.like(owner)
        )
        with Session(engine) as session:
            return int(session.scalar(query) or 0)

    async def pdfs() -> int:
        return stored("UC47-%.pdf", f"uc-case-{ref}/%")

    await eventually(pdfs, lambda found: found == 1, attempts=600, delay=0.1)
    # Asked while a worker still answers queries: once it is killed, a query waits for
    # the new worker, and the server may cancel it before that worker polls.
    arrangement = dev_env.client.get_workflow_handle(await arrangement_id(case))
    slow.send_signal(signal.SIGKILL)  # mid-activity: the form is written, not reported
    await slow.wait()
    await processes.start(sys.executable, "worker.py", env=env, log=log)

    async def status() -> str:
        try:
            state = await arrangement.query("arrangement_view", result_type=ArrangementState)
        except RPCError as error:  # no worker polling yet: ask again
            return f"unanswered ({error.message})"
        return state.status

    # The activity times out (20 s) and is retried on the new worker.
    await eventually(status, lambda s: s == "submitted", attempts=600, delay=0.1)
    assert await pdfs() == 1
    assert stored("UC47-%.json", f"uc-case-{ref}/%") == 1
    assert stored("receipt.json", f"uc-apa-{ref}%") == 1
    assert not (tmp_path / "forms").exists() and not (tmp_path / "outbox").exists()
