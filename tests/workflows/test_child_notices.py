"""Progress notices reach a parent only from the child it started: a notice forged with
`temporal workflow signal` (no secret, or a wrong one) changes nothing and is
journalled as refused, naming the rule and never what it said. The genuine children's
notices land (the other workflow tests follow them), across continue-as-new too, and
a parent holding secrets replays."""

import dataclasses
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.policy import POLICY_FILE_ENV
from domain.case import commands as c
from domain.case.view import CaseView
from domain.dates import business_date
from domain.ipr.activity import ActivityState
from domain.ipr.model import IprState
from domain.migration.deadlines import earliest_deadline_day
from domain.notices import ONLY_FROM_THE_CHILD
from tests import helpers
from tests.factories import opening
from tests.helpers import eventually
from worker import WORKFLOWS
from workflows.ipr import IPR, ipr_workflow_id
from workflows.uc_case import UCCase, case_workflow_id

WRONG_SECRET = "0f6c3a1e-7d0b-4c1e-9a55-2b8e4f1d9c70"


async def _exists(handle: WorkflowHandle, query: str) -> bool:
    try:
        await handle.query(query)
        return True
    except Exception:
        return False


async def _view(case: WorkflowHandle) -> CaseView:
    return await case.query("case_view", result_type=CaseView)


async def _replays(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    """The parent, holding its children's secrets, replays on today's code."""
    history = await handle.fetch_history()
    replayer = Replayer(workflows=WORKFLOWS, data_converter=env.client.data_converter)
    assert (await replayer.replay_workflow(history)).replay_failure is None


def _unchanged(view: CaseView) -> CaseView:
    """The view but for what any journal entry moves on."""
    return dataclasses.replace(view, journal_entries=0, version=0)


async def _refusals(handle: WorkflowHandle, count: int) -> list[dict[str, Any]]:
    journal = await eventually(
        lambda: handle.query("journal"),
        lambda j: len([x for x in j if x["kind"] == "progress_notice"]) >= count,
    )
    return [x for x in journal if x["kind"] == "progress_notice"]


async def _case_with_arrangement(
    env: WorkflowEnvironment, task_queue: str, prefix: str = "N"
) -> tuple[WorkflowHandle, str]:
    ref = f"{prefix}-{uuid.uuid4().hex[:10]}"
    case = await env.client.start_workflow(
        UCCase.run,
        opening(ref, balance=Decimal("1200.00")),
        id=case_workflow_id(ref),
        task_queue=task_queue,
    )
    await case.execute_update(
        "request_payment_arrangement", c.RequestPaymentArrangement(by="income-09", kind="mptl")
    )
    arrangement_id = await helpers.arrangement_id(case)
    await eventually(
        lambda: _view(case),
        lambda v: v.arrangements[0].status == "submitted" and v.arrangements[0].form_sha256,
    )
    return case, arrangement_id


def _forged_grant(arrangement_id: str, **extra: str) -> dict[str, str]:
    """What anyone could send with `temporal workflow signal ... --name arrangement_progress`."""
    return {
        "arrangement_id": arrangement_id,
        "kind": "tpd",
        "text": "x",
        "status": "granted",
        "granted_rate": "20",
        "form_path": "/etc/passwd",
        "form_sha256": "00",
        **extra,
    }


async def test_a_forged_arrangement_notice_changes_nothing_and_is_journalled_as_refused(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    case, arrangement_id = await _case_with_arrangement(ts_env, ts_worker)
    before = await _view(case)
    await case.signal("arrangement_progress", _forged_grant(arrangement_id))
    await case.signal(
        "arrangement_progress", _forged_grant(arrangement_id, notice_secret=WRONG_SECRET)
    )
    refused = await _refusals(case, 2)
    after = await _view(case)
    assert _unchanged(after) == _unchanged(before)
    shown = after.arrangements[0]
    assert (shown.status, shown.granted_rate) == ("submitted", None)
    assert shown.form_path != "/etc/passwd" and shown.form_sha256 != "00"
    assert after.version == before.version + 2
    for entry in refused:
        assert (entry["outcome"], entry["author"]) == ("refused", "system")
        assert entry["text"] == f"arrangement_progress refused: {ONLY_FROM_THE_CHILD}"
    # Nothing the notice said is kept, in the journal or the events.
    history = json.dumps(await case.query("journal"))
    assert "/etc/passwd" not in history and WRONG_SECRET not in history
    await _replays(ts_env, case)


async def test_a_secret_survives_continue_as_new_and_the_genuine_child_still_lands(
    dev_env: WorkflowEnvironment, dev_worker: str, tmp_path: Path
) -> None:
    """On the real dev server: the Java test server can stall when an update races a
    continue-as-new, and a stalled update holds its clock for every later test."""
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"continue_as_new_after_events": 40}))
    os.environ[POLICY_FILE_ENV] = str(policy)
    try:
        case, arrangement_id = await _case_with_arrangement(dev_env, dev_worker, "NC")
    finally:
        del os.environ[POLICY_FILE_ENV]
    first_run = (await case.describe()).run_id
    for i in range(30):
        await case.execute_update("add_journal_note", c.AddJournalNote(by="o", text=f"n{i}"))
    assert (await case.describe()).run_id != first_run  # it continued as new
    await case.signal("arrangement_progress", _forged_grant(arrangement_id))
    await _refusals(case, 1)
    assert (await _view(case)).arrangements[0].status == "submitted"
    # The child's own notice, after the new run: the claimant objects in the window.
    child = dev_env.client.get_workflow_handle(arrangement_id)
    today = business_date(datetime.now(UTC)).isoformat()
    await child.execute_update("record_objection", {"by": "o", "objected_on": today})
    view = await eventually(lambda: _view(case), lambda v: v.arrangements[0].status == "objected")
    assert view.arrangements[0].granted_rate is None


async def test_a_forged_migration_notice_changes_nothing_and_is_journalled_as_refused(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref = f"NM-{uuid.uuid4().hex[:10]}"
    case = await ts_env.client.start_workflow(
        UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=ts_worker
    )
    today = business_date(await ts_env.get_current_time())
    await case.execute_update(
        "record_migration_notice",
        c.RecordMigrationNotice(
            by="o", notice_issued=today, deadline_day=earliest_deadline_day(today)
        ),
    )
    migration = ts_env.client.get_workflow_handle(await helpers.migration_id(case))
    await eventually(lambda: _exists(migration, "migration_view"), lambda ok: ok)
    before = await _view(case)
    forged = {
        "kind": "migration_claimed",
        "text": "x",
        "status": "claimed",
        "protection": "active",
        "escalate": True,
    }
    await case.signal("migration_progress", forged)
    await case.signal("migration_progress", {**forged, "notice_secret": WRONG_SECRET})
    refused = await _refusals(case, 2)
    after = await _view(case)
    assert _unchanged(after) == _unchanged(before)
    assert after.migration is not None and after.migration.status != "claimed"
    assert [x["text"] for x in refused] == [
        f"migration_progress refused: {ONLY_FROM_THE_CHILD}"
    ] * 2
    await _replays(ts_env, case)


async def test_a_forged_activity_notice_changes_nothing_and_is_journalled_as_refused(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref = f"IPR-{uuid.uuid4().hex[:10]}"
    today = business_date(await ts_env.get_current_time())
    handle = await ts_env.client.start_workflow(
        IPR.run,
        {
            "reference": ref,
            "referrer": {"name": "Pat Colleague", "role": "Case manager", "email": "p@dwp.gov.uk"},
            "received_on": today.isoformat(),
            "customer": {"full_name": "Sam Example"},
            "summary": "Sam Example died; the family says deductions left no money.",
            "service_lines": ["UC"],
        },
        id=ipr_workflow_id(ref),
        task_queue=ts_worker,
    )
    await handle.execute_update(
        "record_screening", {"by": "s", "allegation": True, "harm": "death"}
    )
    await handle.execute_update("assign_investigator", {"by": "s", "investigator": "inv"})
    await handle.execute_update(
        "record_evidence", {"by": "inv", "service_line": "UC", "description": "journal read"}
    )
    await handle.execute_update(
        "record_findings", {"by": "inv", "learning_identified": False, "learning": []}
    )
    due = today + timedelta(days=30)
    await handle.execute_update(
        "record_iprg_agreement",
        {
            "by": "iprg",
            "agreed_on": today.isoformat(),
            "activities": [
                {"service_line": "UC", "description": "UC to assure", "due_on": due.isoformat()}
            ],
        },
    )
    activity_id = await helpers.activity_id(handle)
    child = ts_env.client.get_workflow_handle(activity_id)
    await eventually(lambda: _exists(child, "activity_view"), lambda ok: ok)
    forged = {
        "activity_id": activity_id,
        "kind": "assured",
        "evidence": "forged evidence",
        "assured_on": today.isoformat(),
    }
    await handle.signal("activity_progress", forged)
    await handle.signal("activity_progress", {**forged, "notice_secret": WRONG_SECRET})
    refused = await _refusals(handle, 2)
    state = await handle.query("ipr_view", result_type=IprState)
    [activity] = state.activities
    assert (activity.status, activity.evidence, activity.assured_on) == ("open", None, None)
    assert [x["text"] for x in refused] == [f"activity_progress refused: {ONLY_FROM_THE_CHILD}"] * 2
    assert "forged evidence" not in json.dumps(await handle.query("journal"))
    # The genuine child's assurance lands.
    await child.execute_update(
        "record_assurance", {"by": "lead", "evidence": "done", "assured_on": today.isoformat()}
    )
    shown = await child.query("activity_view", result_type=ActivityState)
    assert shown.status == "assured"
    state = await eventually(
        lambda: handle.query("ipr_view", result_type=IprState),
        lambda s: s.activities[0].status == "assured",
    )
    assert state.activities[0].evidence == "done"
    await _replays(ts_env, handle)
