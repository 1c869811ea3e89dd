"""Continue-as-new on the real dev server, where updates race the new run."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from temporalio.testing import WorkflowEnvironment

from activities.db import JournalRecord
from backoffice.cases import execute_command, open_case
from domain.case import commands as c
from domain.case.view import CaseView
from tests.factories import opening
from tests.helpers import eventually, settled_history_length


async def test_continue_as_new_keeps_every_journal_entry_and_pending_deadline(
    dev_env: WorkflowEnvironment,
    dev_worker: str,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"continue_as_new_after_events": 40}))
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    handle = (
        await open_case(dev_env.client, dev_worker, opening(f"CAN-{uuid.uuid4().hex[:8]}"))
    ).handle
    first_run = (await handle.describe()).run_id
    # Due after the 25 notes below have continued the case as new: they take about 2 s,
    # up to 5 on a loaded machine (with 4 s here the call-back once escalated first).
    await handle.execute_update(
        "request_call_back",
        c.RequestCallBack(
            by="o", due_at=datetime.now(UTC) + timedelta(seconds=10), reason="arrears"
        ),
    )
    for i in range(25):
        await handle.execute_update("add_journal_note", c.AddJournalNote(by="o", text=f"note {i}"))
    view = await handle.query("case_view", result_type=CaseView)
    assert view.version == 27  # opened + call-back task + 25 notes
    assert (await handle.describe()).run_id != first_run  # it continued as new
    journal = await handle.query("journal")
    assert [entry["seq"] for entry in journal] == list(range(1, 28))

    async def escalated() -> bool:
        return (await handle.query("case_view", result_type=CaseView)).escalated

    # The call-back deadline survived the new runs: it still escalates on time.
    assert await eventually(escalated, lambda e: e, attempts=300, delay=0.1)

    async def rows() -> int:
        with Session(engine) as s:
            query = select(func.count()).select_from(JournalRecord)
            return s.scalar(query.where(JournalRecord.case_id.startswith(f"{handle.id}/"))) or 0

    assert await eventually(rows, lambda n: n == 28) == 28  # every entry, + the escalation


async def test_a_command_retried_after_continue_as_new_is_applied_once(
    dev_env: WorkflowEnvironment, dev_worker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"continue_as_new_after_events": 40}))
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    handle = (
        await open_case(dev_env.client, dev_worker, opening(f"IDEM-{uuid.uuid4().hex[:8]}"))
    ).handle
    note = c.AddJournalNote(by="o", text="the retried one")
    first = await execute_command(handle, "add_journal_note", note, "request-1")
    first_run = (await handle.describe()).run_id
    for i in range(25):
        await execute_command(handle, "add_journal_note", c.AddJournalNote(by="o", text=f"n{i}"))
    assert (await handle.describe()).run_id != first_run  # it continued as new
    # The client never heard back and sends it again, with the same request id.
    again = await execute_command(handle, "add_journal_note", note, "request-1")
    assert again == first
    journal = await handle.query("journal")
    assert sum(entry["text"] == "the retried one" for entry in journal) == 1
    assert (await handle.query("case_view", result_type=CaseView)).version == 27


async def test_a_continued_case_carries_only_its_latest_journal_entries(
    dev_env: WorkflowEnvironment,
    dev_worker: str,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The journal travels in the continue-as-new input, trimmed to the policy's
    `journal_entries_carried`; the read model keeps every entry."""
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps({"continue_as_new_after_events": 40, "journal_entries_carried": 10})
    )
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    handle = (
        await open_case(dev_env.client, dev_worker, opening(f"TRIM-{uuid.uuid4().hex[:8]}"))
    ).handle
    first_run = (await handle.describe()).run_id
    for i in range(25):
        await handle.execute_update("add_journal_note", c.AddJournalNote(by="o", text=f"note {i}"))
    assert (await handle.describe()).run_id != first_run  # it continued as new
    # Idle first: a projection finishing after the last note can make the run continue
    # as new again, between the two queries below.
    await settled_history_length(handle)
    journal = await handle.query("journal")
    seqs = [entry["seq"] for entry in journal]
    assert seqs[-1] == 26 and 10 <= len(seqs) < 26  # opened + 25 notes, the oldest left behind
    assert seqs == list(range(seqs[0], 27))
    view = await handle.query("case_view", result_type=CaseView)
    assert (view.version, view.journal_entries) == (26, len(journal))

    async def rows() -> int:
        with Session(engine) as s:
            query = select(func.count()).select_from(JournalRecord)
            return s.scalar(query.where(JournalRecord.case_id.startswith(f"{handle.id}/"))) or 0

    assert await eventually(rows, lambda n: n == 26) == 26
