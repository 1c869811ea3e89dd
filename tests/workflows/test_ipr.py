"""Internal Process Reviews on the time-skipping server (docs/rules.md#ipr): screening out
with feedback and the ACSSL share, criterion (B), the full path through agreed
activities (children) to closure with an anonymised read model, weekly escalation of
an overdue activity, a refused early closure, refused referrals and payloads, and the
screening target."""

import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.db import IprAcsslShareRecord, IprActivityRecord, IprNarrativeRecord, IprRecord
from backoffice.iprs import refer
from domain.case import parsing
from domain.case.parsing import parse
from domain.dates import business_date
from domain.ipr.activity import ActivityState
from domain.ipr.commands import Referral
from domain.ipr.model import IprState, JournalEntry
from domain.ipr.reporting import reporting_year
from tests.file_store import store_for, stored_bytes
from tests.helpers import (
    accepted_updates,
    eventually,
    result_or_stuck,
    search_attributes,
    settled_history_length,
)
from workflows import ids as child_ids
from workflows.ipr import IPR, IprOutcome, ipr_workflow_id

REFERRER = {"name": "Pat Colleague", "role": "Case manager", "email": "pat.colleague@dwp.gov.uk"}
# The customer's personal data: the workflow holds it, the read model never does.
FULL_NAME = "Zelda Quarrington"
NI_NUMBER = "AB123456C"
BORN = date(1961, 3, 3)
ADDRESS = "12 Acacia Avenue, Leeds, LS1 4AB"
CUSTOMER = {
    "full_name": FULL_NAME,
    "ni_number": NI_NUMBER,
    "date_of_birth": BORN.isoformat(),
    "address": ADDRESS,
}


async def _today(env: WorkflowEnvironment) -> date:
    return business_date(await env.get_current_time())


def _referral(ref: str, received_on: date, **extra: Any) -> dict[str, Any]:
    return {
        "reference": ref,
        "referrer": REFERRER,
        "received_on": received_on.isoformat(),
        "customer": CUSTOMER,
        "summary": f"{FULL_NAME} died; the family says UC deductions left no money.",
        "service_lines": ["UC"],
        **extra,
    }


async def _start(
    env: WorkflowEnvironment, task_queue: str, ref: str | None = None, **extra: Any
) -> tuple[str, WorkflowHandle]:
    """An IPR under a fresh reference, received today. Left running at the end of a
    test, never terminated: on the time-skipping server terminating a workflow with
    work in hand (a failing task, an abandoned child's pending signal) can hold the
    session's clock still for every later test."""
    ref = ref or f"IPR-{uuid.uuid4().hex[:10]}"
    handle = await env.client.start_workflow(
        IPR.run,
        _referral(ref, await _today(env), **extra),
        id=ipr_workflow_id(ref),
        task_queue=task_queue,
    )
    return ref, handle


async def _view(handle: WorkflowHandle) -> IprState:
    return await handle.query("ipr_view", result_type=IprState)


async def _journal(handle: WorkflowHandle) -> list[JournalEntry]:
    return await handle.query("journal", result_type=list[JournalEntry])


async def _activity(env: WorkflowEnvironment, activity_id: str) -> ActivityState | None:
    try:
        return await env.client.get_workflow_handle(activity_id).query(
            "activity_view", result_type=ActivityState
        )
    except Exception:
        return None  # not started yet


def _ipr_id(handle: WorkflowHandle) -> str:
    assert handle.first_execution_run_id is not None
    return f"{handle.id}/{handle.first_execution_run_id}"


async def _row(engine: Engine, handle: WorkflowHandle) -> IprRecord | None:
    """The IPR's row in the read model (async, to poll with `eventually`)."""
    with Session(engine) as session:
        return session.get(IprRecord, _ipr_id(handle))


async def _investigate(
    handle: WorkflowHandle,
    learning: list[dict[str, str]] | None = None,
    lines: tuple[str, ...] = ("UC",),
) -> None:
    """Screened in under criterion (A), an investigator, evidence on each line, findings."""
    await handle.execute_update(
        "record_screening", {"by": "screener-1", "allegation": True, "harm": "death"}
    )
    await handle.execute_update(
        "assign_investigator", {"by": "screener-1", "investigator": "inv-1"}
    )
    for line in lines:
        await handle.execute_update(
            "record_evidence",
            {"by": "inv-1", "service_line": line, "description": f"{line} journal reviewed"},
        )
    await handle.execute_update(
        "record_findings",
        {"by": "inv-1", "learning_identified": bool(learning), "learning": learning or []},
    )


async def _agree(
    env: WorkflowEnvironment, handle: WorkflowHandle, ref: str, activities: list[dict[str, str]]
) -> list[str]:
    """The IPRG agrees the activities today; returns their ids once each child runs."""
    await handle.execute_update(
        "record_iprg_agreement",
        {
            "by": "iprg",
            "agreed_on": (await _today(env)).isoformat(),
            "activities": activities,
        },
    )
    # The ids the IPR gave them (unique to this review: workflows/ids.py).
    state = await eventually(lambda: _view(handle), lambda s: len(s.activities) >= len(activities))
    ids = [a.activity_id for a in state.activities[-len(activities) :]]

    async def running() -> list[ActivityState | None]:
        return [await _activity(env, activity_id) for activity_id in ids]

    await eventually(running, lambda states: None not in states)
    return ids


async def _assure(env: WorkflowEnvironment, activity_id: str) -> None:
    await env.client.get_workflow_handle(activity_id).execute_update(
        "record_assurance",
        {
            "by": "service-line-lead",
            "evidence": "Guidance updated and briefed",
            "assured_on": (await _today(env)).isoformat(),
        },
    )


def _escalations(journal: list[JournalEntry], activity_id: str) -> list[str]:
    return [
        j.text
        for j in journal
        if j.kind == "activity" and j.text.startswith(f"{activity_id} overdue")
    ]


# --- 1. not accepted: feedback to the referrer, shared with the ACSSL list -----------


async def test_a_referral_not_meeting_the_criteria_gets_feedback_and_an_acssl_share(
    ts_env: WorkflowEnvironment, ts_worker: str, engine: Engine
) -> None:
    _, handle = await _start(ts_env, ts_worker)
    await handle.execute_update(
        "record_screening", {"by": "screener-1", "allegation": True, "harm": "none"}
    )
    outcome = await result_or_stuck(ts_env, handle)
    today = await _today(ts_env)
    assert outcome == IprOutcome(stage="not_accepted", accepted=False, closed_on=today)
    state = await _view(handle)
    assert state.stage == "not_accepted" and state.shared_with_acssl
    assert state.feedback_path is not None
    # The letter is in the shared file store (the session's read model), not on a disk.
    assert Path(state.feedback_path).suffix == ".pdf"
    pdf = io.BytesIO(stored_bytes(state.feedback_path, store_for(engine)))
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert f"Dear {REFERRER['name']}," in text
    assert "Criterion (A) is not met" in text and "did not suffer serious harm" in text
    assert "Criterion (B) is not met" in text
    with Session(engine) as session:
        share = session.get(IprAcsslShareRecord, _ipr_id(handle))
        assert share is not None
        assert share.shared_on == today and share.service_lines == ["UC"]
        assert any(r.startswith("Criterion (A) is not met") for r in share.reasons)
    row = await _row(engine, handle)
    assert row is not None
    assert (row.stage, row.accepted, row.reporting_year) == ("not_accepted", False, None)
    assert row.criteria == "" and row.version == state.version
    attrs = await search_attributes(handle)
    assert attrs["IPRStage"] == "not_accepted"
    assert [j.kind for j in await _journal(handle)][-3:] == ["screening", "feedback", "closed"]


# --- 2. criterion (B) without an allegation ------------------------------------------


async def test_criterion_b_alone_accepts_the_referral_under_external_scrutiny(
    ts_env: WorkflowEnvironment, ts_worker: str, engine: Engine
) -> None:
    _, handle = await _start(ts_env, ts_worker)
    attrs = await eventually(
        lambda: search_attributes(handle), lambda a: a.get("IPRStage") == "screening"
    )
    assert attrs.get("ExternalScrutiny") is False
    await handle.execute_update(
        "record_screening",
        {
            "by": "screener-1",
            "allegation": False,
            "harm": "none",
            "external_reviews": ["safeguarding_adults_review"],
        },
    )
    state = await _view(handle)
    assert state.accepted is True and state.stage == "investigation"
    assert state.screening is not None and state.screening.decision.criteria == ("B",)
    assert state.external_scrutiny == ("safeguarding_adults_review",)
    attrs = await eventually(
        lambda: search_attributes(handle), lambda a: a.get("IPRStage") == "investigation"
    )
    assert attrs["ExternalScrutiny"] is True
    row = await eventually(
        lambda: _row(engine, handle), lambda r: r is not None and r.criteria == "B"
    )
    assert row is not None and row.external_scrutiny and row.accepted is True
    assert row.scrutiny_kinds == ["safeguarding_adults_review"]


# --- 3. the full path, and a read model with nothing that identifies anyone ----------


async def test_an_ipr_runs_through_agreed_activities_to_closure_and_projects_anonymised(
    ts_env: WorkflowEnvironment, ts_worker: str, engine: Engine
) -> None:
    ref, handle = await _start(ts_env, ts_worker, service_lines=["UC", "PIP"])
    identifying = (
        f"{FULL_NAME} (NI AB 12 34 56 C, born 3 March 1961, of {ADDRESS}), reference {ref}"
    )
    await _investigate(
        handle,
        learning=[
            {"service_line": "UC", "text": f"Deductions for {identifying} were not reviewed"},
            {"service_line": "PIP", "text": f"Ms Quarrington's ({NI_NUMBER}) reassessment"},
        ],
        lines=("UC", "PIP"),
    )
    due = await _today(ts_env) + timedelta(days=30)
    ids = await _agree(
        ts_env,
        handle,
        ref,
        [
            {
                "service_line": "UC",
                "description": f"UC to assure IPRG on deductions (case of {FULL_NAME})",
                "due_on": due.isoformat(),
            },
            {
                "service_line": "PIP",
                "description": f"PIP to assure IPRG: check of 03/03/1961 claimant {ref}",
                "due_on": due.isoformat(),
            },
            {
                "service_line": "UC",
                "description": "UC to assure IPRG on contact at 12 Acacia Avenue",
                "due_on": (due + timedelta(days=7)).isoformat(),
            },
        ],
    )
    scope = handle.first_execution_run_id
    assert ids == [child_ids.activity_id(ref, scope, n) for n in (1, 2, 3)]
    for n, activity_id in enumerate(ids):
        shown = await _activity(ts_env, activity_id)
        assert shown is not None and shown.status == "open"
        assert shown.service_line == ("UC", "PIP", "UC")[n]
    attrs = await eventually(
        lambda: search_attributes(handle), lambda a: a.get("IPRStage") == "agreed_activities"
    )
    assert sorted(attrs["ServiceLines"]) == ["PIP", "UC"]  # type: ignore[call-overload]
    assert attrs["ActivitiesOverdue"] == 0
    for activity_id in ids:
        await _assure(ts_env, activity_id)
        child = ts_env.client.get_workflow_handle(activity_id)
        assert await result_or_stuck(ts_env, child) == "assured"
    state = await eventually(
        lambda: _view(handle), lambda s: all(a.status == "assured" for a in s.activities)
    )
    assert not state.open_activities
    await handle.execute_update(
        "record_learning_outcome",
        {"by": "iprg", "service_line": "UC", "outcome": f"{FULL_NAME}: guidance reissued"},
    )
    await handle.execute_update("close_ipr", {"by": "iprg"})
    outcome = await result_or_stuck(ts_env, handle)
    today = await _today(ts_env)
    assert outcome == IprOutcome(stage="closed", accepted=True, closed_on=today)
    attrs = await search_attributes(handle)
    assert attrs["IPRStage"] == "closed"
    row = await _row(engine, handle)
    assert row is not None
    assert row.stage == "closed" and row.closed_on == today
    assert row.reporting_year == reporting_year(today)
    assert (row.activities_total, row.activities_overdue) == (3, 0)
    assert row.learning_identified is True and sorted(row.service_lines) == ["PIP", "UC"]
    # Everything the read model holds for this IPR, every column but the key, as text.
    ipr_id = _ipr_id(handle)
    held: list[str] = []
    with Session(engine) as session:
        for table in (IprRecord, IprNarrativeRecord, IprActivityRecord):
            records = session.scalars(select(table).where(table.ipr_id == ipr_id)).all()
            assert records, table.__tablename__
            for record in records:
                held += [
                    str(getattr(record, column.key))
                    for column in table.__table__.columns
                    if column.key != "ipr_id"
                ]
        kinds = session.scalars(
            select(IprNarrativeRecord.kind).where(IprNarrativeRecord.ipr_id == ipr_id)
        ).all()
        statuses = session.scalars(
            select(IprActivityRecord.status).where(IprActivityRecord.ipr_id == ipr_id)
        ).all()
    assert sorted(kinds) == ["activity"] * 3 + ["learning"] * 2 + ["outcome"]
    assert statuses == ["assured"] * 3
    blob = "\n".join(held).lower()
    assert "the customer" in blob  # the narratives are there, redacted
    for secret in (
        FULL_NAME,
        "Zelda",
        "Quarrington",
        NI_NUMBER,
        "AB 12 34 56 C",
        BORN.isoformat(),
        "3 March 1961",
        "03/03/1961",
        ADDRESS,
        "Acacia",
        "Leeds",
        "LS1 4AB",
        ref,
    ):
        assert secret.lower() not in blob, secret


# --- 4. an overdue activity escalates weekly until assured ---------------------------


async def test_an_overdue_activity_escalates_weekly_until_it_is_assured(
    ts_env: WorkflowEnvironment, ts_worker: str, engine: Engine
) -> None:
    ref, handle = await _start(ts_env, ts_worker)
    await _investigate(handle)
    due = await _today(ts_env) + timedelta(days=5)
    [activity_id] = await _agree(
        ts_env,
        handle,
        ref,
        [{"service_line": "UC", "description": "UC to assure IPRG", "due_on": due.isoformat()}],
    )

    async def overdue_count(expected: int) -> dict[str, object]:
        return await eventually(
            lambda: search_attributes(handle), lambda a: a.get("ActivitiesOverdue") == expected
        )

    async def escalated(times: int) -> list[str]:
        journal = await eventually(
            lambda: _journal(handle), lambda j: len(_escalations(j, activity_id)) >= times
        )
        return _escalations(journal, activity_id)

    # Agreed 5 days before it is due: the reminder goes at once (7 days before is past).
    journal = await eventually(
        lambda: _journal(handle),
        lambda j: any(e.text == f"{activity_id} due soon: its owner to be reminded" for e in j),
    )
    assert not _escalations(journal, activity_id)
    await ts_env.sleep(timedelta(days=7))  # past due + 1
    assert await escalated(1) == [f"{activity_id} overdue: escalated to the IPRG (escalation 1)"]
    await overdue_count(1)
    await ts_env.sleep(timedelta(days=7))
    texts = await escalated(2)
    assert len(texts) == 2 and texts[-1].endswith("(escalation 2)")
    await ts_env.sleep(timedelta(days=7))
    texts = await escalated(3)
    assert len(texts) == 3 and texts[-1].endswith("(escalation 3)")
    shown = await _activity(ts_env, activity_id)
    assert shown is not None and (shown.status, shown.escalations) == ("overdue", 3)
    await overdue_count(1)
    row = await eventually(
        lambda: _row(engine, handle), lambda r: r is not None and r.activities_overdue == 1
    )
    assert row is not None
    await _assure(ts_env, activity_id)
    await overdue_count(0)
    state = await _view(handle)
    assert state.activities[0].status == "assured" and state.activities[0].escalations == 3
    await ts_env.sleep(timedelta(days=14))
    assert len(_escalations(await _journal(handle), activity_id)) == 3
    assert (await search_attributes(handle))["ActivitiesOverdue"] == 0
    # Nothing left open: the IPR closes.
    await handle.execute_update("close_ipr", {"by": "iprg"})
    assert (await result_or_stuck(ts_env, handle)).stage == "closed"


# --- 5. no closing while an activity is open -----------------------------------------


async def test_closing_with_an_open_activity_is_refused_naming_it(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, handle = await _start(ts_env, ts_worker)
    await _investigate(handle)
    due = await _today(ts_env) + timedelta(days=30)
    [activity_id] = await _agree(
        ts_env,
        handle,
        ref,
        [{"service_line": "UC", "description": "UC to assure IPRG", "due_on": due.isoformat()}],
    )
    await settled_history_length(handle)
    accepted = await accepted_updates(handle)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await handle.execute_update("close_ipr", {"by": "iprg"})
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.message.startswith("activities: ") and activity_id in cause.message
    assert cause.details[0]["field"] == "activities"
    assert await accepted_updates(handle) == accepted
    state = await _view(handle)
    assert state.stage == "agreed_activities" and state.closed_on is None
    assert [a.activity_id for a in state.open_activities] == [activity_id]
    assert (await search_attributes(handle))["IPRStage"] == "agreed_activities"
    # Once assured, the same command closes it.
    await _assure(ts_env, activity_id)
    await eventually(lambda: _view(handle), lambda s: not s.open_activities)
    await handle.execute_update("close_ipr", {"by": "iprg"})
    assert (await result_or_stuck(ts_env, handle)).stage == "closed"


async def test_an_ipr_re_referred_after_termination_gets_new_activities_and_closes(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, first = await _start(ts_env, ts_worker)
    await _investigate(first)
    due = await _today(ts_env) + timedelta(days=30)
    agreed = [{"service_line": "UC", "description": "UC to assure IPRG", "due_on": due.isoformat()}]
    [earlier] = await _agree(ts_env, first, ref, agreed)
    # Terminated, then referred again under the same reference (a new run of the same
    # workflow id). Idle first: the time-skipping clock stalls on a workflow ended
    # with work in hand.
    for handle in (ts_env.client.get_workflow_handle(earlier), first):
        await settled_history_length(handle)
        await handle.terminate("referred again")
    _, again = await _start(ts_env, ts_worker, ref=ref)
    assert again.id == first.id
    await _investigate(again)
    [activity_id] = await _agree(ts_env, again, ref, agreed)
    # Its own activity, started under a new id; nothing refused or swallowed.
    assert activity_id != earlier
    assert activity_id == child_ids.activity_id(ref, again.first_execution_run_id, 1)
    shown = await _activity(ts_env, activity_id)
    assert shown is not None and shown.status == "open"
    await _assure(ts_env, activity_id)
    await eventually(lambda: _view(again), lambda s: not s.open_activities)
    await again.execute_update("close_ipr", {"by": "iprg"})
    assert (await result_or_stuck(ts_env, again)).stage == "closed"
    assert not [j for j in await _journal(again) if "not started" in j.text]


async def test_an_activity_whose_id_is_taken_is_journalled_not_swallowed(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, handle = await _start(ts_env, ts_worker)
    taken = child_ids.activity_id(ref, handle.first_execution_run_id, 1)
    # Another workflow already used the id and is closed (an IPR started under the
    # wrong id fails at once); a closed id is never reused.
    squatter = await ts_env.client.start_workflow(
        "IPR", _referral(ref, await _today(ts_env)), id=taken, task_queue=ts_worker
    )
    with pytest.raises(WorkflowFailureError):
        await squatter.result()
    await _investigate(handle)
    due = await _today(ts_env) + timedelta(days=30)
    await handle.execute_update(
        "record_iprg_agreement",
        {
            "by": "iprg",
            "agreed_on": (await _today(ts_env)).isoformat(),
            "activities": [
                {"service_line": "UC", "description": "UC to assure", "due_on": due.isoformat()}
            ],
        },
    )
    journal = await eventually(
        lambda: _journal(handle), lambda j: any("not started" in e.text for e in j)
    )
    [entry] = [e for e in journal if "not started" in e.text]
    assert entry.kind == "activity" and taken in entry.text and "already taken" in entry.text
    # Not pretended: the activity is still open, so the IPR cannot close over it.
    assert [a.activity_id for a in (await _view(handle)).open_activities] == [taken]


# --- 6. refused referrals and payloads ------------------------------------------------


async def test_a_referral_from_outside_dwp_fails_at_once_and_projects_nothing(
    ts_env: WorkflowEnvironment, ts_worker: str, engine: Engine
) -> None:
    external = {"name": "A Councillor", "role": "Councillor", "email": "cllr@leeds.gov.uk"}
    ref, handle = await _start(ts_env, ts_worker, referrer=external, source="local_authority")
    with pytest.raises(WorkflowFailureError) as info:
        await result_or_stuck(ts_env, handle)
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.message.startswith("referrer: ") and "@dwp.gov.uk" in cause.message
    assert cause.details[0]["field"] == "referrer" and cause.non_retryable
    history = await handle.fetch_history()
    assert not [e for e in history.events if e.activity_task_scheduled_event_attributes.activity_id]
    with Session(engine) as session:
        for table in (IprRecord, IprAcsslShareRecord):
            held = session.scalars(select(table.ipr_id)).all()
            assert not [k for k in held if k.startswith(f"{handle.id}/")], table.__tablename__
    # Corrected, the referral is made again under the same reference; once it runs,
    # the reference is taken.
    corrected = parse(Referral, _referral(ref, await _today(ts_env)))
    opened = await refer(ts_env.client, ts_worker, corrected)
    assert opened.created and opened.handle.id == handle.id
    assert (await _view(opened.handle)).stage == "screening"
    assert not (await refer(ts_env.client, ts_worker, corrected)).created


WORKFLOW_TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}


@pytest.mark.parametrize(
    ("name", "payload", "field"),
    [
        ("record_screening", {"by": "s1", "allegation": True, "harm": "bruise"}, "harm"),
        ("record_screening", {"by": "s1", "allegation": "perhaps", "harm": "death"}, "allegation"),
        ("record_screening", {"by": "s1", "allegation": True, "harm": "death", "x": 1}, "x"),
        ("assign_investigator", {"by": "s1", "investigator": "inv-1"}, "stage"),
        ("close_ipr", {"by": "iprg"}, "stage"),
        # Referred today: a screening day before it, or in the future, is refused.
        (
            "record_screening",
            {"by": "s1", "allegation": True, "harm": "death", "screened_on": "2020-01-01"},
            "screened_on",
        ),
        (
            "record_screening",
            {"by": "s1", "allegation": True, "harm": "death", "screened_on": "2099-01-01"},
            "screened_on",
        ),
    ],
)
async def test_a_bad_update_is_refused_naming_the_field_before_history(
    ts_env: WorkflowEnvironment, ts_worker: str, name: str, payload: dict[str, Any], field: str
) -> None:
    _, handle = await _start(ts_env, ts_worker)
    length = await settled_history_length(handle)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await handle.execute_update(name, payload)
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.message.startswith(f"{field}: "), cause.message
    assert cause.details[0]["field"] == field
    assert await accepted_updates(handle) == 0
    # Only the workflow task that ran the validator: the test server records it, where
    # a real server drops a rejected update's task.
    await settled_history_length(handle)
    added = (await handle.fetch_history()).events[length:]
    assert {e.event_type for e in added} <= WORKFLOW_TASK_EVENTS, added
    state = await _view(handle)
    assert state.stage == "screening" and state.screening is None and state.version == 1


# --- 6b. primary service lines, finding lines, business dates --------------------


async def test_primary_lines_stay_the_cases_and_findings_keep_their_own(
    ts_env: WorkflowEnvironment, ts_worker: str, engine: Engine
) -> None:
    """Referred under PIP, screened as PIP and ESA; learning and an activity under UC and
    ACS: the search attribute and the read model hold PIP and ESA as the case's lines,
    the finding lines apart; the days staff gave are the review's."""
    _, handle = await _start(ts_env, ts_worker, service_lines=["PIP"])
    today = await _today(ts_env)
    await handle.execute_update(
        "record_screening",
        {
            "by": "screener-1",
            "allegation": True,
            "harm": "death",
            "screened_on": today.isoformat(),
            "service_lines": ["PIP", "ESA"],
        },
    )
    await handle.execute_update("assign_investigator", {"by": "s1", "investigator": "inv-1"})
    await handle.execute_update(
        "record_evidence", {"by": "inv-1", "service_line": "UC", "description": "journal"}
    )
    await handle.execute_update(
        "record_findings",
        {
            "by": "inv-1",
            "learning_identified": True,
            "learning": [
                {"service_line": "UC", "text": "journal messages unanswered"},
                {"service_line": "ACS", "text": "no referral to ACS"},
            ],
            "recorded_on": today.isoformat(),
        },
    )
    attrs = await eventually(
        lambda: search_attributes(handle), lambda a: a.get("IPRStage") == "findings"
    )
    assert attrs["ServiceLines"] == ["PIP", "ESA"]
    row = await eventually(lambda: _row(engine, handle), lambda r: r is not None and r.version >= 5)
    assert row is not None
    assert (row.service_lines, row.finding_lines) == (["PIP", "ESA"], ["UC", "ACS"])
    state = await _view(handle)
    assert state.screening is not None and state.screening.screened_on == today
    assert state.findings_on == today
    # A learning outcome dated before the findings is refused before history.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            "record_learning_outcome",
            {
                "by": "lead",
                "service_line": "UC",
                "outcome": "guidance",
                "recorded_on": (today - timedelta(days=1)).isoformat(),
            },
        )
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.details[0]["field"] == "recorded_on"
    assert cause.message.startswith("recorded_on: cannot be before the findings")


# --- 7. targets --------------------------------------------------------------------


async def test_a_screening_not_done_within_its_target_is_journalled_once(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    _, handle = await _start(ts_env, ts_worker)
    state = await _view(handle)
    assert state.policy.screening_target_days == 10
    await ts_env.sleep(timedelta(days=9))
    assert "target_breached" not in [j.kind for j in await _journal(handle)]
    assert (await search_attributes(handle))["IPRTargetsMissed"] == 0
    await ts_env.sleep(timedelta(days=2))  # 11 days after the referral
    journal = await eventually(
        lambda: _journal(handle), lambda j: "target_breached" in [e.kind for e in j]
    )
    [breach] = [j for j in journal if j.kind == "target_breached"]
    last_day = state.referred_on + timedelta(days=10)
    assert breach.text == f"screening target of {last_day.isoformat()} missed: escalated"
    assert (await _view(handle)).screening_escalated
    await eventually(lambda: search_attributes(handle), lambda a: a.get("IPRTargetsMissed") == 1)
    await ts_env.sleep(timedelta(days=11))
    journal = await _journal(handle)
    assert [j.kind for j in journal].count("target_breached") == 1
    assert (await _view(handle)).stage == "screening"


async def test_each_run_reuses_the_parsed_input_schema(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    """The sandbox re-imports workflow modules each run: an input class defined there
    would add a schema to the parsing cache every run, for the life of the worker."""
    external = {"name": "A Councillor", "role": "Councillor", "email": "cllr@leeds.gov.uk"}
    sizes = []
    for _ in range(3):
        _, handle = await _start(ts_env, ts_worker, referrer=external)
        with pytest.raises(WorkflowFailureError):
            await result_or_stuck(ts_env, handle)
        sizes.append(parsing._adapter.cache_info().currsize)
    assert sizes[0] == sizes[1] == sizes[2]


async def test_targets_come_from_the_operators_policy_file(
    ts_env: WorkflowEnvironment, ts_worker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"ipr": {"screening_target_days": 2}}))
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    _, handle = await _start(ts_env, ts_worker)
    state = await eventually(lambda: _view(handle), lambda s: s.policy.screening_target_days == 2)
    monkeypatch.delenv("CASEWORK_POLICY_FILE")
    assert state.policy.investigation_target_days == 90  # the rest keep their defaults
    await ts_env.sleep(timedelta(days=3))
    journal = await eventually(
        lambda: _journal(handle), lambda j: any(x.kind == "target_breached" for x in j)
    )
    [breach] = [x for x in journal if x.kind == "target_breached"]
    due = state.referred_on + timedelta(days=2)
    assert breach.text == f"screening target of {due.isoformat()} missed: escalated"


async def test_a_bad_policy_file_fails_the_referral_naming_the_field(
    ts_env: WorkflowEnvironment, ts_worker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"ipr": {"screening_target_days": 0}}))
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    _, handle = await _start(ts_env, ts_worker)
    with pytest.raises(WorkflowFailureError) as info:
        await result_or_stuck(ts_env, handle)
    cause = info.value.cause
    while cause.cause is not None:
        cause = cause.cause
    assert "ipr.screening_target_days" in str(cause)


def test_a_carried_state_from_before_keeps_its_primary_lines_apart() -> None:
    """IprInput v3 carried every line reached in `service_lines`: upcast, the primary
    lines are the referral's and the rest are lines reached (the old search attribute's)."""
    from pydantic_core import to_jsonable_python

    from domain.ipr.decide import initial_state
    from domain.ipr.model import IprPolicy
    from workflows.contracts import IprInput

    referral = parse(Referral, _referral("IPR-UPCAST-1", date(2026, 5, 1)))
    state = initial_state(
        referral,
        datetime(2026, 5, 1, 9, tzinfo=UTC),
        IprPolicy(),
        child_ids.ipr_children("IPR-UPCAST-1", None),
    )
    raw = to_jsonable_python(IprInput(**{**_referral("IPR-UPCAST-1", date(2026, 5, 1))}))
    carried = to_jsonable_python(state)
    carried["service_lines"] = ["UC", "PIP", "ACS"]
    del carried["lines_reached"]
    old = {**raw, "carried": carried, "schema_version": 3}
    upcast = parse(IprInput, old, stored=True)
    assert upcast.carried is not None
    assert upcast.carried.service_lines == ("UC",)
    assert upcast.carried.lines_reached == ("PIP", "ACS")
    assert upcast.carried.lines_merged == ("UC", "PIP", "ACS")
