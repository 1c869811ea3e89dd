"""The worker serves the SDK's metrics and the engine's own for Prometheus
(docs/metrics.md): a case opened, a command refused, an escalation at once and a
deadline missed show up, with their values, at /metrics."""

import asyncio
import re
import socket
import urllib.request
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from domain.case import commands as c
from domain.case.view import CaseView
from domain.dates import business_date
from infra import metrics
from infra.config import Settings, json_logging_runtime, worker_runtime
from tests.factories import opening
from tests.helpers import eventually
from tests.workflows.test_ipr import FULL_NAME, _referral
from worker import build_worker
from workflows.ipr import IPR, ipr_workflow_id
from workflows.uc_case import UCCase, case_workflow_id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return str(response.read().decode())


def _value(text: str, name: str, **labels: str) -> float:
    """The sample of `name` whose labels include `labels` (0 when there is none)."""
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match is None:
            continue
        held = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        if all(held.get(k) == v for k, v in labels.items()):
            return float(match.group(2))
    return 0.0


async def test_a_scrape_shows_sdk_and_domain_metrics(
    ts_env: WorkflowEnvironment, converter: DataConverter, engine: Engine, tmp_path: object
) -> None:
    port = _free_port()
    runtime = json_logging_runtime(f"127.0.0.1:{port}")
    client = await Client.connect(
        ts_env.client.service_client.config.target_host,
        namespace=ts_env.client.namespace,
        data_converter=converter,
        runtime=runtime,
    )
    task_queue = f"metrics-{uuid.uuid4()}"
    ref = f"MX-{uuid.uuid4().hex[:8]}"
    async with build_worker(client, task_queue, engine, files=tmp_path):  # type: ignore[arg-type]
        handle = await client.start_workflow(
            UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=task_queue
        )
        # Refused: a Six-Point Plan step on a case with no plan.
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                "complete_plan_step", c.CompletePlanStep(by="o", step="not-a-step")
            )
        # Escalated at once: a safeguarding declaration.
        await handle.execute_update(
            "record_safeguarding_declaration",
            c.RecordSafeguardingDeclaration(by="o", kind="suicidal_intent"),
        )
        # A call-back that nobody makes: its due time passes, the clock escalates it.
        view = await handle.query("case_view", result_type=CaseView)
        due = view.opened_at + timedelta(days=1)
        await handle.execute_update(
            "request_call_back",
            c.RequestCallBack(by="o", due_at=due.isoformat(), reason="arrears"),  # type: ignore[arg-type]
        )
        # An IPR whose screening target (10 days) passes unscreened.
        ipr_ref = f"IPR-{uuid.uuid4().hex[:10]}"
        today = business_date(await ts_env.get_current_time())
        ipr = await client.start_workflow(
            IPR.run,
            _referral(ipr_ref, today),
            id=ipr_workflow_id(ipr_ref),
            task_queue=task_queue,
        )
        await ts_env.sleep(timedelta(days=12))

        def scraped() -> str:
            return _scrape(port)

        async def probe() -> str:
            return await asyncio.to_thread(scraped)

        # SDK metrics (worker polls, workflow tasks) and the engine's own.
        text = await eventually(
            probe,
            lambda t: (
                _value(t, metrics.DEADLINES_MISSED, kind="call_back") >= 1
                and _value(t, metrics.DEADLINES_MISSED, kind="ipr_screening") >= 1
            ),
            attempts=300,
            delay=0.1,
        )
        await handle.terminate("test over")

        # The IPR is left running, idle (its target passed, no timer left): once its
        # projection has finished, nothing of it waits for this worker.
        async def pending() -> int:
            return len((await ipr.describe()).raw_description.pending_activities)

        await eventually(pending, lambda n: n == 0, attempts=300, delay=0.1)
    sdk = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    assert {
        "temporal_workflow_task_execution_latency",
        "temporal_activity_execution_latency",
        "temporal_worker_task_slots_available",
        "temporal_request",
    } <= sdk
    assert _value(text, "temporal_worker_start") >= 1
    uc = {"workflow_type": "UCCase"}
    assert _value(text, metrics.CASES_OPENED, **uc) == 1
    refused = _value(text, metrics.COMMANDS_REFUSED, command="complete_plan_step", **uc)
    assert refused == 1
    assert _value(text, metrics.ESCALATIONS_RAISED, kind=metrics.SIX_POINT_PLAN, **uc) == 1
    assert _value(text, metrics.ESCALATIONS_RAISED, kind="call_back", **uc) == 1
    assert _value(text, metrics.DEADLINES_MISSED, kind="call_back", **uc) == 1
    # Raised at once, not missed.
    assert _value(text, metrics.DEADLINES_MISSED, kind=metrics.SIX_POINT_PLAN, **uc) == 0
    ipr = {"workflow_type": "IPR", "kind": "ipr_screening"}
    assert _value(text, metrics.DEADLINES_MISSED, **ipr) == 1
    assert _value(text, metrics.ESCALATIONS_RAISED, **ipr) == 1
    assert re.search(rf"^{metrics.PROJECTION_LAG}\{{", text, re.M)
    # No personal data in any label: the test resident's name, NI number, reference.
    for personal in ("Testperson", "AB123456C", ref, ipr_ref, FULL_NAME):
        assert personal not in text


def test_the_metrics_port_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEWORK_METRICS_PORT", raising=False)
    assert Settings().metrics_address == "127.0.0.1:9464"
    for off in ("0", ""):
        monkeypatch.setenv("CASEWORK_METRICS_PORT", off)
        assert Settings().metrics_address is None
    monkeypatch.setenv("CASEWORK_METRICS_PORT", "nine")
    with pytest.raises(ValueError, match="CASEWORK_METRICS_PORT"):
        Settings()


def test_a_taken_port_leaves_the_worker_running_without_metrics(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("CASEWORK_METRICS_PORT", str(taken.getsockname()[1]))
        runtime = worker_runtime(Settings())
    assert runtime is not None
    assert "metrics not served" in caplog.text and "CASEWORK_METRICS_PORT" in caplog.text
