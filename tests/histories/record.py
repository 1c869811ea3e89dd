"""Record the histories the replay test checks every change against.

    .venv/bin/python -m tests.histories.record [scenario ...]   (all when none named)
    .venv/bin/python -m tests.histories.record --encrypted [scenario ...]
    .venv/bin/python -m tests.histories.record --encrypted --series B [scenario ...]

Plain histories (recorded before payloads were encrypted) live beside this file;
encrypted ones in encrypted/, with the test-only key ring and the wrapped data keys
that replay needs. Files already saved are never overwritten: evidence is added.

A series is one generation of recordings: the first (no --series) used the refs
REPLAY-1..; a later one, recorded with the code of its day, uses REPLAY-<series><n>
(REPLAY-B1..), so its files get new names beside the old ones instead of being
"kept" as already saved. A named series opens cases as clients do today (the policy
in the input, the first command with the start: update-with-start); the first one as
the clients of its day did. Child ids are read from their parent (they carry its
scope since ids-per-case: uc-migration-<ref>/<scope>), and a file name is the id
with `/` made `_`; ids.json keeps the real workflow id, which replay needs.

Run it when a workflow change is meant to be incompatible (and versioned), or to
add a scenario; never to make a failing replay pass. Each scenario exercises many
code paths: commands, refusals, timers, closure, re-opening, continue-as-new.
"""

import asyncio
import contextlib
import dataclasses
import json
import os
import sys
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.db import DataKeyRecord, make_engine, migrate
from activities.policy import read_policy
from domain.case import commands as c
from domain.dates import ap_start, business_date
from domain.migration.deadlines import earliest_deadline_day
from domain.policy import SIX_POINT_PLAN_STEPS
from infra import keys
from infra.codec import encrypting_converter
from infra.keystore import KeyStore
from tests.factories import claim_status, deduction_facts, opening
from tests.helpers import activity_id, arrangement_id, eventually, migration_id
from tools.devserver import binary, register_search_attributes
from worker import build_worker
from workflows import ids as child_ids
from workflows.ipr import IPR, ipr_workflow_id
from workflows.uc_case import UCCase, case_workflow_id

HERE = Path(__file__).parent
ENCRYPTED = HERE / "encrypted"
IDS = HERE / "ids.json"  # saved file -> its workflow id, which replay needs
TASK_QUEUE = "record-histories"


@dataclasses.dataclass(frozen=True)
class Series:
    """One generation of recordings. The first ("") keeps the refs and the opening of
    its day; a later one gets refs of its own and opens cases as clients do today."""

    name: str = ""

    def ref(self, n: int) -> str:
        return f"REPLAY-{self.name}{n}"

    @property
    def clients_of_today(self) -> bool:
        return bool(self.name)


async def _start(
    client: Client,
    series: Series,
    ref: str,
    first: tuple[str, object] | None = None,
    **facts: object,
) -> WorkflowHandle:
    """Open the tenancy's case, and send `first` (an update name and its command).

    The first series started the case without its policy (the case loads it) and sent
    the first command after; a later one puts the operator's policy in the input and
    sends the first command with the start (update-with-start), as starter.py does:
    the case opens in `@workflow.init` (patch case-opens-in-init)."""
    case = opening(ref, **facts)
    if not series.clients_of_today:
        handle = await client.start_workflow(
            UCCase.run, case, id=case_workflow_id(ref), task_queue=TASK_QUEUE
        )
        if first is not None:
            await handle.execute_update(first[0], first[1])
        return handle
    case = dataclasses.replace(case, policy=read_policy())
    if first is None:
        return await client.start_workflow(
            UCCase.run, case, id=case_workflow_id(ref), task_queue=TASK_QUEUE
        )
    start = WithStartWorkflowOperation(
        UCCase.run,
        case,
        id=case_workflow_id(ref),
        task_queue=TASK_QUEUE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    await client.execute_update_with_start_workflow(
        first[0], first[1], start_workflow_operation=start
    )
    return await start.workflow_handle()


async def full_lifecycle(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    first = (
        "record_claim_status",
        claim_status("2026-01-30", by="o", housing_element=Decimal("400")),
    )
    h = await _start(env.client, series, series.ref(1), first)
    now = await env.get_current_time()
    await h.execute_update(
        "record_vulnerability_assessment",
        c.RecordVulnerabilityAssessment(by="o", factors=("mental_health_condition",)),
    )
    await h.execute_update(
        "request_call_back",
        c.RequestCallBack(by="o", due_at=now + timedelta(days=1), reason="arrears"),
    )
    with contextlib.suppress(WorkflowUpdateFailedError):  # refused, as it should be
        await h.execute_update("close_case", c.CloseCase(by="o", outcome="nope"))
    await env.sleep(timedelta(days=2))  # the call-back escalates
    await h.execute_update(
        "complete_task", c.CompleteTask(by="o", task_id="task-1", outcome="called")
    )
    await h.execute_update(
        "record_safeguarding_declaration", c.RecordSafeguardingDeclaration(by="o", kind="self_harm")
    )
    for step in SIX_POINT_PLAN_STEPS:
        await h.execute_update("complete_plan_step", c.CompletePlanStep(by="o", step=step))
    await h.execute_update("close_case", c.CloseCase(by="o", outcome="stable_arrears_clearing"))
    await env.sleep(timedelta(days=20))
    await h.execute_update(
        "record_rent_movement",
        c.RecordRentMovement(
            by="o", kind="missed_uc_payment", amount=Decimal("400"), on="2026-02-01"
        ),
    )
    await h.execute_update("complete_task", c.CompleteTask(by="o", task_id="task-2", outcome="ok"))
    await h.execute_update("close_case", c.CloseCase(by="o", outcome="moved_off_uc"))
    await _watch_ends(env, h)
    return [h]


async def continue_as_new(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    policy_file = Path(tempfile.mkdtemp()) / "policy.json"
    policy_file.write_text(json.dumps({"continue_as_new_after_events": 40}))
    os.environ["CASEWORK_POLICY_FILE"] = str(policy_file)
    try:
        h = await _start(env.client, series, series.ref(2))
        first = (await h.describe()).run_id
        for i in range(12):
            await h.execute_update("add_journal_note", c.AddJournalNote(by="o", text=f"n{i}"))
    finally:
        del os.environ["CASEWORK_POLICY_FILE"]
    return [env.client.get_workflow_handle(h.id, run_id=first)]


async def migration(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """A case with a migration: notice, reminders, a claim, protection over 2 APs."""
    case = await _start(env.client, series, series.ref(3))
    today = (await env.get_current_time()).date()
    await case.execute_update(
        "record_migration_notice",
        c.RecordMigrationNotice(
            by="o", notice_issued=today, deadline_day=earliest_deadline_day(today), tax_credits=True
        ),
    )
    child = env.client.get_workflow_handle(await migration_id(case))
    await env.sleep(timedelta(days=20))  # the first outreach reminder fires
    claim = (await env.get_current_time()).date()
    await child.execute_update("record_claim", {"by": "o", "claim_date": claim.isoformat()})
    await child.execute_update("record_capital_on_migration_day", {"by": "o", "capital": "18000"})
    await child.execute_update(
        "record_transitional_amounts",
        {"by": "o", "legacy_total": "1500", "indicative_uc": "1250", "benefit_cap": None},
    )
    for ap, child_element in ((1, {}), (2, {"child:2": "303.94"})):
        await env.sleep(timedelta(days=32))
        await child.execute_update(
            "record_award_statement",
            {
                "by": "o",
                "ap": ap,
                "household": "single",
                "capital": "18000",
                "elements": {"standard_allowance": "424.90", "child:1": "351.88", **child_element},
            },
        )
    return [case, child]


async def _watch_ends(env: WorkflowEnvironment, case: WorkflowHandle) -> None:
    """Sleep past the post-closure watch, then wait for the case to complete. (The
    time-skipping server here does not skip ahead while a client only awaits the
    result of a closed case: the result never came.)"""
    await env.sleep(timedelta(days=200))  # policy watch_months_after_closure: 6
    await case.result()


async def _today(env: WorkflowEnvironment) -> str:
    return (await env.get_current_time()).date().isoformat()


async def _exists(handle: WorkflowHandle) -> bool:
    try:
        await handle.describe()
        return True
    except Exception:
        return False


async def arrangement(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """An APA managed payment: forms, submission, objection window, grant, the first
    review reminder, then the resident's death ending it."""
    first = (
        "record_vulnerability_assessment",
        c.RecordVulnerabilityAssessment(by="o", factors=("homeless",)),
    )
    case = await _start(env.client, series, series.ref(4), first, balance=Decimal("1200.00"))
    await case.execute_update(
        "request_payment_arrangement",
        {"by": "o", "kind": "apa", "apa_type": "managed_payment_to_landlord"},
    )
    child = env.client.get_workflow_handle(await arrangement_id(case))

    async def status() -> str:
        return (await child.query("arrangement_view"))["status"] if await _exists(child) else ""

    await eventually(status, lambda s: s == "submitted")
    await env.sleep(timedelta(days=15))  # past the objection window
    await eventually(status, lambda s: s == "awaiting_outcome")
    today = await _today(env)
    await child.execute_update(
        "record_outcome",
        {"by": "o", "decision": "granted", "decided_on": today, "start_date": today},
    )
    await env.sleep(timedelta(days=95))  # the 3-month review reminder
    await case.execute_update(
        "record_death", {"by": "o", "date_of_death": await _today(env), "informant": "son"}
    )
    await eventually(status, lambda s: s == "ended")
    return [case, child]


async def deduction(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """A rent arrears deduction on its recorded facts (claim status with occupation,
    the award statement of the AP before): a request below the guidance level without
    a reason refused, then granted; earnings at the work allowance in 3 consecutive
    APs end it (earnings_3_aps), with a follow-up task."""
    today = business_date(await env.get_current_time())
    status, award = deduction_facts(today)
    case = await _start(
        env.client,
        series,
        series.ref(10),
        ("record_claim_status", status),
        balance=Decimal("1200.00"),
    )
    await case.execute_update("record_award_statement", award)
    request = {"by": "o", "kind": "tpd", "deduction_rate": "10"}
    await case.execute_update("request_payment_arrangement", request)
    child = env.client.get_workflow_handle(await arrangement_id(case))

    async def status_of() -> str:
        return (await child.query("arrangement_view"))["status"] if await _exists(child) else ""

    await eventually(status_of, lambda s: s == "submitted")
    await env.sleep(timedelta(days=15))  # past the objection window
    await eventually(status_of, lambda s: s == "awaiting_outcome")
    day = await _today(env)
    await child.execute_update(
        "record_outcome",
        {
            "by": "o",
            "decision": "granted",
            "decided_on": day,
            "start_date": day,
            "deduction_rate": "10",
        },
    )
    await env.sleep(timedelta(days=100))
    first = date.fromisoformat(str(status.first_ap_start))
    for n in (2, 3, 4):  # no child, no LCW: a nil allowance, which any earnings reach
        await case.execute_update(
            "record_award_statement",
            c.RecordAwardStatement(
                by="o",
                ap_start=ap_start(first, n),
                housing_costs_element=True,
                earned_income=Decimal("350"),
            ),
        )

    async def on_the_case() -> str:
        return str((await case.query("case_view"))["arrangements"][0]["status"])

    # The case ends it and signals the child to stop; the child's own history is saved
    # as it stands (it may not have taken the stop yet).
    await eventually(on_the_case, lambda s: s == "ended")
    return [case, child]


async def death_during_migration(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """A migration notice, then the resident's death: the case stops the migration."""
    today = (await env.get_current_time()).date()
    notice = c.RecordMigrationNotice(
        by="o", notice_issued=today, deadline_day=earliest_deadline_day(today)
    )
    case = await _start(env.client, series, series.ref(5), ("record_migration_notice", notice))
    child = env.client.get_workflow_handle(await migration_id(case))
    await eventually(lambda: _exists(child), lambda ok: ok)
    await env.sleep(timedelta(days=20))  # the first outreach reminder fires
    await case.execute_update(
        "record_death", {"by": "o", "date_of_death": await _today(env), "informant": "son"}
    )
    await child.result()
    return [case, child]


async def ipr(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """An IPR from referral to closure: screening in, investigation, findings, two
    agreed activities (one assured late, after an escalation), a learning outcome."""
    ref = series.ref(6)
    today = await _today(env)
    referral: dict[str, object] = {
        "reference": ref,
        "referrer": {"name": "Pat Colleague", "role": "Case manager", "email": "p@dwp.gov.uk"},
        "received_on": today,
        "customer": {"full_name": "Sam Example"},
        "summary": "Sam Example died; the family says deductions left no money.",
        "service_lines": ["UC", "PIP"],
    }
    if series.clients_of_today:  # the operator's targets in the input (starter.py refer)
        referral["policy"] = read_policy().ipr
    h = await env.client.start_workflow(
        IPR.run,
        referral,
        id=ipr_workflow_id(ref),
        task_queue=TASK_QUEUE,
    )
    await h.execute_update("record_screening", {"by": "s", "allegation": True, "harm": "death"})
    await h.execute_update("assign_investigator", {"by": "s", "investigator": "inv"})
    await h.execute_update(
        "record_evidence", {"by": "inv", "service_line": "UC", "description": "journal read"}
    )
    await h.execute_update(
        "record_findings",
        {
            "by": "inv",
            "learning_identified": True,
            "learning": [{"service_line": "UC", "text": "journal messages went unanswered"}],
        },
    )
    due = (await env.get_current_time()).date() + timedelta(days=10)
    activities = [
        {"service_line": line, "description": f"{line} to assure the IPRG", "due_on": str(due)}
        for line in ("UC", "PIP")
    ]
    await h.execute_update(
        "record_iprg_agreement",
        {"by": "iprg", "agreed_on": await _today(env), "activities": activities},
    )
    children = [env.client.get_workflow_handle(await activity_id(h, n)) for n in (1, 2)]
    for child in children:
        await eventually(lambda child=child: _exists(child), lambda ok: ok)  # type: ignore[misc]
    assurance = {"by": "lead", "evidence": "guidance reissued"}
    await children[1].execute_update(
        "record_assurance", {**assurance, "assured_on": await _today(env)}
    )
    await env.sleep(timedelta(days=12))  # the first is overdue and escalated
    await children[0].execute_update(
        "record_assurance", {**assurance, "assured_on": await _today(env)}
    )
    for child in children:
        await child.result()
    await h.execute_update(
        "record_learning_outcome", {"by": "iprg", "service_line": "UC", "outcome": "reissued"}
    )
    await h.execute_update("close_ipr", {"by": "iprg"})
    await h.result()
    return [h, *children]


async def ipr_dated(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """An IPR whose staff give the real days (screening, findings, outcome, closure),
    whose screening replaces the primary service lines, and whose learning lies under
    a line that is not primary (docs/rules.md#ipr-publication); the referral names a
    third party and a locality for redaction."""
    ref = series.ref(11)
    today = business_date(await env.get_current_time())
    referral: dict[str, object] = {
        "reference": ref,
        "referrer": {"name": "Pat Colleague", "role": "Case manager", "email": "p@dwp.gov.uk"},
        "received_on": str(today - timedelta(days=40)),
        "customer": {
            "full_name": "Sam Example",
            "people": ["Mary Example"],
            "localities": ["Hebden Bridge"],
        },
        "summary": "Mary Example says letters kept coming after Sam died.",
        "service_lines": ["PIP"],
        "policy": read_policy().ipr,
    }
    h = await env.client.start_workflow(
        IPR.run, referral, id=ipr_workflow_id(ref), task_queue=TASK_QUEUE
    )
    await h.execute_update(
        "record_screening",
        {
            "by": "s",
            "allegation": True,
            "harm": "death",
            "screened_on": str(today - timedelta(days=35)),
            "service_lines": ["PIP", "ESA"],
        },
    )
    await h.execute_update("assign_investigator", {"by": "s", "investigator": "inv"})
    await h.execute_update(
        "record_evidence", {"by": "inv", "service_line": "UC", "description": "letters read"}
    )
    await h.execute_update(
        "record_findings",
        {
            "by": "inv",
            "learning_identified": True,
            "recorded_on": str(today - timedelta(days=10)),
            "learning": [
                {"service_line": "Bereavement Services", "text": "letters went after the death"}
            ],
        },
    )
    await h.execute_update(
        "record_learning_outcome",
        {
            "by": "iprg",
            "service_line": "Bereavement Services",
            "outcome": "death notifications now stop letters",
            "recorded_on": str(today - timedelta(days=5)),
        },
    )
    await h.execute_update("close_ipr", {"by": "iprg", "completed_on": str(today)})
    await h.result()
    return [h]


async def ipr_imported(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """A review completed before the engine, recorded with its real dates through the
    workflow as `starter.py ipr-import` does (backoffice/ipr_import.py): activities
    already assured, no targets watched, no children."""
    from backoffice.ipr_import import record_review
    from domain.ipr.imported import ImportedReview

    ref = series.ref(12)
    review = ImportedReview(
        reference=ref,
        referrer={"name": "Pat Colleague", "role": "Case manager", "email": "p@dwp.gov.uk"},
        received_on=date(2019, 5, 1),
        customer={"full_name": "Sam Example"},
        summary="A review of 2019-20.",
        service_lines=("ESA",),
        screened_on=date(2019, 5, 8),
        findings_on=date(2019, 8, 1),
        completed_on=date(2020, 1, 15),
        learning=({"service_line": "UC", "text": "a call-back was not made"},),
        agreed_on=date(2019, 9, 1),
        activities=(
            {
                "service_line": "UC",
                "description": "UC to assure IPRG call-backs are tracked",
                "due_on": date(2019, 11, 1),
                "assured_on": date(2019, 10, 20),
                "evidence": "call-back tasks added",
            },
        ),
        outcomes=(
            {"service_line": "UC", "text": "call-backs tracked", "recorded_on": date(2020, 1, 10)},
        ),
    )  # type: ignore[arg-type]
    await record_review(env.client, TASK_QUEUE, review)
    return [env.client.get_workflow_handle(ipr_workflow_id(ref))]


async def ipr_not_accepted(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """An IPR reading its targets from the policy file (as an older client's referral,
    without them, does), screened out: feedback, closed."""
    ref = series.ref(7)
    h = await env.client.start_workflow(
        IPR.run,
        {
            "reference": ref,
            "referrer": {"name": "Pat Colleague", "role": "Case manager", "email": "p@dwp.gov.uk"},
            "received_on": await _today(env),
            "customer": {"full_name": "Sam Example"},
            "summary": "A letter was not answered.",
            "service_lines": ["UC"],
        },
        id=ipr_workflow_id(ref),
        task_queue=TASK_QUEUE,
    )
    await h.execute_update("record_screening", {"by": "s", "allegation": True, "harm": "none"})
    await h.result()
    return [h]


async def second_case(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """A tenancy's second case: the first one closes and completes, `uc-case-<ref>` is
    started again with a migration notice as its first command, then a payment
    arrangement is requested. Its children take ids of its own (patch ids-per-case)."""
    ref = series.ref(8)
    note = c.AddJournalNote(by="o", text="opened on the phone")
    first = await _start(env.client, series, ref, ("add_journal_note", note))
    first_run = (await first.describe()).run_id
    await first.execute_update("close_case", c.CloseCase(by="o", outcome="moved_off_uc"))
    await _watch_ends(env, first)  # the first case completes
    today = (await env.get_current_time()).date()
    notice = c.RecordMigrationNotice(
        by="o", notice_issued=today, deadline_day=earliest_deadline_day(today)
    )
    case = await _start(
        env.client, series, ref, ("record_migration_notice", notice), balance=Decimal("1200.00")
    )
    migration = env.client.get_workflow_handle(await migration_id(case))
    await eventually(lambda: _exists(migration), lambda ok: ok)
    await env.sleep(timedelta(days=15))  # the migration's first outreach reminder
    claim = (await env.get_current_time()).date()
    await migration.execute_update("record_claim", {"by": "o", "claim_date": claim.isoformat()})
    await case.execute_update(
        "request_payment_arrangement", c.RequestPaymentArrangement(by="o", kind="mptl")
    )
    apa = env.client.get_workflow_handle(await arrangement_id(case))

    async def status() -> str:
        return (await apa.query("arrangement_view"))["status"] if await _exists(apa) else ""

    await eventually(status, lambda s: s == "submitted")
    return [env.client.get_workflow_handle(first.id, run_id=first_run), case, migration, apa]


async def refused_migration_start(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """A migration whose id another workflow already took: the refused start is
    recorded, the migration marked not started and escalated (patch
    refused-child-start-recorded, taken only on that path)."""
    ref = series.ref(9)
    case = await _start(env.client, series, ref)
    scope = (await case.describe()).run_id
    taken = child_ids.migration_id(ref, scope if series.clients_of_today else None)
    # A case started under the wrong id fails at once; a closed id is never reused.
    squatter = await env.client.start_workflow(
        UCCase.run, opening(ref), id=taken, task_queue=TASK_QUEUE
    )
    with contextlib.suppress(Exception):
        await squatter.result()
    today = (await env.get_current_time()).date()
    await case.execute_update(
        "record_migration_notice",
        c.RecordMigrationNotice(
            by="o", notice_issued=today, deadline_day=earliest_deadline_day(today)
        ),
    )
    await eventually(
        lambda: case.query("journal"),
        lambda journal: any(j["outcome"] == "not_started" for j in journal),
    )
    return [case]


async def scheduled(env: WorkflowEnvironment, series: Series) -> list[WorkflowHandle]:
    """The workflows the Temporal Schedules start (workflows/scheduled.py), started as
    a schedule starts them: no input, an id of the schedule's (no subject: `ops`)."""
    handles = []
    for workflow, schedule_id in (
        ("WorkAvailableReport", "work-available-report"),
        ("EscalationDigest", "escalation-digest"),
        ("RetentionSweep", "retention-sweep"),
    ):
        handle = await env.client.start_workflow(
            workflow, id=f"{schedule_id}-replay{series.name}", task_queue=TASK_QUEUE
        )
        await handle.result()
        handles.append(handle)
    return handles


SCENARIOS = {
    "lifecycle": full_lifecycle,
    "continue_as_new": continue_as_new,
    "migration": migration,
    "arrangement": arrangement,
    "deduction": deduction,
    "death_during_migration": death_during_migration,
    "ipr": ipr,
    "ipr_not_accepted": ipr_not_accepted,
    "ipr_dated": ipr_dated,
    "ipr_imported": ipr_imported,
    "second_case": second_case,
    "refused_migration_start": refused_migration_start,
    "scheduled": scheduled,
}
# Added after the first series, which never recorded them.
LATER = {
    "second_case",
    "refused_migration_start",
    "scheduled",
    "deduction",
    "ipr_dated",
    "ipr_imported",
}


def file_name(workflow_id: str) -> str:
    """The saved file's name: the id, lower case, its first two hyphens made
    underscores (as the first series named them), `/` (the scope of a child id since
    ids-per-case) made `_`. ids.json keeps the id itself."""
    return f"{workflow_id.replace('-', '_', 2).lower().replace('/', '_')}.json"


def _with_additions(saved: dict[str, object], added: dict[str, object]) -> dict[str, object]:
    """What was saved, line for line, with what is new before it: an entry added
    after the last one would change that line (its comma), and saved lines never
    change. Newest first."""
    return {**dict(sorted(added.items())), **saved}


async def main(names: list[str], encrypted: bool, series: Series = Series()) -> None:
    folder = ENCRYPTED if encrypted else HERE
    ids_file = folder / "ids.json"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/record.db"
        migrate(url)
        engine = make_engine(url)
        converter = pydantic_data_converter
        if encrypted:
            ring = _test_ring()
            store = KeyStore(engine, ring)
            converter = encrypting_converter(store)
            # The worker's activities (the sealed file store) read the ring named in
            # the environment: the same test-only ring, over the same data keys.
            os.environ["CASEWORK_KEY_FILE"] = str(ENCRYPTED / "test-keyring.json")
            os.environ.pop("CASEWORK_KEYS", None)
        # Forms print the demo's placeholder landlord, as the test session's do: allowed
        # only in the demo (activities/forms.py check_fit_to_send).
        os.environ.setdefault("CASEWORK_DEMO", "1")
        ids = json.loads(ids_file.read_text()) if ids_file.exists() else {}
        added: dict[str, object] = {}
        for scenario in names:
            # A server of its own per scenario: each starts on today's date (the
            # clock one server shares would carry a scenario past the rates held).
            env = await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=binary("temporal-test-server"),
                data_converter=converter,
            )
            await register_search_attributes(env.client)
            async with env, build_worker(env.client, TASK_QUEUE, engine, files=Path(tmp)):
                handles = await SCENARIOS[scenario](env, series)
                await _save(folder, handles, added)
            # After each scenario: a file saved is never left without its id and keys.
            ids_file.write_text(json.dumps(_with_additions(ids, added), indent=2) + "\n")
            if encrypted:
                _save_data_keys(engine)
        engine.dispose()


async def _save(folder: Path, handles: list[WorkflowHandle], added: dict[str, object]) -> None:
    for handle in handles:
        history = await handle.fetch_history()
        name = file_name(handle.id)
        # A later run of the same id (a tenancy's second case): its own file.
        run = 2
        while name in added:
            name = file_name(f"{handle.id}-run{run}")
            run += 1
        if (folder / name).exists():
            print(f"kept {name}: already saved, never overwritten")
            continue
        (folder / name).write_text(history.to_json())
        added[name] = handle.id
        print(f"saved {name}: {len(history.events)} events ({handle.id})")


def _test_ring() -> keys.KeyRing:
    """The encrypted histories' own key ring: test-only, made once and kept beside
    them (it protects invented data); never a key of any deployment."""
    path = ENCRYPTED / "test-keyring.json"
    keys.ensure(path)
    return keys.load_file(path)


def _save_data_keys(engine: Engine) -> None:
    """Add the wrapped data keys the recorded histories were sealed with."""
    path = ENCRYPTED / "data_keys.json"
    saved = {k["key_id"]: k for k in json.loads(path.read_text())} if path.exists() else {}
    added: dict[str, object] = {}
    with Session(engine) as session:
        for record in session.scalars(select(DataKeyRecord)):
            if record.key_id in saved:
                continue
            added.setdefault(
                record.key_id,
                {
                    "key_id": record.key_id,
                    "domain": record.domain,
                    "subject": record.subject,
                    "generation": record.generation,
                    "wrapped": record.wrapped,
                    "wrapping_key_id": record.wrapping_key_id,
                    "created_at": record.created_at.isoformat(),
                },
            )
    keys_now = _with_additions(saved, added)
    path.write_text(json.dumps(list(keys_now.values()), indent=2) + "\n")


if __name__ == "__main__":
    # Name the scenarios to (re)record; histories recorded by older code are
    # worth keeping, so record only what is new: a new series for today's code.
    args = sys.argv[1:]
    encrypted = "--encrypted" in args
    series = Series()
    if "--series" in args:
        at = args.index("--series")
        if at + 1 >= len(args) or not args[at + 1].isalpha():
            sys.exit("--series takes letters (B, C, ...): the refs become REPLAY-<series><n>")
        series = Series(args[at + 1].upper())
        del args[at : at + 2]
    chosen = [a for a in args if a != "--encrypted"] or [
        n for n in SCENARIOS if series.clients_of_today or n not in LATER
    ]
    unknown = set(chosen) - SCENARIOS.keys()
    if unknown:
        sys.exit(f"unknown scenario(s) {sorted(unknown)}; choose from {sorted(SCENARIOS)}")
    asyncio.run(main(chosen, encrypted, series))
