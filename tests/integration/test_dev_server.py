"""Against the real Temporal dev server and a real SQLite file."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.db import CaseRecord, JournalRecord
from backoffice.cases import list_query, open_case
from domain.case import commands as c
from domain.case.view import CaseView
from infra import tokens
from infra.keystore import KeyStore
from tests.codec_server import codec_server
from tests.factories import claim_status, opening
from tests.helpers import eventually, settled_history_length
from tools.devserver import binary
from workflows.search_attributes import as_dict
from workflows.uc_case import case_workflow_id


def _ref() -> str:
    return f"IT-{uuid.uuid4().hex[:10]}"


async def test_case_is_searchable_by_stage_and_projected_to_sql(
    dev_env: WorkflowEnvironment, dev_worker: str, engine: Engine
) -> None:
    client = dev_env.client
    ref = _ref()
    handle = (await open_case(client, dev_worker, opening(ref))).handle
    await handle.execute_update(
        "record_claim_status",
        claim_status(
            "2026-02-28",
            by="officer-2",
            housing_element=Decimal("410.00"),
            conditionality_regime="all_work_requirements",
        ),
    )
    await handle.execute_update(
        "record_vulnerability_assessment",
        c.RecordVulnerabilityAssessment(by="officer-2", factors=("no_bank_account",)),
    )
    await handle.execute_update(
        "record_rent_movement",
        c.RecordRentMovement(
            by="officer-2", kind="charge", amount=Decimal("700.00"), on="2026-03-02"
        ),
    )

    query = list_query(
        "vulnerability_assessment",
        "open",
        False,
        f"WorkflowId = '{handle.id}' AND ArrearsBand = '2_to_3_months'",
    )
    found = await eventually(lambda: _ids(client, query), lambda ids: ids == [handle.id])
    assert found == [handle.id]
    described = await handle.describe()
    attrs = as_dict(described.typed_search_attributes)
    assert attrs["VulnerabilityTier"] == "tier_2"
    assert attrs["ArrearsBand"] == "2_to_3_months"  # £950 against £433.33 a month
    assert attrs["Escalated"] is False
    # Nothing identifying the resident is in any search attribute.
    for value in attrs.values():
        assert "Testperson" not in str(value) and "AB123456C" not in str(value)

    def row() -> CaseRecord | None:
        with Session(engine) as s:
            return s.scalars(
                select(CaseRecord).where(CaseRecord.workflow_id == handle.id)
            ).one_or_none()

    async def projected() -> CaseRecord | None:
        return row()

    case = await eventually(projected, lambda r: r is not None and r.version == 4)
    assert case is not None
    assert case.stage == "vulnerability_assessment" and case.balance == Decimal("950.00")
    with Session(engine) as s:
        journal = s.scalars(
            select(JournalRecord)
            .where(JournalRecord.case_id.startswith(f"{handle.id}/"))
            .order_by(JournalRecord.seq)
        ).all()
    assert [j.seq for j in journal] == [1, 2, 3, 4]
    assert [j.kind for j in journal] == [
        "case_opened",
        "claim_status",
        "vulnerability_assessment",
        "rent_account",
    ]


async def _ids(client: Client, query: str) -> list[str]:
    return [wf.id async for wf in client.list_workflows(query)]


async def test_rejected_command_changes_nothing_on_the_real_server(
    dev_env: WorkflowEnvironment, dev_worker: str
) -> None:
    handle = (await open_case(dev_env.client, dev_worker, opening(_ref()))).handle
    before = await settled_history_length(handle)
    bad = [
        (
            "record_rent_movement",
            c.RecordRentMovement(by="o", kind="payment", amount=Decimal("0"), on="2026-03-02"),
            "amount",
        ),
        (
            "record_vulnerability_assessment",
            c.RecordVulnerabilityAssessment(by="o", factors=("tall",)),
            "factors",
        ),
        ("close_case", c.CloseCase(by="o", outcome="vanished"), "outcome"),
        ("reopen_case", c.ReopenCase(by="o", reason="x"), "case"),
        ("complete_task", c.CompleteTask(by="o", task_id="task-9", outcome="x"), "task_id"),
        (
            "record_enforcement_step",
            c.RecordEnforcementStep(by="o", step="possession_claim"),
            "vulnerability",
        ),
        ("complete_plan_step", c.CompletePlanStep(by="o", step="signpost_to_support"), "step"),
    ]
    for name, command, field in bad:
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await handle.execute_update(name, command)
        cause = info.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "DomainError"
        assert cause.message.startswith(f"{field}: "), (name, cause.message)
        assert cause.details[0]["field"] == field
    # A payload that does not decode is refused too, naming the field.
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(
            "record_rent_movement", {"by": "o", "kind": "refund", "amount": "1", "on": "2026-03-02"}
        )
    assert len((await handle.fetch_history()).events) == before
    view = await handle.query("case_view", result_type=CaseView)
    assert view.version == 1


async def _cli(env: WorkflowEnvironment, *args: str, check: bool = True) -> str:
    # Async: the worker under test shares this event loop and must keep polling.
    address = env.client.service_client.config.target_host
    proc = await asyncio.create_subprocess_exec(
        binary("temporal"),
        *args,
        "--address",
        address,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
    if not check:
        return stdout.decode() if proc.returncode == 0 else ""
    assert proc.returncode == 0, stderr.decode()
    return stdout.decode()


@pytest.fixture
async def codec_endpoint(key_store: KeyStore, engine: Engine) -> AsyncIterator[str]:
    async with codec_server(key_store, engine) as endpoint:
        yield endpoint


async def test_temporal_cli_opens_a_case_updates_it_and_reads_the_view_as_json(
    dev_env: WorkflowEnvironment, dev_worker: str, codec_endpoint: str, key_store: KeyStore
) -> None:
    """What a back-office system in another language does: plain JSON in and out,
    through the codec server with a UC operator's token (payloads are encrypted)."""
    ref = _ref()
    workflow_id = case_workflow_id(ref)
    codec = (
        "--codec-endpoint",
        codec_endpoint,
        "--codec-auth",
        f"Bearer {tokens.issue(key_store.ring, 'portal', ['uc'])}",
        # Sealed with the tenancy's own data key, so erasure reaches it too.
        "--codec-header",
        f"X-Casework-Workflow-Id={workflow_id}",
    )
    case = {
        "tenancy_ref": ref,
        "opening_reason": "portal_contact",
        "opened_by": "portal",
        "resident": {"full_name": "Sam Example", "ni_number": "AB 12 34 56 C"},
        "tenancy": {"address": "1 Sample Row", "start_date": "2021-09-06"},
        "rent": {"amount": 98.5, "frequency": "weekly"},
        "balance": "120.00",
    }
    await _cli(
        dev_env,
        "workflow",
        "start",
        "--type",
        "UCCase",
        "--task-queue",
        dev_worker,
        "--workflow-id",
        workflow_id,
        "--input",
        json.dumps(case),
        *codec,
    )
    # Like any client, it retries a command refused while the case opens.
    for _ in range(100):
        done = await _cli(
            dev_env,
            "workflow",
            "query",
            "--workflow-id",
            workflow_id,
            "--type",
            "case_view",
            *codec,
            check=False,
        )
        if done:
            break
        await asyncio.sleep(0.05)
    out = await _cli(
        dev_env,
        "workflow",
        "update",
        "execute",
        "--workflow-id",
        workflow_id,
        "--name",
        "add_journal_note",
        "--input",
        json.dumps({"by": "portal", "kind": "phone_in", "text": "asked about APA"}),
        "-o",
        "json",
        *codec,
    )
    assert "JournalNoteAdded" in out
    raw = await _cli(
        dev_env,
        "workflow",
        "query",
        "--workflow-id",
        workflow_id,
        "--type",
        "case_view",
        "-o",
        "json",
        *codec,
    )
    view = json.loads(raw)
    result = view["queryResult"][0] if "queryResult" in view else view
    assert result["tenancy_ref"] == ref
    assert result["resident"]["ni_number"] == "AB123456C"
    assert result["monthly_rent"] == "426.83"
    assert result["version"] == 2
    assert result["arrears_band"] == "under_1_month"
